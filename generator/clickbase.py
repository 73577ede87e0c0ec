"""The click classes of every command: the one error handler, one-line usage errors, option suggestions."""

from __future__ import annotations

from typing import IO, Any

import click

from .errors import one_line, user_errors


class OneLineUsageError(click.UsageError):
    """A usage error (a missing argument, an option's bad value) as one line naming the help to read.

    click prints the usage synopsis, a hint and a blank line before the error; every other error of
    the tool is one line, so a script or a teacher reads this one the same way.
    """

    def show(self, file: IO[Any] | None = None) -> None:
        text = one_line(self.format_message()).rstrip(".")
        if self.ctx is not None:
            see = f"see '{self.ctx.command_path} --help'"
            text = f"{text} ({see})" if text.endswith(("?", ")")) else f"{text}; {see}"
        click.echo(f"Error: {text}", file=file, err=file is None)


def _one_line(e: click.UsageError) -> click.UsageError:
    if isinstance(e, OneLineUsageError):
        return e
    return OneLineUsageError(e.format_message(), e.ctx)  # exit code 2, as every usage error


class Command(click.Command):
    """A command whose unknown-option error also suggests the options it abbreviates (--ecf)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as e:
            if not e.possibilities:
                name = e.option_name.split("=", 1)[0]
                names = [o for p in self.get_params(ctx) for o in [*p.opts, *p.secondary_opts] if o.startswith("--")]
                close = sorted(o for o in names if o.startswith(name) or name.startswith(o))
                if close:
                    hint = f"Did you mean {close[0]}?" if len(close) == 1 else f"(Possible options: {', '.join(close)})"
                    raise _one_line(click.NoSuchOption(e.option_name, f"{e.message} {hint}", ctx=e.ctx)) from None
            raise _one_line(e) from None
        except click.UsageError as e:
            raise _one_line(e) from None


class Group(click.Group):
    """Runs every subcommand inside the one handler of generator/errors.py."""

    command_class = Command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as e:
            raise _one_line(e) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with user_errors():
                return super().invoke(ctx)
        except click.UsageError as e:  # an unknown command, or a usage error a command raised itself
            raise _one_line(e) from None
