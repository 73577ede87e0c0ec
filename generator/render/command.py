"""The 'key' command: re-render the printable answer key from answer_keys/<pack>.json alone."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import click


@click.command()
@click.argument("key_file", type=click.Path(dir_okay=False))
@click.option(
    "--out",
    "out",
    type=click.Path(),
    help="Marking-key PDF [output/<pack>/answer-key.pdf]; "
    "with --solutions, the folder of the worked solutions [output/<pack>/solutions].",
)
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True)
@click.option(
    "--solutions",
    "--per-student",
    "solutions",
    is_flag=True,
    help="Write each student's worked solution (one PDF per student) instead of the marking key.",
)
@click.option("--decimal-comma", is_flag=True, help="Print every number with a decimal comma (0,5450).")
@click.option("--duplex", is_flag=True, hidden=True)  # kept for old scripts: every worked solution is its own PDF
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Render processes [all cores].")
@click.option("--force", is_flag=True, help="Replace existing PDFs.")
def key(
    key_file: str,
    out: str | None,
    paper: str,
    solutions: bool,
    decimal_comma: bool,
    duplex: bool,
    jobs: int | None,
    force: bool,
) -> None:
    """Print the marking key of a pack again, or the students' worked solutions, from its answer-key JSON alone.

    Nothing is regenerated: the answers, accepted ranges, worked steps and variant codes are
    read from KEY_FILE, so the PDFs match the worksheets handed out.

    \b
    Example:
      backprop-exam key answer_keys/midterm.json
      backprop-exam key answer_keys/midterm.json --solutions --paper letter
    """
    from ..cli import friendly

    friendly(_key)(key_file, out, paper, solutions, decimal_comma, jobs, force)


def _key(
    key_file: str, out: str | None, paper: str, solutions: bool, decimal_comma: bool, jobs: int | None, force: bool
) -> None:
    from ..answer_key import atomic_write, read_key
    from ..workflow import progress_bar
    from .batch import render_keys

    data = read_key(key_file)
    pack_dir = Path("output") / data["pack"]
    if solutions:
        target = Path(out) if out else pack_dir / "solutions"
        if target.suffix.lower() == ".pdf":
            raise click.BadParameter(f"{target} is a PDF name; --solutions writes a folder of PDFs", param_hint="--out")
        if target.exists() and any(target.iterdir()) and not force:
            raise FileExistsError(f"{target} exists; pass --force to replace it or choose another --out")
    else:
        target = Path(out) if out else pack_dir / "answer-key.pdf"
        if target.suffix.lower() != ".pdf":
            raise click.BadParameter(f"{target} does not end in .pdf; give a PDF file name", param_hint="--out")
        if target.exists() and not force:
            raise FileExistsError(f"{target} exists; pass --force to replace it or choose another --out")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".key.", dir=target.parent))
    n = len(data["variants"])
    try:
        with progress_bar() as bar:
            task = bar.add_task("Worked solutions" if solutions else "Marking key", total=n)
            render_keys(
                data, tmp, paper=paper, marking=not solutions, solutions=solutions,
                decimal_comma=decimal_comma, jobs=jobs,
                progress=lambda k: bar.advance(task, k),
            )  # fmt: skip
        if solutions:
            old = target.with_name(f".{target.name}.old")
            if target.exists():
                shutil.rmtree(old, ignore_errors=True)
                target.rename(old)
            (tmp / "solutions").rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            atomic_write(target, (tmp / "answer-key.pdf").read_bytes(), force=force)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if solutions:
        click.echo(f"Wrote the worked solutions of '{data['pack']}' ({n} students) to {target}/")
    else:
        click.echo(f"Wrote the marking key of '{data['pack']}' ({n} variants) to {target}")
