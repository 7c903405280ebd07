"""Reading an uploaded CSV or Excel file safely, whatever its columns mean.

A file is read a row at a time with limits that stop reading, so a file that claims more
than it should (a million rows, a zip that unpacks to gigabytes, XML with entities that
expand) is refused after a bounded amount of work. Any file that cannot be read is an
``UploadError``, never a crash. Each upload (outcome returns, the case system's extract)
says its columns and limits in a ``SheetLayout``; what the cells mean is its own business.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from portal.common.spreadsheets import GUARD, unguarded

_log = logging.getLogger(__name__)


class UploadError(Exception):
    """The file as a whole cannot be read: wrong type, too big, no header."""


@dataclass(frozen=True)
class Problem:
    row: int  # the spreadsheet's row number, the header being row 1
    column: str
    message: str


@dataclass(frozen=True, slots=True)
class SheetRow:
    """A row of the file that is not empty: its number in the spreadsheet (the header is
    row 1) and its cells under the layout's columns."""

    number: int
    cells: dict[str, str]


class Sheet(list[SheetRow]):
    """A file's rows, knowing which of the layout's optional columns the file left out
    (their cells read as empty): an import can tell "not in the file" from "empty"."""

    def __init__(self, rows: list[SheetRow], *, absent: frozenset[str] = frozenset()) -> None:
        super().__init__(rows)
        self.absent = absent


@dataclass(frozen=True)
class SheetLayout:
    """The columns a file must have (``required``) and may have (``optional``), and how
    much of it is read at most."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    max_bytes: int = 2 * 1024 * 1024
    max_rows: int = 5000
    # Columns read from each row: cells further right are not read.
    max_columns: int = 200
    # An Excel file is a zip of XML: what it unpacks to, and how many parts it has, at most.
    max_unpacked_bytes: int = 32 * 1024 * 1024
    max_parts: int = 100
    # The longest cell the csv module is let read, for its message.
    longest_cell: int = 10_000

    @property
    def max_lines(self) -> int:
        """Lines read at most, empty ones included: a spreadsheet program often saves a few
        thousand formatted but empty rows after the last one filled in. Reading stops here,
        so a small file that claims a million rows costs no more than this."""
        return 4 * self.max_rows

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


def read_table(filename: str, content: bytes, layout: SheetLayout) -> Sheet:
    """The file's rows as dicts keyed by the layout's columns, whatever its format; empty
    rows left out. A column the layout allows but the file lacks reads as empty."""
    if len(content) > layout.max_bytes:
        raise UploadError(f"The file must be smaller than {layout.max_bytes // 1024 // 1024}MB")
    if not content:
        raise UploadError("The selected file is empty")
    name = filename.lower()
    if name.endswith(".csv"):
        return rows_from(_csv_lines(content, layout), layout)
    if name.endswith(".xlsx"):
        return _read_xlsx(content, layout)
    raise UploadError("The selected file must be a CSV or an Excel (.xlsx) file")


def _csv_lines(content: bytes, layout: SheetLayout) -> Iterator[list[str]]:
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
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # a cell longer than the csv module's limit, say
            raise UploadError(
                f"Line {reader.line_num} of the file could not be read: check the file is "
                f"saved as CSV and no cell is longer than {layout.longest_cell:,} characters"
            ) from error
        yield values[: layout.max_columns]


def _read_xlsx(content: bytes, layout: SheetLayout) -> Sheet:
    from openpyxl import load_workbook

    not_excel = "The selected file is not an Excel (.xlsx) file"
    buffer = io.BytesIO(content)
    if not zipfile.is_zipfile(buffer):
        raise UploadError(not_excel)
    try:
        with zipfile.ZipFile(buffer) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UploadError(not_excel) from error
    # Each part is read no further than the size it declares, so the declared sizes bound
    # what the file unpacks to.
    if (
        len(parts) > layout.max_parts
        or sum(part.file_size for part in parts) > layout.max_unpacked_bytes
    ):
        raise UploadError(
            "The selected file is too large once unpacked: upload it as a CSV file, or "
            f"with {layout.max_rows:,} rows or fewer and nothing but the template's columns"
        )
    try:
        workbook = load_workbook(buffer, read_only=True, data_only=True)
    except Exception as error:  # whatever openpyxl meets in a broken file
        _log.info("unreadable Excel upload: %r", error)
        raise UploadError(not_excel) from error
    try:
        if not workbook.worksheets:
            raise UploadError(not_excel)
        sheet = workbook.worksheets[0]
        # The sheet is read a row at a time; max_row and max_col stop openpyxl filling in
        # the empty rows and columns a sheet's stated size may claim.
        rows = sheet.iter_rows(
            max_row=layout.max_lines + 2, max_col=layout.max_columns, values_only=True
        )
        return rows_from(
            (["" if cell is None else _text(cell) for cell in row] for row in _guarded(rows)),
            layout,
        )
    finally:
        workbook.close()


def _text(cell: object) -> str:
    """A cell as text; a date Excel holds as a date reads as the ISO date (2026-04-01)."""
    if hasattr(cell, "date") and hasattr(cell, "hour"):  # a datetime
        return str(cell.date()) if not (cell.hour or cell.minute) else str(cell)  # type: ignore[attr-defined]
    return str(cell)


def _guarded(rows: Iterable[tuple[object, ...]]) -> Iterator[tuple[object, ...]]:
    """The sheet's rows, any failure to read one (broken XML, an entity, a bad value) an
    ``UploadError``."""
    iterator = iter(rows)
    while True:
        try:
            row = next(iterator)
        except StopIteration:
            return
        except Exception as error:  # whatever openpyxl meets in a broken file
            _log.info("unreadable Excel upload: %r", error)
            raise UploadError(
                "The selected file could not be read: save it again from your spreadsheet "
                "program as an Excel (.xlsx) or CSV file"
            ) from error
        yield row


def rows_from(lines: Iterable[list[str]], layout: SheetLayout) -> Sheet:
    """The rows under the header, stopping as soon as there are too many."""
    iterator = iter(lines)
    header = next(iterator, None)
    if not header or not any(h.strip() for h in header):
        raise UploadError("The file has no header row: start from the template")
    header = [h.strip() for h in header]
    missing = [h for h in layout.required if h not in header]
    if missing:
        shown = ", ".join(missing[:3]) + (" and others" if len(missing) > 3 else "")
        raise UploadError(f"The file is missing columns: {shown}. Start from the template")
    known = frozenset(layout.columns)
    wanted = [(i, h) for i, h in enumerate(header) if h in known]
    absent = {h: "" for h in layout.optional if h not in header}
    width = len(header)
    every_column = len(wanted) == width
    rows: list[SheetRow] = []
    for number, values in enumerate(iterator, start=2):
        if number > layout.max_lines + 1:
            raise UploadError(
                f"The file must have {layout.max_rows:,} rows or fewer: it has more than "
                f"{layout.max_lines:,}, counting empty ones. Delete the empty rows at the end"
            )
        if every_column and len(values) == width:  # the usual row: every cell, in order
            cells = dict(zip(header, map(str.strip, values), strict=True))
        else:
            cells = {h: values[i].strip() if i < len(values) else "" for i, h in wanted}
        whole = "".join(cells.values())
        if not whole:
            continue
        if GUARD in whole:  # a cell the template guarded, perhaps: one look per row
            cells = {h: unguarded(text) for h, text in cells.items()}
        if len(rows) == layout.max_rows:
            raise UploadError(f"The file must have {layout.max_rows:,} rows or fewer")
        if absent:
            cells.update(absent)
        rows.append(SheetRow(number, cells))
    return Sheet(rows, absent=frozenset(absent))
