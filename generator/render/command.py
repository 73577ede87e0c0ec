"""The 'key' command: re-render the printable answer key from answer_keys/<pack>.json alone."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import click


@click.command()
@click.argument("key_file", type=click.Path(dir_okay=False))
@click.option("--out", "out", type=click.Path(dir_okay=False), help="PDF to write [output/<pack>/answer-key.pdf].")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True)
@click.option("--per-student", is_flag=True, help="Also write one PDF per variant into answer-keys/ beside --out.")
@click.option("--duplex", is_flag=True, help="Start every variant's key on an odd page.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Render processes [all cores].")
@click.option("--force", is_flag=True, help="Replace existing PDFs.")
def key(
    key_file: str, out: str | None, paper: str, per_student: bool, duplex: bool, jobs: int | None, force: bool
) -> None:
    """Print the answer key of a pack again, from its answer-key JSON alone.

    Nothing is regenerated: the worked solutions, accepted ranges and variant codes are
    read from KEY_FILE, so the PDF matches the worksheets handed out.

    \b
    Example:
      backprop-exam key answer_keys/midterm.json
      backprop-exam key answer_keys/midterm.json --paper letter --per-student --force
    """
    from ..cli import friendly

    friendly(_key)(key_file, out, paper, per_student, duplex, jobs, force)


def _key(
    key_file: str, out: str | None, paper: str, per_student: bool, duplex: bool, jobs: int | None, force: bool
) -> None:
    from ..answer_key import atomic_write, read_key
    from .batch import render_keys

    data = read_key(key_file)
    target = Path(out) if out else Path("output") / data.pack / "answer-key.pdf"
    if target.suffix.lower() != ".pdf":
        raise click.BadParameter(f"{target} does not end in .pdf; give a PDF file name", param_hint="--out")
    per_dir = target.parent / "answer-keys"
    if not force:
        if target.exists():
            raise FileExistsError(f"{target} exists; pass --force to replace it or choose another --out")
        if per_student and per_dir.exists() and any(per_dir.iterdir()):
            raise FileExistsError(f"{per_dir} exists; pass --force to replace it or choose another --out")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".key.", dir=target.parent))
    try:
        n = len(data.variants)
        from ..workflow import progress_bar

        with progress_bar() as bar:
            task = bar.add_task("Rendering answer keys", total=n)
            combined, parts = render_keys(
                data, tmp, paper=paper, duplex=duplex, per_student=per_student, jobs=jobs,
                progress=lambda k: bar.advance(task, k),
            )  # fmt: skip
        atomic_write(target, combined.read_bytes(), force=force)
        if per_student:
            if per_dir.exists():
                shutil.rmtree(per_dir)
            (tmp / "answer-keys").rename(per_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    click.echo(f"Wrote the answer key of '{data.pack}' ({n} variants) to {target}")
    if per_student:
        click.echo(f"  and {len(parts)} per-variant keys to {per_dir}/")
