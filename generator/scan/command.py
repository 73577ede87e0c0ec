"""The ``scan`` command: a thin layer over generator.scan.run and generator.scan.output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..clickbase import Command
from ..records import Key


def _layout_for(key: Key, key_path: str, layout: str | None) -> dict[str, Any]:
    from ..network import SpecError
    from ..sheet.layout import FORMAT, VERSION

    path = Path(layout) if layout else Path("output") / key.pack / "answer-sheet-layout.json"
    if not path.is_file():
        raise SpecError(f"{path}: no answer-sheet layout; pass --layout (generate --answer-sheet writes it)")
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise SpecError(f"{path}: not a layout JSON file ({e})") from None
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise SpecError(f"{path}: not a version-{VERSION} answer-sheet layout; regenerate it with this version")
    if data.get("pack") != key.pack:
        raise SpecError(f"{path} is the layout of pack {data.get('pack')!r}, but {key_path} is {key.pack!r}")
    return data


@click.command(cls=Command)
@click.argument("key_file", type=click.Path(dir_okay=False))
@click.argument("scans", nargs=-1)
@click.option(
    "--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for the scan's results."
)
@click.option("--layout", type=click.Path(dir_okay=False), help="answer-sheet-layout.json [output/<pack>/].")
@click.option("--fix", "fix", type=click.Path(dir_okay=False), help="Apply a filled-in corrections.csv to --out.")
@click.option("--dpi", type=click.IntRange(100, 600), default=200, show_default=True, help="Resolution for PDF scans.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Worker processes [all cores].")
@click.option("--force", is_flag=True, help="Replace an existing --out folder (only files backprop-exam wrote).")
def scan(key_file: str, scans: tuple[str, ...], out_dir: str, layout: str | None, fix: str | None, dpi: int,
         jobs: int | None, force: bool) -> None:  # fmt: skip
    """Read scanned answer sheets (PDF, PNG, JPEG, TIFF; files or folders) into the grader's CSV.

    Writes submissions.csv (one row per student, a flag column per answer), scan-issues.csv,
    corrections.csv, review.html (each flagged answer's crop) and crops/ (every answer as
    scanned, which grade's feedback PDFs show). Fill in corrections.csv and
    apply it with --fix; then grade submissions.csv.

    \b
    Examples:
      backprop-exam scan answer_keys/midterm.json scans/ --out scans/midterm
      backprop-exam scan answer_keys/midterm.json --fix scans/midterm/corrections.csv --out scans/midterm
      backprop-exam grade answer_keys/midterm.json scans/midterm/submissions.csv --out grades/midterm
    """
    from ..answer_key import read_key
    from ..network import SpecError
    from ..progress import progress_bar
    from .output import apply_fix, write_outputs
    from .rasterise import expand
    from .run import CROPS, check_out, scan_files, staged_out

    out = Path(out_dir)
    if fix:
        if not (out / "submissions.csv").is_file():
            raise SpecError(f"{out}/submissions.csv not found; --out must be the folder a scan wrote")
        n, problems = apply_fix(out, Path(fix))
        for p in problems:
            click.echo(f"Warning: {p}", err=True)
        click.echo(f"Corrected {n} answer(s) in {out / 'submissions.csv'}")
        return
    if not scans:
        raise SpecError("no scans given; name the scanned PDF or image files, or a folder of them")
    files, unread = expand(scans)
    if not files:  # nothing to read: say so instead of writing an empty --out folder
        raise SpecError(f"nothing to scan: {'; '.join(unread)}")
    key = read_key(key_file)
    lay = _layout_for(key, key_file, layout)
    check_out(out, force)
    with progress_bar() as bar:
        task = bar.add_task("Reading scans", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        with staged_out(out, force) as tmp:
            result = scan_files(key, lay, scans, dpi=dpi, jobs=jobs, progress=progress, crops=tmp / CROPS)
            write_outputs(result, tmp)
    flagged = sum(1 for s in result.sheets for r in s.reads.values() if r.flag)
    click.echo(f"Read {result.pages} page(s): {len(result.sheets)} student sheet(s), {flagged} answer(s) flagged, "
               f"{len(result.issues)} issue(s)")  # fmt: skip
    if result.skipped:
        n = len(result.skipped)
        click.echo(f"  {n} worksheet or blank page{'' if n == 1 else 's'} skipped (no QR code, no corner marks)")
    for i in result.issues[:10]:
        click.echo(f"  {i.kind}: {i.message}")
    if len(result.issues) > 10:
        click.echo(f"  ... {len(result.issues) - 10} more in {out / 'scan-issues.csv'}")
    click.echo(f"Wrote {out}/: submissions.csv, scan-issues.csv, corrections.csv, review.html, {CROPS}/")
