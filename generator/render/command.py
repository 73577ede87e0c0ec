"""The 'key' command: re-render the marking key or the worked solutions from answer_keys/<pack>.json alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from ..clickbase import Command
from ..errors import OutputExists, UserError

LEGACY_SOLUTION_FILES = ("*.pdf",)


@dataclass
class KeyFiles:
    pack: str
    variants: int
    target: Path  # the marking-key PDF, or the folder of worked solutions
    solutions: bool


def write_answer_keys(
    key_file: str | Path,
    out: str | Path | None = None,
    *,
    paper: str | None = None,
    solutions: bool = False,
    decimal_comma: bool | None = None,
    tagged: bool | None = None,
    jobs: int | None = None,
    force: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> KeyFiles:
    """The marking key PDF, or with ``solutions`` the folder of worked solutions; all or nothing.

    ``paper``, ``decimal_comma`` and ``tagged`` default to how the pack was generated (the key's ``print``).
    """
    from ..answer_key import read_key
    from ..transaction import Staging, check_replaceable, write_manifest
    from ..writers import OutputOptions, write_pack

    data = read_key(key_file)
    pack_dir = Path("output") / data.pack
    if solutions:
        target = Path(out) if out else pack_dir / "solutions"
        if target.suffix.lower() == ".pdf":
            raise UserError(f"--out {target} is a PDF name; --solutions writes a folder of PDFs")
        check_replaceable(target, force=force, option="--out", legacy=LEGACY_SOLUTION_FILES, kind="solutions")
    else:
        target = Path(out) if out else pack_dir / "answer-key.pdf"
        if target.suffix.lower() != ".pdf":
            raise UserError(f"--out {target} does not end in .pdf; give a PDF file name")
        if target.is_symlink() or target.is_dir():
            raise OutputExists(f"{target} is a link or a folder; remove it or choose another --out")
        if target.exists() and not force:
            raise OutputExists(f"{target} exists; pass --force to replace it or choose another --out")
    n = len(data.variants)
    stage = "Worked solutions" if solutions else "Marking key"
    done = 0

    def tick(k: int) -> None:
        nonlocal done
        done += k
        if progress:
            progress(stage, done, n)

    only = ("solution",) if solutions else ("marking-key",)
    options = OutputOptions(
        paper=paper or data.printing.paper,
        duplex=False,
        solutions=solutions,
        jobs=jobs,
        only=only,
        decimal_comma=decimal_comma,
        tagged=tagged,
    )
    with Staging(target.parent, target.stem) as staging:
        staged = staging.path("key")
        staged.mkdir()
        write_pack(data, staged, options, tick)
        if solutions:
            write_manifest(staged / "solutions", "solutions")
            staging.replace(staged / "solutions", target)
        else:
            staging.replace(staged / "answer-key.pdf", target)
        staging.commit()
    return KeyFiles(data.pack, n, target, solutions)


@click.command(cls=Command)
@click.argument("key_file", type=click.Path(dir_okay=False))
@click.option(
    "--out",
    "out",
    type=click.Path(),
    help="Marking-key PDF [output/<pack>/answer-key.pdf]; "
    "with --solutions, the folder of the worked solutions [output/<pack>/solutions].",
)
@click.option(
    "--paper",
    type=click.Choice(["a4", "letter"]),
    default=None,
    help="Paper size of the marking key or the worked solutions [as the pack was generated].",
)
@click.option(
    "--solutions",
    "--per-student",
    "solutions",
    is_flag=True,
    help="Write each student's worked solution (one PDF per student) instead of the marking key.",
)
@click.option(
    "--decimal-comma/--decimal-point", default=None,
    help="Numbers printed 0,5450 or 0.5450 [as the pack was generated].",
)  # fmt: skip
@click.option(
    "--tagged/--untagged", default=None, help="Tagged PDF/UA-1 for screen readers [as the pack was generated]."
)
@click.option("--duplex", is_flag=True, hidden=True)  # kept for old scripts: every worked solution is its own PDF
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Render processes [all cores].")
@click.option("--force", is_flag=True, help="Replace existing PDFs (only ones backprop-exam wrote).")
def key(
    key_file: str, out: str | None, paper: str | None, solutions: bool, decimal_comma: bool | None, tagged: bool | None,
    duplex: bool, jobs: int | None, force: bool,
) -> None:  # fmt: skip
    """Print the marking key of a pack again, or the students' worked solutions, from its answer-key JSON alone.

    Nothing is regenerated: the answers, accepted ranges, worked steps and variant codes are
    read from KEY_FILE, so the PDFs match the worksheets handed out.

    \b
    Example:
      backprop-exam key answer_keys/midterm.json
      backprop-exam key answer_keys/midterm.json --solutions --paper letter
    """
    from ..progress import StageBars

    with StageBars() as bars:
        made = write_answer_keys(
            key_file, out, paper=paper, solutions=solutions, decimal_comma=decimal_comma, tagged=tagged, jobs=jobs,
            force=force, progress=bars,
        )  # fmt: skip
    if solutions:
        click.echo(f"Wrote the worked solutions of '{made.pack}' ({made.variants} students) to {made.target}/")
    else:
        click.echo(f"Wrote the marking key of '{made.pack}' ({made.variants} variants) to {made.target}")
