"""A pack is one transaction: after a failure at any step, the old pack or the new one, never a mix.

The outputs are made by a fast stand-in writer (each worksheet file holds its variant code),
so every failure point can be tried; tests/test_signals.py does the same with real PDFs
and real signals.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import msgspec
import pytest
from click.testing import CliRunner

from generator import transaction, workflow
from generator.cli import cli
from generator.records import Key
from generator.writers import OutputOptions


def fake_write_pack(key: Key, dest: Path, options: OutputOptions, progress: Any = None, **kw: Any) -> list[Path]:
    """Stand-in for the PDF writers: worksheets/<code>.pdf holding the code, a print file of all codes."""
    (dest / "worksheets").mkdir(parents=True, exist_ok=True)
    made = []
    for v in key.variants:
        p = dest / "worksheets" / f"{v.variant}.pdf"
        p.write_text(v.variant, encoding="utf-8")
        made.append(p)
    (dest / "worksheets.pdf").write_text(" ".join(v.variant for v in key.variants), encoding="utf-8")
    return [dest / "worksheets.pdf", *made]


def pack_state(root: Path, pack: str = "p") -> tuple[str, ...] | None:
    """The variant codes of the pack on disk, after checking that key and PDFs belong together."""
    key_path = root / "answer_keys" / f"{pack}.json"
    pack_dir = root / "output" / pack
    if not key_path.exists():
        assert not pack_dir.exists(), "PDFs without a key"
        return None
    codes = tuple(sorted(v["variant"] for v in json.loads(key_path.read_text(encoding="utf-8"))["variants"]))
    sheets = tuple(sorted(p.read_text(encoding="utf-8") for p in (pack_dir / "worksheets").glob("*.pdf")))
    assert sheets == codes, "worksheets of one pack beside the key of another"
    assert tuple(sorted((pack_dir / "worksheets.pdf").read_text(encoding="utf-8").split())) == codes
    return codes


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob(".*") if "backprop-exam" in p.name and p.name != ".backprop-exam-files")


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BACKPROP_EXAM_SECRET", raising=False)
    monkeypatch.setattr(workflow, "write_pack", fake_write_pack)
    return CliRunner()


def generate(run: CliRunner, seed: str, *extra: str) -> Any:
    return run.invoke(cli, ["generate", "--count", "3", "--pack", "p", "--seed", seed, "--force", *extra])


def test_force_replaces_the_whole_pack(run: CliRunner, tmp_path: Path) -> None:
    assert generate(run, "1").exit_code == 0
    old = pack_state(tmp_path)
    res = generate(run, "2")
    assert res.exit_code == 0, res.output
    new = pack_state(tmp_path)
    assert old
    assert new
    assert old != new
    assert leftovers(tmp_path) == []


def _fail(*args: Any, **kwargs: Any) -> None:
    raise OSError(errno.ENOSPC, "No space left on device", "output/p/worksheets/x.pdf")


def _fail_after_some(key: Key, dest: Path, options: OutputOptions, progress: Any = None, **kw: Any) -> list[Path]:
    fake_write_pack(msgspec.structs.replace(key, variants=key.variants[:1]), dest, options)
    raise OSError(errno.ENOSPC, "No space left on device", str(dest / "worksheets" / "x.pdf"))


@pytest.mark.parametrize(
    ("target", "name"),
    [
        (workflow, "write_pack"),  # while rendering
        (workflow, "write_manifest"),  # the last file of the staged folder
        (transaction.json, "dump"),  # writing the plan (the commit point)
        (transaction, "_move_file"),  # replacing the key (read-only answer_keys/)
        (transaction, "_move_dir"),  # swapping the PDF folder, after the key was replaced
        (transaction, "_backup_file"),  # keeping the old key aside
    ],
)
def test_a_failure_at_any_step_leaves_the_old_pack(
    run: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: Any, name: str
) -> None:
    assert generate(run, "1").exit_code == 0
    old = pack_state(tmp_path)
    old_key = (tmp_path / "answer_keys" / "p.json").read_bytes()
    monkeypatch.setattr(target, name, _fail_after_some if name == "write_pack" else _fail)
    res = generate(run, "2")
    assert res.exit_code == 2, res.output
    assert res.output.splitlines()[-1].startswith("Error: No space left on device")
    assert res.output.count("Error") == 1
    assert "Traceback" not in res.output
    assert pack_state(tmp_path) == old
    assert (tmp_path / "answer_keys" / "p.json").read_bytes() == old_key
    assert leftovers(tmp_path) == []


def test_a_read_only_output_folder_is_one_line_before_any_work(
    run: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert generate(run, "1").exit_code == 0
    old = pack_state(tmp_path)
    real_access = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda p, mode: False if str(p).endswith("output") and mode & os.W_OK else real_access(p, mode),
    )
    res = generate(run, "2")
    assert res.exit_code == 2
    assert "cannot write to" in res.output
    assert "output" in res.output
    assert "--out" in res.output
    assert pack_state(tmp_path) == old


def test_permission_error_while_writing_is_one_line(
    run: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(*args: Any, **kwargs: Any) -> list[Path]:
        raise PermissionError(errno.EACCES, "Permission denied", "output/.p.backprop-exam-staging/new/p/a.pdf")

    monkeypatch.setattr(workflow, "write_pack", denied)
    res = run.invoke(cli, ["generate", "--count", "2", "--pack", "p"])
    assert res.exit_code == 2
    assert res.output.splitlines()[-1] + "\n" == (
        "Error: Permission denied: output/.p.backprop-exam-staging/new/p/a.pdf; make it writable or choose "
        "another folder (--out)\n"
    )
    assert pack_state(tmp_path) is None
    assert leftovers(tmp_path) == []


def test_no_pdf_with_force_removes_the_pdfs_of_the_replaced_key(run: CliRunner, tmp_path: Path) -> None:
    assert generate(run, "1").exit_code == 0
    res = generate(run, "2", "--no-pdf")
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "output" / "p").exists()
    assert "the PDFs of the replaced key" in res.output


def test_force_never_removes_a_file_the_tool_did_not_write(run: CliRunner, tmp_path: Path) -> None:
    assert generate(run, "1").exit_code == 0
    mine = tmp_path / "output" / "p" / "notes.md"
    mine.write_text("precious", encoding="utf-8")
    old = pack_state(tmp_path)
    res = generate(run, "2")
    assert res.exit_code == 2
    assert "notes.md, which backprop-exam did not write" in res.output
    assert mine.read_text(encoding="utf-8") == "precious"
    assert pack_state(tmp_path) == old


def test_folders_get_normal_permissions_and_the_key_stays_private(run: CliRunner, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        assert generate(run, "1").exit_code == 0
    finally:
        os.umask(old)
    assert (tmp_path / "output" / "p").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "output" / "p" / "worksheets").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "answer_keys" / "p.json").stat().st_mode & 0o777 == 0o600


KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    from test_transaction import fake_write_pack
    from generator import transaction, workflow
    from generator.spec import load_builtin

    step = int(sys.argv[1])
    calls = 0

    def die_at(fn):
        def wrapped(*args, **kwargs):
            global calls
            calls += 1
            if calls == step:
                os.kill(os.getpid(), signal.SIGKILL)
            return fn(*args, **kwargs)
        return wrapped

    workflow.write_pack = die_at(fake_write_pack)
    workflow.write_manifest = die_at(workflow.write_manifest)
    transaction._apply = die_at(transaction._apply)
    transaction._remove = die_at(transaction._remove)
    options = workflow.PackOptions(pack="p", seed="2", force=True)
    workflow.generate_pack(load_builtin("profile", "easy"), options, count=3)
    """
)


@pytest.mark.parametrize("step", range(1, 8))
def test_sigkill_between_steps_then_the_next_run_recovers(run: CliRunner, tmp_path: Path, step: int) -> None:
    """Killed after write_pack, write_manifest, each _apply and each _remove call."""
    assert generate(run, "1", "--profile", "easy").exit_code == 0
    old = pack_state(tmp_path)
    script = KILL_SCRIPT.format(tests=str(Path(__file__).parent))
    proc = subprocess.run([sys.executable, "-c", script, str(step)], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode in (-9, 0), proc.stderr
    transaction.recover(transaction.staging_dir(tmp_path / "output", "p"))
    state = pack_state(tmp_path)
    assert state is not None
    assert len(state) == 3
    if proc.returncode == 0:
        assert state != old
    assert leftovers(tmp_path) == []


def test_a_live_run_is_not_taken_over(tmp_path: Path) -> None:
    staging = transaction.staging_dir(tmp_path, "p")
    staging.mkdir()
    (staging / "owner.pid").write_text(str(os.getppid()), encoding="ascii")
    with pytest.raises(transaction.UserError, match="another backprop-exam"):
        transaction.recover(staging)


def test_force_never_replaces_another_commands_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """grade --out output/midterm --force (after 'output/midterm exists; pass --force') deleted the
    class pack's worksheets; key --solutions --out <pack folder> --force and generate --out <grades>
    did the same to each other. --force replaces only a folder of the command's own kind."""
    from generator.answer_key import read_key

    monkeypatch.chdir(tmp_path)
    run = CliRunner()

    def invoke(*args: str) -> tuple[int, str]:
        res = run.invoke(cli, list(args))
        return res.exit_code, res.output

    code, out = invoke("generate", "--profile", "easy", "--count", "1", "--pack", "mid", "--jobs", "1")
    assert code == 0, out
    pack = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "output" / "mid").rglob("*"))
    assert "output/mid/worksheets.pdf" in pack
    key = read_key(tmp_path / "answer_keys" / "mid.json")
    (v,) = key.variants
    answer = v.problems[0].answers[0]
    (tmp_path / "answers.csv").write_text(f"variant,{answer.id}\n{v.variant},{answer.rounded}\n", encoding="utf-8")

    code, out = invoke("grade", "answer_keys/mid.json", "answers.csv", "--out", "output/mid", "--force", "--no-pdf")
    assert code == 2
    assert "holds a class pack" in out
    assert "choose another --out" in out
    code, out = invoke("key", "answer_keys/mid.json", "--solutions", "--out", "output/mid", "--force")
    assert code == 2
    assert "holds a class pack" in out
    assert sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "output" / "mid").rglob("*")) == pack

    code, out = invoke("grade", "answer_keys/mid.json", "answers.csv", "--out", "grades/mid", "--no-pdf")
    assert code == 0, out
    graded = sorted(p.name for p in (tmp_path / "grades" / "mid").iterdir())
    code, out = invoke("generate", "--profile", "easy", "--count", "1", "--pack", "mid", "--out", "grades", "--force")
    assert code == 2
    assert "holds grading results" in out
    assert sorted(p.name for p in (tmp_path / "grades" / "mid").iterdir()) == graded
    # the same kind is still replaced with --force
    code, out = invoke("grade", "answer_keys/mid.json", "answers.csv", "--out", "grades/mid", "--no-pdf", "--force")
    assert code == 0, out


def test_generate_force_keeps_the_key_it_replaces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """generate --force drew a new secret, so new codes and numbers, and the old key was gone: the
    worksheets printed from it could never be graded ('variant code G00-ERM is not in this answer key')."""
    monkeypatch.chdir(tmp_path)
    run = CliRunner()
    args = ["generate", "--profile", "easy", "--count", "2", "--pack", "mid", "--no-pdf"]
    assert run.invoke(cli, args).exit_code == 0
    old = (tmp_path / "answer_keys" / "mid.json").read_bytes()
    res = run.invoke(cli, [*args, "--force"])
    assert res.exit_code == 0, res.output
    (kept,) = (tmp_path / "answer_keys").glob("mid.replaced-*.json")
    assert kept.read_bytes() == old
    assert kept.stat().st_mode & 0o077 == 0  # it holds the pack secret
    assert (tmp_path / "answer_keys" / "mid.json").read_bytes() != old
    assert f"kept as {Path('answer_keys') / kept.name}" in res.output
    assert "new variant codes" in res.output
