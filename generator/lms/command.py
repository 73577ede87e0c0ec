"""The 'export' command: parse options, call export_key, report."""

from __future__ import annotations

import click

from ..clickbase import Command

# The names of export.FORMATS, spelled out so that starting the CLI does not import the
# exporters (tests/test_cli.py checks that the two agree).
FORMAT_NAMES = ("moodle", "qti21", "canvas")


@click.command(cls=Command)
@click.argument("key_file", type=click.Path(dir_okay=False))
@click.option(
    "--format", "fmt", type=click.Choice(FORMAT_NAMES), required=True,
    help="moodle: Moodle XML (Cloze); qti21: QTI 2.1 zip (OpenOlat, ILIAS, TAO); canvas: Canvas QTI 1.2 zip.",
)  # fmt: skip
@click.option("--out", "out", type=click.Path(dir_okay=False), help="File to write [output/<pack>-<format>.xml|zip].")
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
def export(key_file: str, fmt: str, out: str | None, force: bool) -> None:
    """Export the variants of KEY_FILE as an LMS quiz: one question per variant, one drawn per attempt.

    Every accepted interval is encoded exactly as the key gives it, and (Moodle, QTI) every
    typical mistake the grader names becomes a 0-point answer whose feedback names it.
    Grade what students typed with 'backprop-exam grade KEY responses.csv'. See docs/lms.md.

    \b
    Examples:
      backprop-exam export answer_keys/midterm.json --format moodle --out midterm-moodle.xml
      backprop-exam export answer_keys/midterm.json --format qti21 --out midterm-qti.zip
      backprop-exam export answer_keys/midterm.json --format canvas --out midterm-canvas.zip
    """
    from .export import FORMATS, export_key

    path = export_key(key_file, fmt, out, force=force)  # errors: the one handler (generator/errors.py)
    click.echo(f"Wrote {FORMATS[fmt][2]} to {path}")
