"""Match submissions to the key's variants and mark them: the grading library without any output.

Unknown variant codes, answer ids the key does not ask, duplicate submissions of one
variant and unreadable files become ``Issue``s; everything else is still graded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..answer_key import normalize_code, variants_by_code
from ..graph import build_graph
from ..network import SpecError
from ..records import Key
from .context import Structure, VariantKey, structure_signature
from .display import plural
from .marking import VERDICTS, Mark, mark_submission
from .numbers import UNREADABLE, Entry, ambiguous, parse_number
from .submissions import Issue, Submission, debugging


@dataclass
class Graded:
    """One graded submission."""

    submission: Submission
    vk: VariantKey
    student_id: str
    name: str
    marks: list[Mark]

    @property
    def code(self) -> str:
        return self.vk.code

    @property
    def score(self) -> float:
        return sum(m.points for m in self.marks)

    @property
    def max_score(self) -> float:
        return sum(m.max_points for m in self.marks)

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0

    def count(self, verdict: str) -> int:
        return sum(1 for m in self.marks if m.verdict == verdict)


@dataclass(frozen=True)
class Absent:
    """A student of the key's roster who handed nothing in: a gradebook row with status 'absent', no score."""

    code: str
    student_id: str
    name: str
    max_score: float


@dataclass
class Grading:
    """Everything ``grade_key`` found: graded submissions in input order, the roster's absent students, the issues."""

    key: Key
    graded: list[Graded] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    ecf_credit: float = 1.0
    absent: list[Absent] = field(default_factory=list)

    @property
    def answer_ids(self) -> list[str]:
        return list(self.key.structure.answer_ids)

    def verdict_totals(self) -> dict[str, int]:
        totals = dict.fromkeys(VERDICTS, 0)
        for g in self.graded:
            for m in g.marks:
                totals[m.verdict] += 1
        return totals


def answer_id_key(name: str) -> str:
    """Answer ids are matched case-insensitively, with spaces or hyphens read as underscores."""
    return name.strip().lower().replace(" ", "_").replace("-", "_")


class KeyIndex:
    """Variants by normalised code, built once (10,000 lookups need a dict, not a scan)."""

    def __init__(self, key: Key) -> None:
        several = next((v for v in key.variants if len(v.problems) != 1), None)
        if several is not None:
            # No spec makes several problems per variant; a key that has them was put together by
            # hand, and grading only the first would give wrong totals.
            raise SpecError(
                f"variant {several.variant} of this answer key has {len(several.problems)} problems; "
                "the grader grades one problem per variant: split the key into one key per problem"
            )
        self.key = key
        self.variants = variants_by_code(key)
        self.ids = {answer_id_key(a): a for a in key.structure.answer_ids}
        # '#3': the third asked answer (LMS responses list parts by position)
        self.ids.update({f"#{i}": a for i, a in enumerate(key.structure.answer_ids, start=1)})
        self._structures: dict[tuple[Any, ...], Structure] = {}
        self._keys: dict[str, VariantKey] = {}

    def variant_key(self, norm_code: str) -> VariantKey | None:
        vk = self._keys.get(norm_code)
        if vk is None:
            v = self.variants.get(norm_code)
            if v is None:
                return None
            problem = v.problems[0]
            asked = tuple(a.id for a in problem.answers)
            sig = structure_signature(problem.network, asked)
            st = self._structures.get(sig)
            if st is None:
                graph = build_graph(problem.network.network())
                st = Structure(graph, asked, self.key.decimals)
                self._structures[sig] = st
            vk = VariantKey(v, st)
            self._keys[norm_code] = vk
        return vk


def grade_key(key: Key, submissions: Iterable[Submission], ecf_credit: float = 1.0) -> Grading:
    """Mark every submission against ``key`` (a loaded, validated answer key)."""
    index = KeyIndex(key)
    out = Grading(key=key, ecf_credit=ecf_credit)
    first_source: dict[str, str] = {}
    unknown_ids: dict[str, set[str]] = {}
    resolved: dict[str, str | None] = {}  # column name as written -> answer id (CSV rows repeat them)
    comma = key.printing.decimal_comma  # the worksheets printed 0,5450: a typed 1,000 is 1.0
    for sub in submissions:
        norm = normalize_code(sub.variant)
        vk = index.variant_key(norm)
        if vk is None:
            out.issues.append(Issue(sub.source, "unknown_variant", (
                f"{sub.source}: variant code {sub.variant!r} is not in this answer key; "
                "check the code on the worksheet and that this is the right key"
            )))  # fmt: skip
            continue
        # an LMS draws variants at random: there, one student's second attempt is the duplicate
        once = f"{norm}\x1f{sub.student_id or sub.name or sub.source}" if sub.drawn else norm
        if once in first_source:
            out.issues.append(Issue(sub.source, "duplicate", (
                f"{sub.source}: a second submission for variant {vk.code} (first one: {first_source[once]}); "
                "only the first is graded, remove the one that should not count"
            )))  # fmt: skip
            continue
        first_source[once] = sub.source
        entries: dict[str, Entry] = {}
        ambiguous_ids: list[str] = []
        for name, raw in sub.answers.items():
            if name.startswith(("flag:", "scan:")):  # added by scan; its flagged answers are "?" (unreadable)
                continue
            aid = resolved.get(name, "")
            if aid == "":
                aid = resolved[name] = index.ids.get(answer_id_key(name))
            if aid is None:
                unknown_ids.setdefault(sub.file, set()).add(name)
            elif aid not in entries:  # two spellings of one id: the reader reported it; the first counts
                entry = entries[aid] = parse_number(raw, comma)
                if entry.status == UNREADABLE and not comma and ambiguous(entry.text):
                    ambiguous_ids.append(f"{aid} = {entry.text}")
        if ambiguous_ids:
            out.issues.append(Issue(sub.source, "ambiguous_number", (
                f"{sub.source}: {', '.join(ambiguous_ids)}: a thousands separator or a decimal comma? "
                "marked unreadable; correct the file (1000 or 1.000) and grade again"
            )))  # fmt: skip
        student = None if sub.drawn else vk.student
        key_sid, key_name = (student.id, student.name) if student else ("", "")
        sid, name = sub.student_id or key_sid, sub.name or key_name
        if sub.student_id and key_sid and sub.student_id != key_sid:
            out.issues.append(Issue(sub.source, "student_mismatch", (
                f"{sub.source}: student id {sub.student_id!r} on the submission, but variant {vk.code} was "
                f"made for {key_sid!r}; graded under {sub.student_id!r}, check who wrote it"
            )))  # fmt: skip
        try:
            marks = mark_submission(vk, entries, ecf_credit)
        except Exception as e:  # one student never stops the class; BACKPROP_EXAM_DEBUG=1 re-raises
            if debugging():
                raise
            out.issues.append(Issue(sub.source, "not_graded", (
                f"{sub.source}: could not be graded ({type(e).__name__}: {e}); "
                "this is a bug in backprop-exam, please report it with this submission"
            )))  # fmt: skip
            del first_source[once]
            continue
        out.graded.append(Graded(sub, vk, sid, name, marks))
    out.issues.extend(_duplicate_students(out.graded))
    out.absent = absent_students(key, out.graded)
    for file, names in unknown_ids.items():
        shown = ", ".join(sorted(names)[:8]) + (" ..." if len(names) > 8 else "")
        out.issues.append(Issue(file, "unknown_answer", (
            f"{file}: {plural(len(names), 'answer id')} not asked in this key, ignored: {shown}"
        )))  # fmt: skip
    return out


def _duplicate_students(graded: list[Graded]) -> list[Issue]:
    """One issue per student id with more than one graded submission (different variants): both stay graded."""
    by_student: dict[str, list[Graded]] = {}
    for g in graded:
        if g.student_id:
            by_student.setdefault(g.student_id.casefold(), []).append(g)
    issues = []
    for subs in by_student.values():
        if len(subs) > 1:
            first = subs[0]
            where = "; ".join(f"variant {g.code} from {g.submission.source}" for g in subs)
            issues.append(Issue(first.submission.source, "duplicate_student", (
                f"student {first.student_id!r} has {len(subs)} graded submissions ({where}); each has its own "
                "row in the gradebook, remove the one that should not count and grade again"
            )))  # fmt: skip
    return issues


def absent_students(key: Key, graded: list[Graded]) -> list[Absent]:
    """The roster students of ``key`` with no graded submission (by variant code or by student id)."""
    codes = {normalize_code(g.code) for g in graded if not g.submission.drawn}
    ids = {g.student_id.casefold() for g in graded if g.student_id}
    out = []
    for v in key.variants:
        student = v.student
        if not student or normalize_code(v.variant) in codes or student.id.casefold() in ids:
            continue
        n = float(sum(len(p.answers) for p in v.problems))
        out.append(Absent(v.variant, student.id, student.name, n))
    return out
