"""Start-up of the command and of the render processes: what is imported, and what is left behind.

Speed itself is measured by benchmarks/bench_render.py, never by a timed test.
"""

from __future__ import annotations

import ctypes.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=cwd or ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, timeout=300,
    )  # fmt: skip
    return done.stdout


def test_starting_the_cli_imports_no_renderer_grader_or_exporter() -> None:
    heavy = ["weasyprint", "pypdf", "jinja2", "generator.grading.grade", "generator.lms.export", "cv2", "zxcvbn"]
    out = _python(f"import sys, json, generator.cli; print(json.dumps([m for m in {heavy!r} if m in sys.modules]))")
    assert json.loads(out) == []


def test_the_grading_package_still_exports_its_api_lazily() -> None:
    import generator.grading as grading
    from generator.grading.run import grade_files
    from generator.grading.submissions import Submission

    assert grading.grade_files is grade_files
    assert grading.Submission is Submission
    assert set(grading.__all__) <= set(dir(grading)) | set(grading._HOMES)
    with pytest.raises(AttributeError):
        _ = grading.no_such_name


def test_export_format_names_are_the_exporters() -> None:
    from generator.lms.command import FORMAT_NAMES
    from generator.lms.export import FORMATS

    assert tuple(FORMATS) == FORMAT_NAMES


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the quick look-up is for Linux")
def test_quick_library_lookup_finds_what_find_library_finds_and_is_undone() -> None:
    from generator.render import pdf

    original = ctypes.util.find_library
    stock = {name: original(name) for name in ("pango-1.0", "harfbuzz", "fontconfig", "no-such-lib-xyz")}
    with pdf._quick_library_lookup():
        quick = {name: ctypes.util.find_library(name) for name in stock}
        assert ctypes.util.find_library("libpango-1.0-0") is None  # a Windows name: no subprocess, no match
    assert ctypes.util.find_library is original
    assert quick == stock


def test_render_workers_leave_no_font_folders_behind(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Each render worker used to copy the bundled fonts to its own /tmp/weasyprint-* folder and
    never remove it (workers end with os._exit): 2.7 MB per worker and command. Now only the
    fork server copies them, and removes them when the command ends."""
    # A short TMPDIR: Python < 3.13 puts the fork server's socket in it, and an AF_UNIX path has
    # at most 107 bytes (pytest-xdist's tmp_path, popen-gw1/..., is too long for that).
    tmp = Path(tempfile.mkdtemp(prefix="fonts-"))
    request.addfinalizer(lambda: shutil.rmtree(tmp, ignore_errors=True))
    code = (
        "from generator.pack import build_pack\n"
        "from generator.spec import load_builtin\n"
        "from generator.render import render_pack\n"
        "key = build_pack(load_builtin('profile', 'easy'), pack='t', count=3, seed='t')\n"
        f"render_pack(key, {str(tmp_path / 'out')!r}, jobs=2)\n"
    )
    _python(code, env={"TMPDIR": str(tmp)}, cwd=tmp_path)
    deadline = time.monotonic() + 20  # the fork server cleans up as it ends, just after the command
    while list(tmp.glob("weasyprint-*")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list(tmp.glob("weasyprint-*")) == []
    assert len(list((tmp_path / "out" / "worksheets").glob("*.pdf"))) == 3


def test_a_long_temporary_directory_still_renders_on_every_core(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The fork server's socket lives in TMPDIR; on Python < 3.13 a TMPDIR of ~70 characters or
    more made every multi-process render fail with 'AF_UNIX path too long' (macOS's TMPDIR is
    ~50). The pool then starts its workers with spawn, and they too leave no font folder behind."""
    from generator.render.pool import _socket_fits

    base = Path(tempfile.mkdtemp(prefix="long-"))
    request.addfinalizer(lambda: shutil.rmtree(base, ignore_errors=True))
    tmp = base / ("t" * 90)
    tmp.mkdir()
    assert _socket_fits(str(base))
    assert sys.version_info >= (3, 13) or not _socket_fits(str(tmp))
    code = (
        "from generator.pack import build_pack\n"
        "from generator.spec import load_builtin\n"
        "from generator.render import render_pack\n"
        "key = build_pack(load_builtin('profile', 'easy'), pack='t', count=3, seed='t')\n"
        f"render_pack(key, {str(tmp_path / 'out')!r}, jobs=2)\n"
    )
    _python(code, env={"TMPDIR": str(tmp)}, cwd=tmp_path)
    assert len(list((tmp_path / "out" / "worksheets").glob("*.pdf"))) == 3
    assert list(tmp.glob("weasyprint-*")) == []
