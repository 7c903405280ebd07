"""An extract's checked rows kept with its import record, so the confirmation applies the
content that was previewed (and no file is needed twice): compressed JSON, a few hundred
kilobytes for a large council's 40,000 lines."""

from __future__ import annotations

import datetime as dt
import json
import zlib
from dataclasses import astuple, fields
from typing import Any

from portal.caseload.extract import Extract, LineData, PersonData

_PERSON_DATES = {"date_of_birth"}
_LINE_DATES = {"start_date", "end_date"}


def dump(extract: Extract) -> bytes:
    data = {
        "people": [_row(astuple(p)) for p in extract.people.values()],
        "lines": [_row(astuple(line)) for line in extract.lines],
        "rows": extract.rows,
    }
    return zlib.compress(json.dumps(data, separators=(",", ":")).encode(), level=6)


def load(content: bytes) -> Extract:
    data = json.loads(zlib.decompress(content))
    extract = Extract(rows=data["rows"])
    for values in data["people"]:
        person = PersonData(*_dated(PersonData, values, _PERSON_DATES))
        extract.people[person.case_reference] = person
    extract.lines = [LineData(*_dated(LineData, values, _LINE_DATES)) for values in data["lines"]]
    return extract


def _row(values: tuple[Any, ...]) -> list[Any]:
    return [value.isoformat() if isinstance(value, dt.date) else value for value in values]


def _dated(kind: type, values: list[Any], dates: set[str]) -> list[Any]:
    return [
        dt.date.fromisoformat(value) if f.name in dates and value is not None else value
        for f, value in zip(fields(kind), values, strict=True)
    ]
