"""The click classes of every command: the one error handler, and option suggestions by prefix."""

from __future__ import annotations

from typing import Any

import click

from .errors import user_errors


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
                    raise click.NoSuchOption(e.option_name, f"{e.message} {hint}", ctx=e.ctx) from None
            raise


class Group(click.Group):
    """Runs every subcommand inside the one handler of generator/errors.py."""

    command_class = Command

    def invoke(self, ctx: click.Context) -> Any:
        with user_errors():
            return super().invoke(ctx)
