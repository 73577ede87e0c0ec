"""The backprop-exam command line: each command parses options, calls the library, reports."""

from __future__ import annotations

import os
from typing import Any

import click

from . import __version__
from .clickbase import Group
from .errors import UserError
from .grading.command import grade
from .lms.command import export
from .render.command import key
from .scan.command import scan


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="backprop-exam")
def cli() -> None:
    """Backpropagation exam worksheets, worked answer keys and a fair grader.

    \b
    Typical night before the exam:
      backprop-exam generate --roster class.csv --profile hard --pack midterm
      backprop-exam grade answer_keys/midterm.json submissions/ --out grades/midterm
    """


@cli.command()
def presets() -> None:
    """List the built-in presets and profiles, one line each.

    Presets are fixed networks (the reference problems); profiles are randomized
    structures for class packs. Example: backprop-exam presets
    """
    from .spec import presets as preset_table
    from .spec import profiles as profile_table

    click.secho("Presets (fixed networks; use with solve or generate --preset):", bold=True)
    for name, data in preset_table().items():
        click.echo(f"  {name:<20} {data.get('description', data.get('title', ''))}")
    click.secho("Profiles (randomized per student; use with generate --profile):", bold=True)
    for name, data in profile_table().items():
        click.echo(f"  {name:<20} {data.get('description', data.get('title', ''))}")


@cli.command()
@click.argument("spec")
@click.option(
    "--decimals", "-d", type=click.IntRange(1, 8), default=None, help="Decimals to round to [spec's, else 4]."
)
@click.option("--json", "as_json", is_flag=True, help="Print the answer-key problem record as JSON.")
@click.option("--seed", default="0", show_default=True, help="Seed for drawing a randomized spec.")
def solve(spec: str, decimals: int | None, as_json: bool, seed: str) -> None:
    """Print the full worked solution of SPEC (a TOML network spec, a preset or a profile).

    \b
    Example:
      backprop-exam solve ref-2-2-2-shared
      backprop-exam solve my-network.toml --json > solution.json
    """
    from .pack import build_pack
    from .spec import resolve
    from .terminal import print_solution
    from .worked import to_json, worked_of

    sp = resolve(spec)
    key = build_pack(sp, pack="solve", count=1, seed=seed, decimals=decimals)
    problem = worked_of(key, key.variants[0].problems[0])
    if as_json:
        click.echo(to_json(problem))
    else:
        print_solution(problem, key.decimals)


@cli.command()
@click.option("--count", "-n", type=click.IntRange(1, 100_000), help="Number of anonymous variants.")
@click.option(
    "--roster", type=click.Path(dir_okay=False), help="CSV with a student_id (or id) column and optional name."
)
@click.option("--profile", "-p", help="Built-in profile: easy, standard, hard, deep, multiclass [standard].")
@click.option("--spec", "spec_file", type=click.Path(dir_okay=False), help="Teacher's TOML spec file.")
@click.option("--preset", help="Built-in fixed network (see 'backprop-exam presets').")
@click.option("--pack", default="demo", show_default=True, help="Pack name: answer_keys/<pack>.json, output/<pack>/.")
@click.option("--seed", help="Practice packs: rebuild the same pack from this seed (warns when it can be guessed).")
@click.option(
    "--secret",
    help="A long passphrase the pack secret is derived from (checked; weak ones are refused) "
    "[$BACKPROP_EXAM_SECRET, else random].",
)
@click.option(
    "--keys",
    "keys_dir",
    default="answer_keys",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder of the answer key <pack>.json (keep it private: it holds the pack secret).",
)
@click.option(
    "--out",
    "out_dir",
    default="output",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder the pack's PDFs go into, as <out>/<pack>/.",
)
@click.option("--decimals", "-d", type=click.IntRange(1, 8), help="Decimals of every answer [spec's, else 4].")
@click.option("--title", default="", help="Worksheet title [the spec's].")
@click.option("--course", default="", help="Course name printed in the header.")
@click.option(
    "--paper",
    type=click.Choice(["a4", "letter"]),
    default="a4",
    show_default=True,
    help="Paper size of every PDF of the pack.",
)
@click.option(
    "--duplex/--simplex",
    default=True,
    show_default=True,
    help="In worksheets.pdf, start every student on a new sheet (a blank page after an odd page count).",
)
@click.option(
    "--solutions",
    "--key-per-student",
    "solutions",
    is_flag=True,
    help="Also write each student's worked solution: solutions/<student>.pdf.",
)
@click.option(
    "--decimal-comma/--decimal-point", default=None,
    help="Print every number 0,5450 or 0.5450; the key remembers it [the spec's [print], else a point].",
)  # fmt: skip
@click.option(
    "--tagged/--untagged", default=None,
    help="Tagged PDF/UA-1 for screen readers; the key remembers it (cost: docs/rendering.md) [the spec's, else no].",
)  # fmt: skip
@click.option("--no-pdf", is_flag=True, help="Write only the answer-key JSON.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Render processes [all cores].")
@click.option("--answer-sheet", is_flag=True, help="Add a scannable answer sheet to each worksheet (see 'scan').")
@click.option(
    "--force", is_flag=True, help="Replace this pack's key and output folder (only files backprop-exam wrote)."
)
def generate(**opts: Any) -> None:
    """Generate a class pack: worksheets, the marking key PDF and the answer-key JSON.

    One variant per student (--roster) or --count anonymous variants, all with the same
    structure and different numbers. Without options: a 30-variant demo pack of the
    standard profile.

    \b
    Examples:
      backprop-exam generate --count 30 --pack demo
      backprop-exam generate --roster class.csv --profile hard --pack midterm --course "NN 101"
      backprop-exam generate --spec exam.toml --roster class.csv --pack final --no-pdf
    """
    if not opts["no_pdf"]:
        from .render.pool import prestart

        prestart(opts["jobs"])  # first: the render processes load WeasyPrint while this one imports and solves
    from dataclasses import replace
    from pathlib import Path

    from .pack import read_roster
    from .progress import StageBars
    from .workflow import PackOptions, generate_pack, load_source, report
    from .writers import OutputOptions

    if opts["count"] is None and opts["roster"] is None:
        opts["count"] = 30
    if len([k for k in ("profile", "spec_file", "preset") if opts[k]]) > 1:
        raise UserError("give only one of --profile, --spec and --preset")
    if opts["count"] is not None and opts["roster"] is not None:
        raise UserError("give either --count or --roster, not both")
    options = PackOptions(
        pack=opts["pack"], keys_dir=Path(opts["keys_dir"]), out_dir=Path(opts["out_dir"]), seed=opts["seed"],
        secret=opts["secret"], decimals=opts["decimals"], title=opts["title"], course=opts["course"],
        pdf=not opts["no_pdf"], force=opts["force"],
    )  # fmt: skip
    spec = load_source(opts["profile"], opts["spec_file"], opts["preset"])
    sheet = opts["answer_sheet"] or spec.answer_sheet is not None
    options = replace(options, output=OutputOptions(
        paper=opts["paper"], duplex=opts["duplex"], solutions=opts["solutions"], jobs=opts["jobs"],
        answer_sheet=sheet, answer_sheet_ids=tuple(spec.answer_sheet) if spec.answer_sheet else None,
        decimal_comma=spec.decimal_comma if opts["decimal_comma"] is None else opts["decimal_comma"],
        tagged=spec.tagged if opts["tagged"] is None else opts["tagged"],
    ))  # fmt: skip
    students = read_roster(opts["roster"], warn=_warn) if opts["roster"] else None
    with StageBars() as bars:
        result = generate_pack(spec, options, students=students, count=opts["count"], progress=bars)
    click.echo(report(result, spec.name, options))


def _warn(text: str) -> None:
    from .errors import one_line

    click.echo(f"Warning: {one_line(text)}", err=True)


cli.add_command(key)
cli.add_command(grade)
cli.add_command(export)
cli.add_command(scan)


def main() -> None:
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    cli(prog_name="backprop-exam")
