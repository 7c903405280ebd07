"""Bulk upload of Appendix A returns from a CSV or Excel file.

The whole file is read and every row checked before anything is written: either every
row is saved or none is, and each problem is reported by row and column. Each row is one
person's return; the columns are those of the template the portal hands out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load

from portal.common import sheets
from portal.common.sheets import Problem, SheetLayout, SheetRow, UploadError
from portal.common.text import control_character_message, has_control_characters
from portal.outcomes.measures import MEASURES, Measure, MeasureResult
from portal.outcomes.models import EDITABLE, OutcomeReturn, ReportingPeriod
from portal.outcomes.operations import same_answers
from portal.outcomes.rules import EVIDENCE_LONGEST, REASON_LONGEST, AnswerData, answer_problem
from portal.outcomes.tasks import owed_people, returns_by_person
from portal.providers.models import ServiceUser
from portal.providers.queries import people_by_id

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# Columns read from each row: the template's, and room for a few of the provider's own.
# Cells further right are not read (unknown columns are ignored in any case).
MAX_COLUMNS = 200
# An Excel file is a zip of XML: what it unpacks to, and how many parts it has, at most.
# Text compresses seven to ten times, so a workbook just under 2MB unpacks to 14 to 20 MB;
# a few kilobytes of zip can claim gigabytes. At this size openpyxl reads the sheet (twice:
# once for its stated size, once for its rows) in about five seconds and 15 MB.
MAX_UNPACKED_BYTES = 32 * 1024 * 1024
MAX_PARTS = 100
# The most any other cell (a result, sources, a case reference) may hold.
MAX_CELL = 1000
CASE_REFERENCE = "case_reference"
NAME = "name"


def column(measure: Measure, part: str) -> str:
    """The template's column for one part of a measure: '1.1 result', '1.1 evidence'..."""
    return f"{measure.code} {part}"


PARTS = ("result", "evidence", "sources", "not applicable reason")
HEADER = [CASE_REFERENCE, NAME] + [column(m, part) for m in MEASURES for part in PARTS]
LAYOUT = SheetLayout(
    required=tuple(HEADER),
    max_bytes=MAX_BYTES,
    max_rows=MAX_ROWS,
    max_columns=MAX_COLUMNS,
    max_unpacked_bytes=MAX_UNPACKED_BYTES,
    max_parts=MAX_PARTS,
    longest_cell=EVIDENCE_LONGEST,
)
# Lines read at most, empty ones included (see SheetLayout.max_lines).
MAX_LINES = LAYOUT.max_lines
__all__ = ["HEADER", "MAX_LINES", "MAX_ROWS", "Problem", "UploadError", "plan_upload", "read_table"]

_RESULTS = {
    "met": MeasureResult.MET,
    "partly met": MeasureResult.PARTLY_MET,
    "not met": MeasureResult.NOT_MET,
    "not applicable": MeasureResult.NOT_APPLICABLE,
    "n/a": MeasureResult.NOT_APPLICABLE,
}


@dataclass(slots=True)
class ParsedRow:
    row: int
    case_reference: str
    answers: list[AnswerData] = field(default_factory=list)


def read_table(filename: str, content: bytes) -> list[SheetRow]:
    """The file's rows as dicts keyed by the template's columns, whatever its format; empty
    rows left out (see portal/common/sheets.py for the limits' reasons)."""
    return sheets.read_table(filename, content, LAYOUT)


def _rows_from(lines: Iterable[list[str]]) -> list[SheetRow]:
    return sheets.rows_from(lines, LAYOUT)


class ReturnRowSchema(Schema):
    """Appendix A's rules across a row's columns. Errors are keyed by the file's column.

    The answer columns are read from the row as given (every template column is there, as
    text, once the header is checked), not declared as fields one by one: a large file is
    checked in a fraction of the time, with the same messages."""

    class Meta:
        unknown = EXCLUDE

    case_reference = fields.String(data_key=CASE_REFERENCE, required=True)

    @post_load(pass_original=True)
    def _to_answers(self, data: dict[str, Any], row: dict[str, str], **_: Any) -> ParsedRow:
        """The row's answers, each checked once; every problem in the row is reported."""
        errors: dict[str, list[str]] = {}
        answers = []
        for measure in MEASURES:
            names = _COLUMNS[measure.code]
            raw = row.get(names["result"], "")
            if not raw:
                errors[names["result"]] = [
                    f"Enter whether measure {measure.code} is met, partly met, not met or not applicable"
                ]
                continue
            result = _result(raw)
            if result is None:
                errors[names["result"]] = [
                    f"‘{raw}’ is not a result for measure {measure.code}: use met, partly met, "
                    "not met or not applicable"
                ]
                continue
            evidence = row.get(names["evidence"], "")
            reason = row.get(names["not applicable reason"], "")
            problem = answer_problem(
                measure, result, evidence=evidence, not_applicable_reason=reason
            )
            if problem is not None:
                part = {"result": "result", "evidence": "evidence"}.get(
                    problem[0], "not applicable reason"
                )
                errors[names[part]] = [problem[1]]
            sources = _sources(row.get(names["sources"], ""), measure)
            unknown = [s for s in sources if s[0] == "?"]
            if unknown:
                errors[names["sources"]] = [
                    f"Measure {measure.code}’s source “{unknown[0][1:]}” is not one of its "
                    f"sources: use one or more of {GUIDE_BY_CODE[measure.code].listed}, "
                    "separated by semicolons"
                ]
            answers.append(
                AnswerData(
                    measure=measure.code,
                    result=result,
                    evidence=evidence,
                    not_applicable_reason=reason,
                    evidence_sources=sources,
                )
            )
        if errors:
            raise ValidationError(errors)
        return ParsedRow(
            row=0, case_reference=data["case_reference"].strip().upper(), answers=answers
        )


_COLUMNS = {m.code: {part: column(m, part) for part in PARTS} for m in MEASURES}
_WANTED = frozenset(HEADER)
# The text columns and the most each may hold, as on the form; any other cell is short.
_LONGEST = {column(m, "evidence"): EVIDENCE_LONGEST for m in MEASURES} | {
    column(m, "not applicable reason"): REASON_LONGEST for m in MEASURES
}
_SHORTEST = min(MAX_CELL, *_LONGEST.values())


@dataclass(frozen=True, slots=True)
class MeasureGuide:
    """What the upload page says of a measure's sources, made from Appendix A (measures.py)
    so the guidance, its example and the check of a file cannot disagree."""

    code: str
    text: str
    sources: tuple[str, ...]  # Appendix A's words, as a file gives them

    @property
    def listed(self) -> str:
        return "; ".join(self.sources)

    @property
    def example(self) -> str:
        """A sources cell that the upload accepts for this measure: its first two sources."""
        return "; ".join(self.sources[:2])


GUIDE = tuple(MeasureGuide(m.code, m.text, tuple(s.label for s in m.sources)) for m in MEASURES)
GUIDE_BY_CODE = {guide.code: guide for guide in GUIDE}
_SOURCE_NAMES = {
    m.code: {s.value: s.value for s in m.sources} | {s.label.lower(): s.value for s in m.sources}
    for m in MEASURES
}


def _result(raw: str) -> MeasureResult | None:
    return _RESULTS.get(raw.strip().lower().replace("_", " "))


def _sources(text: str, measure: Measure) -> tuple[str, ...]:
    """Source codes from a cell of codes or labels separated by semicolons; unknown ones
    come back marked with a leading '?'."""
    by_name = _SOURCE_NAMES[measure.code]
    found = []
    for part in text.split(";"):
        item = part.strip()
        if item:
            found.append(by_name.get(item.lower(), by_name.get(item, "?" + item)))
    return tuple(found)


def cell_problem(column_name: str, text: str) -> str | None:
    """What is wrong with a cell's text on its own (a hidden character, too long), if
    anything. The form's rules: a line break belongs only in the evidence and reasons."""
    multiline = column_name in _LONGEST
    if has_control_characters(text, multiline=multiline):
        return control_character_message(f"The {column_name} cell")
    longest = _LONGEST.get(column_name, MAX_CELL)
    if len(text) > longest:
        return (
            f"The {column_name} cell must be {longest:,} characters or fewer: it has {len(text):,}"
        )
    return None


def _cell_problems(index: int, row: dict[str, str]) -> list[Problem]:
    """Each cell of a row checked on its own. The row is looked at whole first: a row
    with no hidden character, line break or tab anywhere needs only its lengths checked."""
    whole = "".join(row.values())
    if has_control_characters(whole):
        checked = HEADER
    elif len(whole) <= _SHORTEST:
        return []
    else:
        checked = [key for key in HEADER if len(row.get(key, "")) > _SHORTEST]
    return [
        Problem(index, key, problem)
        for key in checked
        if (problem := cell_problem(key, row.get(key, ""))) is not None
    ]


def check_rows(
    rows: list[SheetRow], *, owed: dict[str, int]
) -> tuple[list[ParsedRow], list[Problem]]:
    """Every row checked; ``owed`` maps the case references the provider owes to person ids.

    A row with nothing in its answer columns is skipped: the template lists everyone owed,
    and a provider may fill in only some of them.
    """
    parsed: list[ParsedRow] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    schema = ReturnRowSchema()
    for sheet_row in rows:
        index, row = sheet_row.number, sheet_row.cells
        answer_cells = [row.get(h, "") for h in HEADER[2:]]
        if not any(answer_cells):
            continue
        unfit = _cell_problems(index, row)
        if unfit:
            problems.extend(unfit)
            continue
        reference = row.get(CASE_REFERENCE, "").strip()
        if not reference:
            problems.append(Problem(index, CASE_REFERENCE, "Enter the person’s case reference"))
            continue
        if reference.upper() not in owed:
            problems.append(
                Problem(
                    index,
                    CASE_REFERENCE,
                    f"{reference} is not someone you owe a return for in this quarter: check "
                    "the case reference against the template, or take the row out",
                )
            )
            continue
        if reference.upper() in seen:
            problems.append(
                Problem(
                    index,
                    CASE_REFERENCE,
                    f"{reference} is also on row {seen[reference.upper()]}: give each person one row",
                )
            )
            continue
        seen[reference.upper()] = index
        try:
            loaded: ParsedRow = schema.load(row)
        except ValidationError as error:
            messages = error.normalized_messages()
            assert isinstance(messages, dict)
            problems.extend(
                Problem(index, key, str(messages[key][0])) for key in HEADER if key in messages
            )
            continue
        loaded.row = index
        parsed.append(loaded)
    return parsed, problems


@dataclass
class UploadPlan:
    """What an upload would do, worked out without writing anything."""

    rows: list[tuple[ServiceUser, list[AnswerData]]]
    existing: dict[int, OutcomeReturn]
    problems: list[Problem]


def plan_upload(period: ReportingPeriod, *, provider_id: int, rows: list[SheetRow]) -> UploadPlan:
    owed = owed_people(period, provider_id=provider_id)
    parsed, problems = check_rows(rows, owed=owed)
    existing = returns_by_person(period, [owed[row.case_reference] for row in parsed])
    for row in parsed:
        current = existing.get(owed[row.case_reference])
        if (
            current is not None
            and current.status not in EDITABLE
            and not same_answers(current, row.answers)
        ):
            problems.append(
                Problem(
                    row.row,
                    CASE_REFERENCE,
                    f"{row.case_reference}’s return has already been submitted: ask the council "
                    "to return it for correction before changing it",
                )
            )
    problems.sort(key=lambda p: (p.row, HEADER.index(p.column)))
    # The people of the rows with problems are looked up with those of the rows to save,
    # in one query: only people the provider owes a return for, so a row naming another
    # provider's person gives no name away.
    references = _references_of(rows, {problem.row for problem in problems}, owed)
    people = people_by_id(
        [owed[row.case_reference] for row in parsed]
        + [owed[reference] for reference in references.values()]
    )
    named = {number: people[owed[reference]] for number, reference in references.items()}
    return UploadPlan(
        rows=[(people[owed[row.case_reference]], row.answers) for row in parsed],
        existing=existing,
        problems=[_naming_the_row(problem, named) for problem in problems],
    )


def _references_of(rows: list[SheetRow], numbers: set[int], owed: dict[str, int]) -> dict[int, str]:
    """The case reference (upper case) each of these rows gives, where it is someone the
    provider owes a return for: no other provider's person is named."""
    references: dict[int, str] = {}
    if not numbers:  # a good file: nothing to name, and its thousands of rows not walked
        return references
    for row in rows:
        if row.number in numbers:
            reference = row.cells.get(CASE_REFERENCE, "").strip().upper()
            if reference in owed:
                references[row.number] = reference
    return references


def _naming_the_row(problem: Problem, named: dict[int, ServiceUser]) -> Problem:
    """A problem's message led by its row and person: 'Row 12 (Margaret Able, AS1001): ...';
    the row alone when it names no one the provider owes a return for (its message says
    what the reference was, if that is the problem)."""
    person = named.get(problem.row)
    who = f" ({person.full_name}, {person.case_reference})" if person is not None else ""
    return Problem(problem.row, problem.column, f"Row {problem.row}{who}: {problem.message}")
