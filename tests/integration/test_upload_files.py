"""Hostile and broken files at the outcome upload: each is refused with the design system's
message beside the file box, nothing is saved, and none costs more than a bounded amount of
work (memory is measured with tracemalloc, which counts what is allocated, not how fast)."""

from __future__ import annotations

import csv
import io
import tracemalloc
import zipfile
from collections.abc import Iterator

import pytest
from openpyxl import Workbook

from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes.models import OutcomeReturn
from portal.outcomes.uploads import (
    HEADER,
    MAX_LINES,
    MAX_ROWS,
    UploadError,
    _rows_from,
)
from tests.client import text_of
from tests.fixtures import World
from tests.integration.test_outcome_upload import _csv, _fill, _returns, _template, _upload

SHEET = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# The most an upload of a file under 2 MB may allocate while it is read: the 100,000-row
# file below took 97 MB (and one of 400,000 rows 368 MB) when the whole sheet was read
# before the row limit was checked; read a row at a time, it takes 14 MB.
MOST_MEMORY = 40 * 1024 * 1024


def _xlsx(sheet_xml: str | bytes, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A real workbook made by openpyxl, its first sheet's XML replaced by ``sheet_xml``."""
    workbook = Workbook()
    workbook.active.append(HEADER)
    made = io.BytesIO()
    workbook.save(made)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(made) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item.filename, sheet_xml if item.filename == SHEET else data)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _header_row() -> str:
    from openpyxl.utils import get_column_letter

    cells = "".join(_inline(f"{get_column_letter(i)}1", h) for i, h in enumerate(HEADER, 1))
    return f'<row r="1">{cells}</row>'


def _sheet(rows: str, *, dimension: str = "", doctype: str = "") -> str:
    size = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}'
        f'<worksheet xmlns="{MAIN}">{size}<sheetData>{_header_row()}{rows}</sheetData></worksheet>'
    )


def _many_rows(count: int) -> str:
    return "".join(f'<row r="{n}">{_inline(f"A{n}", "T1")}</row>' for n in range(2, count + 2))


def _refused(as_role, world: World, content: bytes, filename: str, *, most_memory: int = 0) -> str:
    """The page an upload of ``content`` answers, refusing it; with ``most_memory``, the
    upload must allocate no more than that (in bytes) on its way."""
    client = as_role(Role.PROVIDER_MANAGER)
    if most_memory:
        tracemalloc.start()
    try:
        response = _upload(client, world, content, filename)
        if most_memory:
            assert tracemalloc.get_traced_memory()[1] < most_memory
    finally:
        tracemalloc.stop()
    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page
    assert _returns() == 0
    assert db.session.query(OutcomeReturn).count() == 0
    return page


def test_a_small_workbook_of_100000_rows_is_refused_after_reading_a_bounded_part(
    as_role, world: World
) -> None:
    content = _xlsx(_sheet(_many_rows(100_000)))
    assert len(content) < 600 * 1024
    page = _refused(as_role, world, content, "returns.xlsx", most_memory=MOST_MEMORY)
    assert f"The file must have {MAX_ROWS:,} rows or fewer" in page


def test_a_sheet_claiming_every_row_and_column_excel_has_is_refused(as_role, world: World) -> None:
    far = f'<row r="1048576">{_inline("XFD1048576", "x")}</row>'
    content = _xlsx(_sheet(far, dimension="A1:XFD1048576"))
    page = _refused(as_role, world, content, "returns.xlsx", most_memory=MOST_MEMORY)
    assert f"it has more than {MAX_LINES:,}, counting empty ones" in page


def test_a_zip_that_unpacks_beyond_the_limit_is_refused_before_it_is_opened(
    as_role, world: World
) -> None:
    content = _xlsx(_sheet(""), extra={"xl/media/padding.bin": b"\0" * (60 * 1024 * 1024)})
    assert len(content) < 2 * 1024 * 1024
    page = _refused(as_role, world, content, "returns.xlsx", most_memory=MOST_MEMORY)
    assert "The selected file is too large once unpacked" in page


LAUGHS = (
    '<!DOCTYPE worksheet [<!ENTITY a "hahahahahahahahahaha">'
    + "".join(
        f'<!ENTITY {b} "{("&" + a + ";") * 10}">'
        for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "]>"
)
OUTSIDE = '<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize(
    "sheet_xml",
    [
        pytest.param(
            _sheet(f'<row r="2">{_inline("A2", "&i;")}</row>', doctype=LAUGHS), id="laughs"
        ),
        pytest.param(
            _sheet(f'<row r="2">{_inline("A2", "&secret;")}</row>', doctype=OUTSIDE),
            id="external-entity",
        ),
        pytest.param(_sheet("<row r='2'><c r='A2'><v>1</v></row>"), id="broken-xml"),
        pytest.param(b"\xff\xfe not xml at all", id="not-xml"),
    ],
)
def test_a_workbook_with_dangerous_or_broken_xml_is_refused(
    as_role, world: World, sheet_xml: str | bytes
) -> None:
    page = _refused(as_role, world, _xlsx(sheet_xml), "returns.xlsx")
    assert (
        "The selected file could not be read" in page
        or "The selected file is not an Excel (.xlsx) file" in page
    )
    assert "root:" not in page


def test_the_workbook_reader_parses_xml_with_defusedxml() -> None:
    """openpyxl parses safely only when defusedxml is installed and not switched off."""
    import defusedxml.ElementTree
    from openpyxl.xml import functions

    assert functions.iterparse is defusedxml.ElementTree.iterparse


def test_a_csv_cell_longer_than_the_csv_module_reads_is_refused(as_role, world: World) -> None:
    header = ",".join(HEADER).encode()
    content = header + b'\r\nT1,"' + b"x" * 200_000 + b'"\r\n'
    page = _refused(as_role, world, content, "returns.csv")
    assert "Line 2 of the file could not be read" in page


def test_a_csv_of_many_lines_is_refused_without_reading_them_all(as_role, world: World) -> None:
    content = ",".join(HEADER).encode() + b"\r\nT1,x" * 300_000
    assert len(content) < 2 * 1024 * 1024
    page = _refused(as_role, world, content, "returns.csv")
    assert f"The file must have {MAX_ROWS:,} rows or fewer" in page


def test_reading_stops_at_the_limit() -> None:
    """The rows are read one at a time and no further than the limit allows."""
    read = 0

    def endless() -> Iterator[list[str]]:
        nonlocal read
        yield list(HEADER)
        while True:
            read += 1
            assert read <= MAX_LINES + 1, "read past the limit"
            yield ["" if read % 2 else "T1"]

    with pytest.raises(UploadError, match="rows or fewer"):
        _rows_from(endless())


def test_empty_rows_after_the_last_are_let_be_and_rows_keep_their_numbers(
    as_role, world: World
) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    rows = [_fill(row, **{"2.1 result": "sometimes"}) for row in _template(client, world)]
    blank = dict.fromkeys(rows[0], "")
    content = _csv([blank, blank, *rows, *([blank] * 9000)])
    page = text_of(_upload(client, world, content))
    assert "‘sometimes’ is not a result for measure 2.1" in page


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("1.1 evidence", "Seen\x01at review", "The 1.1 evidence cell contains a hidden character"),
        ("case_reference", "T1\x1b", "The case_reference cell contains a hidden character"),
        ("2.1 result", "m\x85et", "The 2.1 result cell contains a hidden character"),
        ("1.1 evidence", "x" * 4001, "The 1.1 evidence cell must be 4,000 characters or fewer"),
        (
            "1.1 not applicable reason",
            "x" * 2001,
            "The 1.1 not applicable reason cell must be 2,000 characters or fewer: it has 2,001",
        ),
        ("1.1 sources", "x" * 1001, "The 1.1 sources cell must be 1,000 characters or fewer"),
    ],
)
def test_a_cell_with_a_hidden_character_or_too_long_is_a_problem(
    as_role, world: World, column: str, value: str, message: str
) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    rows = [_fill(row, **{column: value}) for row in _template(client, world)]
    page = _refused(as_role, world, _csv(rows), "returns.csv")
    # The row's person is named where the row gives their case reference.
    who = "" if column == "case_reference" else f" (Margaret Able, {world.person.case_reference})"
    assert f"2 {column} Row 2{who}: {message}" in page
    assert "\x01" not in page and "\x1b" not in page


def test_evidence_the_template_guarded_as_a_formula_comes_back_as_typed(
    as_role, world: World
) -> None:
    """The template writes a draft's evidence with the guard's apostrophe; an upload of the
    template takes it off again, and keeps an apostrophe a person typed."""
    client = as_role(Role.PROVIDER_MANAGER)
    formula = "=cmd|' /C calc'!A0"
    rows = [
        _fill(row, **{"1.1 evidence": "'" + formula, "1.2 evidence": "'quoted"})
        for row in _template(client, world)
    ]
    response = _upload(client, world, _csv(rows))
    assert response.status_code == 302
    saved = db.session.query(OutcomeReturn).one()
    assert saved.answer_for("1.1").evidence == formula
    assert saved.answer_for("1.2").evidence == "'quoted"


def test_the_template_never_hands_back_a_formula(as_role, world: World) -> None:
    """A draft's evidence and a person's name go into the template as typed, guarded: a
    spreadsheet shows them as text, never runs them."""
    from tests.integration.helpers import outcome_page_form, return_url

    world.person.given_name = "=1+1"
    db.session.commit()
    client = as_role(Role.PROVIDER_MANAGER)
    formula = "=cmd|' /C calc'!A0"
    page = return_url(world.person.id, world.period.id, 1)
    assert client.post(page, data=outcome_page_form(1, m1_1_evidence=formula)).status_code == 302
    download = client.get(f"/outcome-periods/{world.period.id}/upload-template.csv")
    (row,) = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert row["1.1 evidence"] == "'" + formula
    assert row["name"].startswith("'=1+1")
