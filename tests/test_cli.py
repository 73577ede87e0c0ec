"""The command line, through click's CliRunner: output, files written, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from generator.cli import cli

NETWORK_TOML = """
[network]
layers = [2, 2, 1]
activation = "sigmoid"
loss = "half_sse"
bias = "shared"
learning_rate = 0.5
inputs = [0.05, 0.10]
targets = [0.01]
weights = [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45]]]
biases = [0.35, 0.60]
"""


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BACKPROP_EXAM_SECRET", raising=False)
    return CliRunner()


def test_every_command_has_help_with_an_example(run: CliRunner) -> None:
    assert isinstance(cli, click.Group)
    for name, cmd in cli.commands.items():
        res = run.invoke(cli, [name, "--help"])
        assert res.exit_code == 0, name
        assert (cmd.help or "").strip(), name
        assert "backprop-exam" in res.output, f"{name} --help shows no example"
        for param in cmd.params:  # every option says what it is for
            if isinstance(param, click.Option) and not param.hidden:
                assert (param.help or "").strip(), f"{name} {param.opts[0]} has no help text"


def test_one_variant_is_said_in_the_singular(run: CliRunner) -> None:
    res = run.invoke(cli, ["generate", "--count", "1", "--pack", "one", "--no-pdf"])
    assert res.exit_code == 0, res.output
    assert "Wrote 1 variant of 'one'" in res.output


def test_presets_lists_the_four_references(run: CliRunner) -> None:
    res = run.invoke(cli, ["presets"])
    assert res.exit_code == 0
    for name in ("ref-2-2-1-nobias", "ref-2-2-2-shared", "ref-2-2-1-shared", "ref-2-1-1-sse", "hard", "deep"):
        assert name in res.output


def test_solve_a_toml_spec_prints_every_step(run: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "net.toml").write_text(NETWORK_TOML, encoding="utf-8")
    res = run.invoke(cli, ["solve", "net.toml"], terminal_width=200)
    assert res.exit_code == 0, res.output
    for text in ("z_h1", "0.3775", "0.3925", "delta_h2", "grad_b1", "0.0284", "Updated parameters"):
        assert text in res.output


def test_solve_json_is_the_key_record(run: CliRunner) -> None:
    res = run.invoke(cli, ["solve", "ref-2-2-2-shared", "--json"])
    assert res.exit_code == 0
    problem = json.loads(res.output)
    answers = {a["id"]: a["rounded"] for a in problem["answers"]}
    assert answers["loss"] == "0.2984"


def test_generate_no_pdf_writes_the_key_and_refuses_to_overwrite(run: CliRunner, tmp_path: Path) -> None:
    args = ["generate", "--count", "5", "--pack", "quiz", "--no-pdf", "--seed", "9"]
    res = run.invoke(cli, args)
    assert res.exit_code == 0, res.output
    key_path = tmp_path / "answer_keys" / "quiz.json"
    assert key_path.is_file()
    assert "answer_keys/quiz.json" in res.output
    before = key_path.read_bytes()
    res = run.invoke(cli, args)
    assert res.exit_code == 2
    assert "exists; pass --force" in res.output
    assert key_path.read_bytes() == before
    res = run.invoke(cli, [*args, "--force"])
    assert res.exit_code == 0


def test_generate_from_a_roster(run: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "class.csv").write_text("student_id,name\ns1,Ada\ns2,Alan\n", encoding="utf-8")
    res = run.invoke(cli, ["generate", "--roster", "class.csv", "--profile", "hard", "--pack", "mid", "--no-pdf"])
    assert res.exit_code == 0, res.output
    key = json.loads((tmp_path / "answer_keys" / "mid.json").read_text(encoding="utf-8"))
    assert [v["student"]["name"] for v in key["variants"]] == ["Ada", "Alan"]  # the JSON itself
    assert key["structure"]["layers"] == [2, 2, 2]


@pytest.mark.parametrize(
    ("args", "files", "message"),
    [
        (["solve", "no-such-preset"], {}, "neither a spec file nor a preset"),
        (["solve", "bad.toml"], {"bad.toml": "[network\nlayers = "}, "not valid TOML"),
        (["generate", "--preset", "nope", "--no-pdf"], {}, "unknown preset 'nope'"),
        (["generate", "--roster", "r.csv", "--no-pdf"], {"r.csv": "name\nAda\n"}, "no id column"),
        (["generate", "--roster", "r.csv", "--no-pdf"], {"r.csv": "id\n1\n1\n"}, "appears twice"),
        (["generate", "--roster", "missing.csv", "--no-pdf"], {}, "not found"),
        (
            ["generate", "--spec", "s.toml", "--no-pdf"],
            {"s.toml": "[network]\nlayers=[2,2,1]\nloss='x'\n"},
            "unknown loss",
        ),
        (["generate", "--pack", "../evil", "--no-pdf"], {}, "pack name"),
        (["generate", "--profile", "hard", "--preset", "ref-2-1-1-sse"], {}, "only one of"),
    ],
)
def test_wrong_input_is_one_line_exit_2_and_writes_nothing(
    run: CliRunner, tmp_path: Path, args: list[str], files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    res = run.invoke(cli, args)
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1, res.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_a_pack_name_may_use_any_letters(run: CliRunner, tmp_path: Path) -> None:
    res = run.invoke(cli, ["generate", "--count", "2", "--pack", "Prüfung-1", "--no-pdf"])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "answer_keys" / "Prüfung-1.json").read_text(encoding="utf-8"))["pack"] == "Prüfung-1"


@pytest.mark.parametrize("name", ["a/b", "a\\b", "x:y", "CON", ".hidden", "tab\there", "dot."])
def test_a_pack_name_refuses_separators_and_what_file_systems_refuse(run: CliRunner, name: str) -> None:
    res = run.invoke(cli, ["generate", "--count", "2", "--pack", name, "--no-pdf"])
    assert res.exit_code == 2
    assert res.output.startswith("Error: pack name")
    assert len(res.output.splitlines()) == 1


def test_an_abbreviated_option_gets_did_you_mean(run: CliRunner) -> None:
    res = run.invoke(cli, ["grade", "k.json", "a.csv", "--ecf", "0.5"])
    assert res.exit_code == 2
    assert "Did you mean --ecf-credit?" in res.output


def test_solve_of_a_missing_file_does_not_suggest_an_option_solve_lacks(run: CliRunner) -> None:
    res = run.invoke(cli, ["solve", "nosuch.toml"])
    assert res.exit_code == 2
    assert "nosuch.toml not found" in res.output
    assert "--profile" not in res.output


def test_swapped_grade_arguments_are_named_as_such(run: CliRunner) -> None:
    Path("answers.csv").write_text("variant\n", encoding="utf-8")
    res = run.invoke(cli, ["grade", "answers.csv", "answer_keys/x.json"])
    assert res.exit_code == 2
    assert "the key comes first" in res.output
    assert "backprop-exam grade answer_keys/x.json answers.csv" in res.output
    assert "regenerate" not in res.output


def test_every_command_goes_through_the_one_handler() -> None:
    from generator.clickbase import Command, Group

    assert isinstance(cli, Group)
    assert all(isinstance(cmd, Command) for cmd in cli.commands.values())
