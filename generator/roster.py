"""The class roster: a CSV (or tab-separated) file as Excel and other spreadsheets save it.

UTF-8 with or without a byte-order mark, UTF-16, Windows-1252 (and other code pages, guessed:
the caller is warned when the guess matters); ``,`` ``;`` or tab; CRLF;
rows of only separators below the table (``;;;``) are skipped. See ``textfile`` for how.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .network import SpecError
from .textfile import TableError, decode_text, read_rows, without_empty

ID_COLUMNS = ("student_id", "id", "matriculation", "studentid")
NAME_COLUMNS = ("name", "full_name", "student_name")
OPTIONAL_COLUMNS = ("email", "username", "section")


@dataclass(frozen=True)
class Student:
    id: str
    name: str = ""
    # optional roster columns, kept in the key's student record for LMS gradebooks (docs/lms.md)
    email: str = ""
    username: str = ""
    section: str = ""

    def record(self) -> dict[str, str]:
        """The key's student record: id and name, and the optional fields only when given."""
        out = {"id": self.id, "name": self.name}
        optional = (("email", self.email), ("username", self.username), ("section", self.section))
        out.update({k: v for k, v in optional if v})
        return out


def _norm(h: str) -> str:
    return h.strip().lower().replace("-", "_").replace(" ", "_")


KNOWN_COLUMNS = (*ID_COLUMNS, *NAME_COLUMNS, "first_name", "last_name", *OPTIONAL_COLUMNS)


def misspelled_columns(header: list[str]) -> list[str]:
    """A warning per column that is not read but looks like one that would be ('emial', 'nmae').

    Other extra columns (a spreadsheet's grades, notes) are left alone: rosters often have them.
    """
    out = []
    for h in header:
        if h and h not in KNOWN_COLUMNS:
            close = difflib.get_close_matches(h, KNOWN_COLUMNS, n=1, cutoff=0.75)
            if close and close[0] not in header:
                out.append(f"column {h!r} is not read; did you mean {close[0]!r}? rename it to use it")
    return out


def read_roster(path: str | Path, warn: Callable[[str], None] | None = None) -> list[Student]:
    """A CSV with an id column (id, student_id, student id, matriculation) and an optional name.

    The name is a ``name`` column, else ``first_name`` and ``last_name`` joined. ``warn`` hears of
    columns that look misspelled (they are not read), and of an encoding that had to be guessed
    when another plausible one reads the names differently (never a guess presented as fact).
    """
    p = Path(path)
    if not p.is_file():
        raise SpecError(f"roster {p} not found; give a CSV file with an id column")
    try:
        decoded = decode_text(p.read_bytes())
    except TableError as e:
        raise SpecError(f"roster {p}: {e}; give a CSV file with an id column") from None
    except OSError as e:
        raise SpecError(f"roster {p} cannot be read ({e.strerror})") from None
    rows, problem = read_rows(decoded.text)
    if problem:
        raise SpecError(f"roster {p} {problem}")
    if warn is not None and decoded.ambiguity():
        warn(f"roster {p} {decoded.ambiguity()}")
    rows = without_empty(rows)
    if len(rows) < 2:
        raise SpecError(f"roster {p} has no students; add a header row and one row per student")
    header = [_norm(h) for h in rows[0].cells]
    cols = {h: i for i, h in reversed(list(enumerate(header))) if h}  # the first of equal names
    id_col = next((cols[c] for c in ID_COLUMNS if c in cols), None)
    if id_col is None:
        raise SpecError(f"roster {p} has no id column; name one column 'student_id' or 'id'")
    name_col = next((cols[c] for c in NAME_COLUMNS if c in cols), None)
    if warn is not None:
        for note in misspelled_columns(header):
            warn(f"roster {p}: {note}")
    first, last = cols.get("first_name"), cols.get("last_name")

    def cell(cells: list[str], i: int | None) -> str:
        return cells[i].strip() if i is not None and i < len(cells) else ""

    out: list[Student] = []
    seen: set[str] = set()
    for r in rows[1:]:
        sid = cell(r.cells, id_col)
        if not sid:
            raise SpecError(f"roster {p} line {r.line}: empty student id; fill it in or delete the row")
        if sid in seen:
            raise SpecError(f"roster {p}: student id {sid!r} appears twice; ids must be unique")
        seen.add(sid)
        if name_col is not None:
            name = cell(r.cells, name_col)
        else:
            name = " ".join(x for x in (cell(r.cells, first), cell(r.cells, last)) if x)
        extra = {k: cell(r.cells, cols[k]) for k in OPTIONAL_COLUMNS if k in cols}
        out.append(Student(sid, name, **extra))
    return out
