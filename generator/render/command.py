"""The 'key' command: re-render the printable answer key from answer_keys/<pack>.json alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from ..clickbase import Command
from ..errors import OutputExists, UserError

LEGACY_KEY_FILES = ("*.pdf",)


@dataclass
class KeyFiles:
    pack: str
    variants: int
    target: Path
    per_variant: list[Path]


def write_answer_keys(
    key_file: str | Path,
    out: str | Path | None = None,
    *,
    paper: str = "a4",
    per_student: bool = False,
    duplex: bool = False,
    jobs: int | None = None,
    force: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> KeyFiles:
    """Render the answer key PDF (and per-variant PDFs) of a key file; all of them or nothing."""
    from ..answer_key import read_key
    from ..transaction import Staging, check_replaceable, write_manifest
    from ..writers import OutputOptions, write_pack

    data = read_key(key_file)
    target = Path(out) if out else Path("output") / data["pack"] / "answer-key.pdf"
    if target.suffix.lower() != ".pdf":
        raise UserError(f"--out {target} does not end in .pdf; give a PDF file name")
    per_dir = target.parent / "answer-keys"
    if target.is_symlink() or target.is_dir():
        raise OutputExists(f"{target} is a link or a folder; remove it or choose another --out")
    if target.exists() and not force:
        raise OutputExists(f"{target} exists; pass --force to replace it or choose another --out")
    if per_student:
        check_replaceable(per_dir, force=force, option="--out", legacy=LEGACY_KEY_FILES)
    n = len(data["variants"])
    done = 0

    def tick(k: int) -> None:
        nonlocal done
        done += k
        if progress:
            progress("Rendering answer keys", done, n)

    options = OutputOptions(paper=paper, duplex=duplex, key_per_student=per_student, jobs=jobs, only=("marking-key",))
    with Staging(target.parent, target.stem) as staging:
        staged = staging.path("key")
        staged.mkdir()
        made = write_pack(data, staged, options, tick)
        staging.replace(staged / "answer-key.pdf", target)
        parts = []
        if per_student:
            write_manifest(staged / "answer-keys")
            staging.replace(staged / "answer-keys", per_dir)
            parts = [per_dir / p.name for p in made if p.parent == staged / "answer-keys"]
        staging.commit()
    return KeyFiles(data["pack"], n, target, parts)


@click.command(cls=Command)
@click.argument("key_file", type=click.Path(dir_okay=False))
@click.option("--out", "out", type=click.Path(dir_okay=False), help="PDF to write [output/<pack>/answer-key.pdf].")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True)
@click.option("--per-student", is_flag=True, help="Also write one PDF per variant into answer-keys/ beside --out.")
@click.option("--duplex", is_flag=True, help="Start every variant's key on an odd page.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Render processes [all cores].")
@click.option("--force", is_flag=True, help="Replace existing PDFs (only ones backprop-exam wrote).")
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
    from ..progress import StageBars

    with StageBars() as bars:
        made = write_answer_keys(
            key_file, out, paper=paper, per_student=per_student, duplex=duplex, jobs=jobs, force=force, progress=bars
        )
    click.echo(f"Wrote the answer key of '{made.pack}' ({made.variants} variants) to {made.target}")
    if per_student:
        click.echo(f"  and {len(made.per_variant)} per-variant keys to {made.target.parent / 'answer-keys'}/")
