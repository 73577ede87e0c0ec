"""The README's examples run, and the outputs it shows are what the commands print.

sqlite-utils style: ``UPDATE_README=1 pytest tests/test_readme.py`` rewrites the shown
outputs of the deterministic commands (presets, solve) from a fresh run; without it, any
difference fails. Commands whose output holds timings or needs a class's files are checked
to parse with the options they show.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from generator.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"```\n(\$ backprop-exam [^\n]*)\n(.*?)```", re.S)
EXACT = ("presets", "solve")  # outputs that depend on nothing but the code
WIDTH = 100


def examples() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(README.read_text(encoding="utf-8"))]


def words(command: str) -> list[str]:
    """The arguments after '$ backprop-exam'."""
    return shlex.split(command)[2:]


def run_shown(command: str) -> str:
    args = words(command)
    res = CliRunner().invoke(cli, args, terminal_width=WIDTH, env={"COLUMNS": str(WIDTH)})
    assert res.exit_code == 0, res.output
    return res.output


def test_the_readme_shows_commands() -> None:
    shown = {words(c)[0] for c, _ in examples()}
    assert {"presets", "solve", "generate", "key", "grade"} <= shown


@pytest.mark.parametrize(("command", "shown"), [e for e in examples() if words(e[0])[0] in EXACT])
def test_shown_output_is_what_the_command_prints(command: str, shown: str) -> None:
    lines = shown.rstrip("\n").split("\n")
    truncated = lines[-1] == "..."
    got = run_shown(command).rstrip("\n").split("\n")
    expected = lines[:-1] if truncated else lines
    actual = got[: len(expected)] if truncated else got
    actual = [line.rstrip() for line in actual]
    if actual != [line.rstrip() for line in expected] and os.environ.get("UPDATE_README"):
        text = README.read_text(encoding="utf-8")
        body = "\n".join(actual + (["..."] if truncated else [])) + "\n"
        README.write_text(text.replace(f"{command}\n{shown}", f"{command}\n{body}", 1), encoding="utf-8")
        return
    assert actual == [line.rstrip() for line in expected], "README out of date: UPDATE_README=1 pytest " + __file__


@pytest.mark.parametrize("command", [c for c, _ in examples() if words(c)[0] not in EXACT])
def test_every_other_shown_command_parses(command: str) -> None:
    args = words(command)
    group = cli
    assert isinstance(group, click.Group)
    sub = group.commands[args[0]]
    with sub.make_context(args[0], args[1:]) as ctx:
        assert ctx.params


def test_the_notebook_snippet_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = README.read_text(encoding="utf-8")
    snippet = re.search(r"## From Python or a notebook\n\n```python\n(.*?)```", text, re.S)
    assert snippet is not None
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(snippet.group(1), "README.md", "exec"), namespace)
    from generator.grading import GradeRun

    run = namespace["run"]
    assert isinstance(run, GradeRun)
    assert Path("grades/quiz/gradebook.csv").is_file()
    assert run.grading.graded
