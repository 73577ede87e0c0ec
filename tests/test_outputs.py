"""Output names, the writer registry, and `key --force` that never half-replaces a pack."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import writers
from generator.cli import cli
from generator.naming import MAX_STEM_BYTES, unique_file_stems
from generator.records import Key
from generator.writers import OutputOptions, PackWriter, VariantWriter
from tests.strategies import examples


def test_an_id_equal_to_anothers_suffixed_name_does_not_collide() -> None:
    # issue 8: 's-98T-HY6' and 's@' of variant 98T-HY6 both became 's-98T-HY6'
    stems = unique_file_stems([("s-98T-HY6", "AAA-AAA"), ("s@", "98T-HY6"), ("s", "98T-HY6"), ("s_98THY6", "B")])
    assert len({s.casefold() for s in stems}) == 4
    assert stems[0] == "s-98T-HY6"


def test_a_300_character_id_gives_a_name_every_file_system_takes() -> None:
    stems = unique_file_stems([("x" * 300, "K7M-2QX"), ("x" * 301, "K7M-2QY"), ("ü" * 300, "K7M-2QZ")])
    assert all(len(f"{s}.pdf".encode()) <= 255 for s in stems)
    assert len(set(stems)) == 3


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.tuples(st.text(max_size=400), st.from_regex(r"[A-Z0-9]{3}-[A-Z0-9]{3}", fullmatch=True))))
def test_names_are_safe_unique_and_short_for_any_ids(items: list[tuple[str, str]]) -> None:
    stems = unique_file_stems(items)
    assert len(stems) == len(items)
    assert len({s.casefold() for s in stems}) == len(stems)
    for s in stems:
        assert s
        assert "/" not in s
        assert "\\" not in s
        assert "\x00" not in s
        assert not s.startswith(".")
        assert len(s.encode()) <= MAX_STEM_BYTES + 40


def test_feedback_files_of_colliding_ids_are_distinct() -> None:
    from types import SimpleNamespace

    from generator.grading.run import _unique_names

    graded = [SimpleNamespace(student_id="s-98T-HY6", code="AAA-AAA"), SimpleNamespace(student_id="s@", code="98T-HY6")]
    names = _unique_names(SimpleNamespace(graded=graded))  # type: ignore[arg-type]
    assert len(set(names)) == 2


def test_every_registered_writer_has_the_interface() -> None:
    names = [w.name for w in writers.all_writers()]
    assert names[:2] == ["worksheet", "marking-key"]
    for w in writers.all_writers():
        assert isinstance(w, VariantWriter | PackWriter)
    assert [w.name for w in writers.selected(OutputOptions(only=("marking-key",)))] == ["marking-key"]
    with pytest.raises(KeyError, match="known: worksheet"):
        writers.get("moodle-xml-typo")


def test_a_pack_writer_plugs_in_with_one_registration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sys
    import types

    from generator.pack import build_pack
    from generator.spec import load_builtin

    module = types.ModuleType("generator.writers.codes_txt")

    def write(key: Key, dest: Path, options: OutputOptions) -> list[Path]:
        out = dest / "codes.txt"
        out.write_text("\n".join(v.variant for v in key.variants), encoding="utf-8")
        return [out]

    module.WRITER = PackWriter(name="codes", label="codes", write=write)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "generator.writers.codes_txt", module)
    monkeypatch.setattr(writers, "_MODULES", (*writers._MODULES, "codes_txt"))
    writers.all_writers.cache_clear()
    try:
        key = build_pack(load_builtin("profile", "easy"), pack="q", count=2, seed="1")
        made = writers.write_pack(key, tmp_path, OutputOptions(only=("codes",)))
    finally:
        writers.all_writers.cache_clear()
    assert made == [tmp_path / "codes.txt"]
    assert (tmp_path / "codes.txt").read_text(encoding="utf-8").split() == [v.variant for v in key.variants]


def test_key_solutions_force_refuses_a_symlinked_folder_before_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    run = CliRunner()
    assert (
        run.invoke(cli, ["generate", "--count", "1", "--pack", "k", "--profile", "easy", "--jobs", "1"]).exit_code == 0
    )
    target = tmp_path / "output" / "k" / "answer-key.pdf"
    before = target.read_bytes()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "mine.pdf").write_bytes(b"mine")
    os.symlink(elsewhere, tmp_path / "output" / "k" / "solutions")
    res = run.invoke(cli, ["key", "answer_keys/k.json", "--per-student", "--force", "--jobs", "1"])
    assert res.exit_code == 2
    assert "symbolic link" in res.output
    assert target.read_bytes() == before
    assert (elsewhere / "mine.pdf").read_bytes() == b"mine"
