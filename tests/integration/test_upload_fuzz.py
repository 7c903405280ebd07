"""Hostile files at both uploads: a provider's outcome returns and the case system's extract.

Hypothesis writes CSV and Excel files the way a careless or hostile sender might: control
characters, numbers no column holds, odd unicode, formula-like text, columns missing, extra
or misnamed, rows repeated, a byte order mark, another encoding, line endings mixed; and
files that are not what they say (junk named .csv, an .xlsx that is not a zip, a zip that is
not a workbook, a zip bomb, too many parts, an entity bomb), and files either side of each
limit the reader has.

Whatever is sent, the answer is never a server error. A refused file comes back with the
design system's error summary and leaves the database exactly as it was; a file accepted
leaves no control character in the database. A valid extract, generated, is previewed and
applied, and the rows applied are the preview's counts.

Each example runs inside a savepoint rolled back after it, as in test_form_fuzz.py.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func, select

from portal.caseload import extract as caseload_extract
from portal.caseload.models import CaseloadImport, ImportStatus
from portal.common.dates import today
from portal.common.roles import Role
from portal.common.sheets import SheetLayout
from portal.extensions import db
from portal.outcomes import uploads as outcome_uploads
from portal.providers.models import PackageLine, ServiceUser
from tests.client import CheckedClient, text_of
from tests.conftest import make_app
from tests.fixtures import World, sign_in
from tests.integration.caseload_files import NHS_NUMBERS, extract_csv, person_row
from tests.integration.fingerprint import fingerprint
from tests.integration.helpers import date_parts
from tests.integration.test_access_matrix import isolated
from tests.integration.test_form_fuzz import CONTROLS, stored_control_characters
from tests.integration.test_upload_files import LAUGHS, MAIN, SHEET

FUZZ = settings(
    deadline=None,
    derandomize=True,  # the same files on every run, so CI is stable
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class Upload:
    name: str
    role: Role
    url: Callable[[World], str]
    fields: Callable[[], dict[str, Any]]  # the form's other fields, as a person fills them
    layout: SheetLayout
    stem: str

    def post(self, client: CheckedClient, world: World, content: bytes, filename: str) -> Any:
        return client.post(
            self.url(world),
            data={**self.fields(), "file": (io.BytesIO(content), filename)},
            content_type="multipart/form-data",
        )


UPLOADS = [
    Upload(
        "outcome returns",
        Role.PROVIDER_MANAGER,
        lambda w: f"/outcome-periods/{w.period.id}/upload",
        lambda: {"confirm": "y"},
        outcome_uploads.LAYOUT,
        "returns",
    ),
    Upload(
        "case system extract",
        Role.COMMISSIONER,
        lambda w: "/case-system/import",
        lambda: {"extract_date": date_parts(today()), "scope": "changes"},
        caseload_extract.LAYOUT,
        "extract",
    ),
]


# Cells ----------------------------------------------------------------------------------


def _cells(columns: tuple[str, ...]) -> st.SearchStrategy[str]:
    controlled = st.tuples(st.text(max_size=8), st.sampled_from(CONTROLS), st.text(max_size=8)).map(
        "".join
    )
    huge = st.tuples(
        st.integers(min_value=2**31, max_value=10**40),
        st.sampled_from(["{}", "-{}", "{}.5", "£{:,}", "{}e308"]),
    ).map(lambda pair: pair[1].format(pair[0]))
    return st.one_of(
        st.sampled_from(["", " ", "Met", "Not met", "N/A", "2", "21.50", "1941-03-02", "east"]),
        controlled,
        huge,
        st.integers(min_value=-(10**9), max_value=10**9).map(str),
        st.sampled_from(["=1+1", '=HYPERLINK("http://x")', "+SUM(A1:A9)", "-2+3", "@cmd", "'=1"]),
        st.text(st.characters(codec="utf-8"), max_size=30),
        st.sampled_from(["\u202eevil", "e\u0301", "\U0001f600" * 50, "\ufeff", "ß" * 1200]),
        st.sampled_from(columns),  # a header where a value should be
    )


@st.composite
def _table(draw: st.DrawFn, layout: SheetLayout) -> list[list[str]]:
    """A header (the layout's columns, some left out, some added, some misnamed, shuffled)
    and rows of hostile cells, some repeated."""
    columns = list(layout.columns)
    kept = draw(st.lists(st.booleans(), min_size=len(columns), max_size=len(columns)))
    header = [c for c, keep in zip(columns, kept, strict=True) if keep or draw(st.booleans())]
    header += draw(st.lists(st.sampled_from(["extra", "Case Reference", " name ", ""]), max_size=3))
    header = draw(st.permutations(header))
    rows = draw(
        st.lists(
            st.lists(_cells(layout.columns), min_size=0, max_size=len(header) + 2),
            max_size=4,
        )
    )
    rows += draw(st.lists(st.sampled_from(rows), max_size=2)) if rows else []
    return [list(header), *rows]


def _csv_bytes(table: list[list[str]], encoding: str, endings: list[str], bom: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in table:
        writer.writerow(row)
    lines = out.getvalue().split("\n")
    text = "".join(line + endings[i % len(endings)] for i, line in enumerate(lines))
    data = text.encode(encoding, errors="replace")
    return (codecs.BOM_UTF8 if bom else b"") + data


@st.composite
def _csv_file(draw: st.DrawFn, layout: SheetLayout) -> bytes:
    return _csv_bytes(
        draw(_table(layout)),
        draw(st.sampled_from(["utf-8", "cp1252", "utf-16", "latin-1", "ascii"])),
        draw(st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=1, max_size=3)),
        draw(st.booleans()),
    )


def _xlsx_cell(text: str) -> object:
    """What openpyxl will write: numbers as numbers, XML's illegal characters removed."""
    try:
        return int(text) if abs(int(text)) < 10**300 else text
    except ValueError:
        return ILLEGAL_CHARACTERS_RE.sub("", text) or None


@st.composite
def _xlsx_file(draw: st.DrawFn, layout: SheetLayout) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in draw(_table(layout)):
        sheet.append([_xlsx_cell(cell) for cell in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# Files that are not what they say ---------------------------------------------------------


def _workbook(header: list[str]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _rezipped(
    workbook: bytes, *, sheet_xml: bytes | None = None, extra: dict[str, bytes] | None = None
) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(
                item.filename, sheet_xml if item.filename == SHEET and sheet_xml else data
            )
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def _bomb_sheet(layout: SheetLayout) -> bytes:
    """Sheet XML of spaces, compressing a thousandfold, past the unpacked limit."""
    head = f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>'.encode()
    return head + b" " * (layout.max_unpacked_bytes + 1024) + b"</sheetData></worksheet>"


def _entity_bomb() -> bytes:
    return (
        f'<?xml version="1.0"?>{LAUGHS}<worksheet xmlns="{MAIN}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&i;</t></is></c></row>'
        "</sheetData></worksheet>"
    ).encode()


def _not_what_they_say(layout: SheetLayout, stem: str) -> dict[str, tuple[str, bytes]]:
    """Each file a sender could send that is not a readable file of the layout: what it is
    called, and what it holds."""
    header = list(layout.columns)
    good = _workbook(header)
    return {
        "empty": (f"{stem}.csv", b""),
        "binary junk named .csv": (f"{stem}.csv", bytes(range(256)) * 8),
        "only a byte order mark": (f"{stem}.csv", codecs.BOM_UTF8),
        "only blank lines": (f"{stem}.csv", b"\r\n\n\r\n   \n"),
        "a picture named .csv": (f"{stem}.csv", b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
        "an .xlsx that is not a zip": (f"{stem}.xlsx", b"case_reference\nC1\n"),
        "a zip that is not a workbook": (f"{stem}.xlsx", _zip({"notes.txt": b"hello"})),
        "a truncated workbook": (f"{stem}.xlsx", good[: len(good) // 2]),
        "a zip bomb": (f"{stem}.xlsx", _rezipped(good, sheet_xml=_bomb_sheet(layout))),
        "too many parts": (
            f"{stem}.xlsx",
            _rezipped(good, extra={f"xl/media/p{n}.bin": b"x" for n in range(layout.max_parts)}),
        ),
        "an entity bomb": (f"{stem}.xlsx", _rezipped(good, sheet_xml=_entity_bomb())),
        "a file of another kind": (f"{stem}.pdf", b"%PDF-1.4\n%%EOF\n"),
        "no name's ending": (stem, b"case_reference\n"),
        "header only": (f"{stem}.csv", extract_csv([], tuple(header))),
    }


def _refused_unchanged(response: Any, before: str, what: str) -> str:
    assert response.status_code == 200, f"{what}: answered {response.status_code}"
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html, f"{what}: no error summary"
    assert 'class="govuk-error-message"' in html, f"{what}: no message beside the file box"
    page = text_of(response)
    assert fingerprint() == before, f"{what}: the database changed"
    return page


def _either_way(response: Any, before: str, what: str) -> None:
    """Never a server error; refused, nothing changed; accepted, nothing hidden kept."""
    assert response.status_code < 500, f"{what}: answered {response.status_code}"
    if response.status_code == 302:
        assert stored_control_characters() == [], f"{what}: kept a control character"
    else:
        _refused_unchanged(response, before, what)


@pytest.fixture
def signed_in(client: CheckedClient, world: World) -> Callable[[Upload], CheckedClient]:
    def _as(upload: Upload) -> CheckedClient:
        sign_in(client, world.users[upload.role])
        db.session.commit()
        return client

    return _as


@pytest.mark.parametrize("upload", UPLOADS, ids=lambda u: u.name)
def test_files_that_are_not_what_they_say_are_refused_and_change_nothing(
    signed_in: Callable[[Upload], CheckedClient], world: World, upload: Upload
) -> None:
    client = signed_in(upload)
    before = fingerprint()
    for what, (filename, content) in _not_what_they_say(upload.layout, upload.stem).items():
        with isolated():
            _refused_unchanged(upload.post(client, world, content, filename), before, what)


@pytest.mark.parametrize("upload", UPLOADS, ids=lambda u: u.name)
def test_random_csv_and_excel_files_never_break_an_upload(
    signed_in: Callable[[Upload], CheckedClient], world: World, upload: Upload
) -> None:
    client = signed_in(upload)
    before = fingerprint()

    @settings(FUZZ, max_examples=40)
    @given(
        file=st.one_of(
            _csv_file(upload.layout).map(lambda data: (f"{upload.stem}.csv", data)),
            _xlsx_file(upload.layout).map(lambda data: (f"{upload.stem}.xlsx", data)),
        )
    )
    def send(file: tuple[str, bytes]) -> None:
        filename, content = file
        with isolated():
            response = upload.post(client, world, content, filename)
            _either_way(response, before, f"{filename} of {len(content)} bytes")

    send()


# Either side of each limit ----------------------------------------------------------------


def _padded_csv(layout: SheetLayout, size: int) -> bytes:
    """The layout's header, then blank lines to ``size`` bytes."""
    header = (",".join(layout.columns) + "\n").encode()
    return header + b"\n" * (size - len(header))


def _rows_csv(layout: SheetLayout, rows: int) -> bytes:
    header = ",".join(layout.columns)
    row = ",".join("x" for _ in layout.columns)
    return "\n".join([header, *[row] * rows]).encode() + b"\n"


def _wide_csv(layout: SheetLayout, columns: int) -> bytes:
    extra = [f"extra {n}" for n in range(columns - len(layout.columns))]
    return (",".join([*layout.columns, *extra]) + "\n").encode()


def _parts(layout: SheetLayout, count: int) -> bytes:
    good = _workbook(list(layout.columns))
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        have = len(archive.infolist())
    return _rezipped(good, extra={f"xl/media/p{n}.bin": b"x" for n in range(count - have)})


def _unpacked(layout: SheetLayout, size: int) -> bytes:
    good = _workbook(list(layout.columns))
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        have = sum(item.file_size for item in archive.infolist())
    return _rezipped(good, extra={"xl/media/padding.bin": b"\0" * (size - have)})


MAX_REQUEST = make_app("sqlite://").config["MAX_CONTENT_LENGTH"]
TOO_LARGE = "The selected file is too large once unpacked"
LIMITS: list[tuple[str, Callable[[SheetLayout, int], tuple[str, bytes]], Callable[..., int], str]]
LIMITS = [
    (
        "bytes",
        lambda layout, n: ("f.csv", _padded_csv(layout, n)),
        lambda layout: layout.max_bytes,
        "The file must be smaller than",
    ),
    (
        "rows",
        lambda layout, n: ("f.csv", _rows_csv(layout, n)),
        lambda layout: layout.max_rows,
        "rows or fewer",
    ),
    (
        "parts",
        lambda layout, n: ("f.xlsx", _parts(layout, n)),
        lambda layout: layout.max_parts,
        TOO_LARGE,
    ),
    (
        "unpacked bytes",
        lambda layout, n: ("f.xlsx", _unpacked(layout, n)),
        lambda layout: layout.max_unpacked_bytes,
        TOO_LARGE,
    ),
]


@pytest.mark.parametrize("upload", UPLOADS, ids=lambda u: u.name)
@pytest.mark.parametrize("limit", LIMITS, ids=lambda limit: limit[0])
def test_a_file_just_over_a_limit_is_refused_for_it_and_one_at_the_limit_is_read(
    signed_in: Callable[[Upload], CheckedClient], world: World, upload: Upload, limit: Any
) -> None:
    """At the limit the file is read (and refused for its cells, not its size); one over,
    it is refused saying which limit, and nothing changes either way."""
    name, make, most, message = limit
    if name == "bytes" and upload.layout.max_bytes >= MAX_REQUEST:
        pytest.skip("the request's own limit comes first (the next test)")
    sizes = [(most(upload.layout), False), (most(upload.layout) + 1, True)]
    if name == "rows" and upload.layout.max_rows > 10_000:
        # Checking 100,000 rows' cells takes 12 s; the reader's limit is what is tried.
        sizes = sizes[1:]
    client = signed_in(upload)
    before = fingerprint()
    for size, over in sizes:
        filename, content = make(upload.layout, size)
        with isolated():
            response = upload.post(client, world, content, f"{upload.stem}{filename[1:]}")
            page = _refused_unchanged(response, before, f"{limit[0]} {size}")
            assert (message in page) is over, f"{limit[0]} at {size}"


@pytest.mark.parametrize("upload", UPLOADS, ids=lambda u: u.name)
def test_a_request_past_the_apps_limit_is_refused_before_it_is_read(
    signed_in: Callable[[Upload], CheckedClient], world: World, upload: Upload
) -> None:
    """Flask's MAX_CONTENT_LENGTH stops a body far bigger than any upload before the file is
    read: the page says so and nothing changes."""
    client = signed_in(upload)
    before = fingerprint()
    with isolated():
        content = _padded_csv(upload.layout, MAX_REQUEST + 1)
        response = upload.post(client, world, content, f"{upload.stem}.csv")
        assert response.status_code == 413
        page = text_of(response)
        assert "The file is too big" in page
        assert f"No file larger than {MAX_REQUEST // 1024 // 1024}MB can be sent" in page
        assert fingerprint() == before


def test_a_file_with_too_many_columns_is_read_up_to_the_limit(
    signed_in: Callable[[Upload], CheckedClient], world: World
) -> None:
    """Columns past the limit are not read: the header's known columns still are."""
    upload = UPLOADS[1]
    client = signed_in(upload)
    before = fingerprint()
    for count in (upload.layout.max_columns, upload.layout.max_columns * 50):
        with isolated():
            response = upload.post(client, world, _wide_csv(upload.layout, count), "wide.csv")
            _either_way(response, before, f"{count} columns")


# A valid extract ------------------------------------------------------------------------


@st.composite
def _valid_extract(draw: st.DrawFn, suppliers: tuple[str, str]) -> list[dict[str, str]]:
    """One to five people, each with one or two lines, every value one the case system
    writes."""
    rows = []
    for person in range(draw(st.integers(min_value=1, max_value=5))):
        nhs = NHS_NUMBERS[person] if person < len(NHS_NUMBERS) and draw(st.booleans()) else ""
        details = {  # the same on each of the person's rows, as the case system writes them
            "nhs_number": nhs,
            "quadrant": draw(st.sampled_from(["east", "west", "central", "south"])),
            "pricing_zone": draw(st.sampled_from(["urban", "fringe", "rural", "isolated"])),
            "sex": draw(st.sampled_from(["", "female", "male"])),
        }
        supplier = draw(st.sampled_from(suppliers))
        for line in range(draw(st.integers(min_value=1, max_value=2))):
            rows.append(
                person_row(
                    f"F{person}",
                    supplier,
                    f"FL{person}-{line}",
                    calls_per_day=draw(st.integers(min_value=1, max_value=4)),
                    minutes_per_call=draw(st.sampled_from([15, 30, 45, 60])),
                    carers_per_call=draw(st.integers(min_value=1, max_value=2)),
                    days_of_week=draw(st.sampled_from(["7", "Mon-Fri", "Mon Wed Fri"])),
                    hourly_rate=draw(st.sampled_from(["21.50", "19.99", "24"])),
                    start_date=(today() - dt.timedelta(days=draw(st.integers(0, 400)))).isoformat(),
                    **details,
                )
            )
    return rows


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_a_valid_extract_is_applied_as_its_preview_counted(
    signed_in: Callable[[Upload], CheckedClient], world: World
) -> None:
    upload = UPLOADS[1]
    client = signed_in(upload)
    suppliers = (world.provider.supplier_reference, world.other_provider.supplier_reference)

    @settings(FUZZ, max_examples=12)
    @given(rows=_valid_extract(suppliers))
    def send(rows: list[dict[str, str]]) -> None:
        with isolated():
            people, lines = _count(ServiceUser), _count(PackageLine)
            response = upload.post(client, world, extract_csv(rows), "extract.csv")
            assert response.status_code == 302, text_of(response)
            assert (_count(ServiceUser), _count(PackageLine)) == (people, lines)
            preview = text_of(client.get(response.location))
            assert "Check what the import will change" in preview
            record = db.session.scalars(
                select(CaseloadImport).order_by(CaseloadImport.id.desc())
            ).first()
            assert record is not None and record.status == ImportStatus.PREVIEWED
            counts = dict(record.counts)
            applied = client.post(response.location + "/apply")
            assert applied.status_code == 302
            db.session.expire_all()
            assert record.status == ImportStatus.APPLIED
            assert _count(ServiceUser) - people == counts["people_new"]
            started = counts["lines_started"] + counts["lines_changed"]
            assert _count(PackageLine) - lines == started
            assert started == len({row["line_id"] for row in rows})

    send()
