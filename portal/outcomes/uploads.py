"""Bulk upload of Appendix A returns from a CSV or Excel file.

The whole file is read and every row checked before anything is written: either every
row is saved or none is, and each problem is reported by row and column. Each row is one
person's return; the columns are those of the template the portal hands out.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load

from portal.outcomes.measures import MEASURES, Measure, MeasureResult
from portal.outcomes.models import OutcomeReturn, ReportingPeriod
from portal.outcomes.operations import EDITABLE, AnswerData, answer_problem, same_answers
from portal.outcomes.tasks import owed_people, returns_by_person
from portal.providers.models import ServiceUser
from portal.providers.queries import people_by_id

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
CASE_REFERENCE = "case_reference"
NAME = "name"


def column(measure: Measure, part: str) -> str:
    """The template's column for one part of a measure: '1.1 result', '1.1 evidence'..."""
    return f"{measure.code} {part}"


PARTS = ("result", "evidence", "sources", "not applicable reason")
HEADER = [CASE_REFERENCE, NAME] + [column(m, part) for m in MEASURES for part in PARTS]

_RESULTS = {
    "met": MeasureResult.MET,
    "partly met": MeasureResult.PARTLY_MET,
    "not met": MeasureResult.NOT_MET,
    "not applicable": MeasureResult.NOT_APPLICABLE,
    "n/a": MeasureResult.NOT_APPLICABLE,
}


class UploadError(Exception):
    """The file as a whole cannot be read: wrong type, too big, no header."""


@dataclass(frozen=True)
class Problem:
    row: int  # the spreadsheet's row number, the header being row 1
    column: str
    message: str


@dataclass
class ParsedRow:
    row: int
    case_reference: str
    answers: list[AnswerData] = field(default_factory=list)


def read_table(filename: str, content: bytes) -> list[dict[str, str]]:
    """The file's rows as dicts keyed by header, whatever its format."""
    if len(content) > MAX_BYTES:
        raise UploadError("The file must be smaller than 2MB")
    if not content:
        raise UploadError("The selected file is empty")
    name = filename.lower()
    if name.endswith(".csv"):
        rows = _read_csv(content)
    elif name.endswith(".xlsx"):
        rows = _read_xlsx(content)
    else:
        raise UploadError("The selected file must be a CSV or an Excel (.xlsx) file")
    if len(rows) > MAX_ROWS:
        raise UploadError(f"The file must have {MAX_ROWS:,} rows or fewer")
    return rows


def _read_csv(content: bytes) -> list[dict[str, str]]:
    if b"\x00" in content:
        raise UploadError("The selected file is not a CSV file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")  # Excel on Windows saves CSV this way
        except UnicodeDecodeError as error:
            raise UploadError("The selected file could not be read as text") from error
    reader = csv.reader(io.StringIO(text, newline=""))
    return _rows_from(reader)


def _read_xlsx(content: bytes) -> list[dict[str, str]]:
    from openpyxl import load_workbook

    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise UploadError("The selected file is not an Excel (.xlsx) file")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise UploadError("The selected file is not an Excel (.xlsx) file") from error
    try:
        sheet = workbook.worksheets[0]
        values = (
            ["" if cell is None else str(cell) for cell in row]
            for row in sheet.iter_rows(values_only=True)
        )
        return _rows_from(values)
    finally:
        workbook.close()


def _rows_from(lines: Iterable[list[str]]) -> list[dict[str, str]]:
    iterator = iter(lines)
    header = next(iterator, None)
    if not header:
        raise UploadError("The file has no header row: start from the template")
    header = [h.strip() for h in header]
    missing = [h for h in HEADER if h not in header]
    if missing:
        shown = ", ".join(missing[:3]) + (" and others" if len(missing) > 3 else "")
        raise UploadError(f"The file is missing columns: {shown}. Start from the template")
    rows = []
    for values in iterator:
        rows.append(
            {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}
        )
    return rows


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
                    f"‘{raw}’ is not a result: use met, partly met, not met or not applicable"
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
                    f"‘{unknown[0][1:]}’ is not an evidence source for measure {measure.code}"
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
_SOURCE_NAMES = {
    m.code: {s.value: s.value for s in m.sources} | {s.label.lower(): s.value for s in m.sources}
    for m in MEASURES
}


def _result(raw: str) -> MeasureResult | None:
    return _RESULTS.get(raw.strip().lower().replace("_", " "))


def _sources(text: str, measure: Measure) -> list[str]:
    """Source codes from a cell of codes or labels separated by semicolons; unknown ones
    come back marked with a leading '?'."""
    by_name = _SOURCE_NAMES[measure.code]
    found = []
    for part in text.split(";"):
        item = part.strip()
        if item:
            found.append(by_name.get(item.lower(), by_name.get(item, "?" + item)))
    return found


def check_rows(
    rows: list[dict[str, str]], *, owed: dict[str, int]
) -> tuple[list[ParsedRow], list[Problem]]:
    """Every row checked; ``owed`` maps the case references the provider owes to person ids.

    A row with nothing in its answer columns is skipped: the template lists everyone owed,
    and a provider may fill in only some of them.
    """
    parsed: list[ParsedRow] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    schema = ReturnRowSchema()
    for index, row in enumerate(rows, start=2):
        answer_cells = [row.get(h, "") for h in HEADER[2:]]
        reference = row.get(CASE_REFERENCE, "").strip()
        if not any(answer_cells):
            continue
        if not reference:
            problems.append(Problem(index, CASE_REFERENCE, "Enter the person’s case reference"))
            continue
        if reference.upper() not in owed:
            problems.append(
                Problem(
                    index,
                    CASE_REFERENCE,
                    f"{reference} is not someone you owe a return for in this quarter",
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


def plan_upload(
    period: ReportingPeriod, *, provider_id: int, rows: list[dict[str, str]]
) -> UploadPlan:
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
    people = people_by_id([owed[row.case_reference] for row in parsed])
    return UploadPlan(
        rows=[(people[owed[row.case_reference]], row.answers) for row in parsed],
        existing=existing,
        problems=problems,
    )
