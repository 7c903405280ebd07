"""Package lines from the case system: checked whole, previewed, then applied exactly as
previewed; matched by the case system's line id, never edited but to end them."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.caseload import operations
from portal.caseload.extract import COLUMNS, LAYOUT, OPTIONAL
from portal.caseload.models import CaseloadImport, ImportStatus
from portal.common.care import CareCategory, PricingZone
from portal.common.dates import today
from portal.common.roles import Role
from portal.common.sheets import read_table
from portal.council.rates import add_rate
from portal.extensions import db
from portal.outcomes.models import OwedReturn
from portal.providers.enums import ProviderStatus
from portal.providers.models import PackageLine, ServiceUser
from tests.client import text_of
from tests.fixtures import World
from tests.integration.caseload_files import NHS_NUMBERS, START, extract_csv, person_row
from tests.integration.helpers import date_parts

EXTRACT_DATE = today()


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _post_file(client, content: bytes, *, scope: str = "full", day: dt.date = EXTRACT_DATE):
    return client.post(
        "/case-system/import",
        data={
            "file": (io.BytesIO(content), "extract.csv"),
            "extract_date": date_parts(day),
            "scope": scope,
        },
        content_type="multipart/form-data",
    )


def _import(
    rows: list[dict[str, str]],
    *,
    full: bool = True,
    day: dt.date = EXTRACT_DATE,
    columns: tuple[str, ...] = (*COLUMNS, *OPTIONAL),
):
    """Check, preview and apply a file as the page does; the preview's and applied counts."""
    checked = operations.check_file(
        read_table("extract.csv", extract_csv(rows, columns), LAYOUT), extract_date=day, full=full
    )
    assert checked.problems == []
    preview = operations.record_preview(
        checked, file_name="extract.csv", extract_date=day, full=full, by=None
    )
    previewed = dict(preview.counts)
    return previewed, operations.apply(preview, by=None)


def _lines(line_id: str) -> list[PackageLine]:
    return list(
        db.session.scalars(
            select(PackageLine)
            .where(PackageLine.case_system_line_id == line_id)
            .order_by(PackageLine.start_date, PackageLine.id)
        )
    )


def _good_rows(world: World) -> list[dict[str, str]]:
    ours, theirs = world.provider.supplier_reference, world.other_provider.supplier_reference
    return [
        person_row("C100", ours, "L1", nhs_number=NHS_NUMBERS[0]),
        person_row(
            "C100",
            ours,
            "L2",
            calls_per_day=1,
            minutes_per_call=45,
            days_of_week="Mon-Fri",
            nhs_number=NHS_NUMBERS[0],
        ),
        person_row(
            "C200",
            theirs,
            "L3",
            carers_per_call=2,
            care_category="palliative",
            sex="",
            ethnicity="",
        ),
    ]


def test_a_good_file_is_previewed_then_applied(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    response = _post_file(client, extract_csv(_good_rows(world)))
    assert response.status_code == 302
    assert _count(ServiceUser) == 2  # the world's two: a preview changes nothing
    page = text_of(client.get(response.location))
    assert "Check what the import will change" in page
    assert "People new to the register 2" in page
    assert "Lines started 3" in page
    # The world's own lines have no line id: a full extract ends them.
    assert "Lines ended 2" in page
    assert "Line L2: 1 call a day, 45 minutes, Monday to Friday" in page
    ending = f"Line ended {world.person.case_reference} Ends on {EXTRACT_DATE:%-d %B %Y}"
    assert f"{ending}: not in the extract" in page

    response = client.post(response.location + "/apply")
    assert response.status_code == 302
    page = text_of(client.get(response.location))
    assert "Import applied: 3 lines started, 0 changed and 2 ended" in page
    assert f"Applied {EXTRACT_DATE:%-d %B %Y}" in page

    margaret = db.session.scalars(select(ServiceUser).filter_by(case_reference="C100")).one()
    assert margaret.provider_id == world.provider.id
    assert margaret.nhs_number == NHS_NUMBERS[0]
    assert (margaret.sex, margaret.ethnicity) == ("2", "A")
    palliative = _lines("L3")[0]
    assert palliative.care_category == CareCategory.PALLIATIVE
    assert palliative.carers_per_call == 2
    assert palliative.provider_id == world.other_provider.id
    assert world.line.end_date == EXTRACT_DATE
    # Returns owed follow at once: the new people owe this quarter's.
    owed = db.session.scalars(
        select(OwedReturn.service_user_id).where(OwedReturn.period_id == world.period.id)
    ).all()
    assert margaret.id in owed
    record = db.session.scalars(select(CaseloadImport)).one()
    assert record.status == ImportStatus.APPLIED
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("package_line.started") == 3
    assert actions.count("service_user.created") == 2
    assert actions.count("package_line.ended") == 2
    assert "caseload_import.applied" in actions


def test_a_bad_file_changes_nothing_and_says_every_problem(as_role, world: World) -> None:
    ours = world.provider.supplier_reference
    rows = [
        person_row("C100", ours, "L1", nhs_number="9434765918"),
        person_row("C101", "NOSUCH", "L2"),
        person_row("C102", ours, "L3", calls_per_day=13, minutes_per_call=4, carers_per_call=3),
        person_row("C103", ours, "L4", days_of_week="Funday", start_date="31/02/2026"),
        person_row("C104", ours, "L4"),
        person_row("C105", ours, "L6", given_name="Ada"),
        person_row("C105", ours, "L7", given_name="Adah"),
        person_row("C106", ours, "L8", end_date=(START - dt.timedelta(days=1)).isoformat()),
        person_row("C107", ours, "L9", hourly_rate="lots", funding="private"),
    ]
    lines_before = _count(PackageLine)
    client = as_role(Role.COMMISSIONER)
    response = _post_file(client, extract_csv(rows))
    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page
    assert "nothing has been changed" in page
    assert "8 of 9 rows have problems" in page
    for row, column, message in [
        (2, "nhs_number", "9434765918 is not a valid NHS number"),
        (3, "supplier_reference", "NOSUCH is not a provider’s supplier reference"),
        (4, "calls_per_day", "The calls a day must be from 1 to 12"),
        (4, "minutes_per_call", "The minutes a call must be from 5 to 720"),
        (4, "carers_per_call", "The carers a call must be 1 or 2"),
        (5, "days_of_week", "‘Funday’ is not days of the week"),
        (5, "start_date", "The start date must be a real date"),
        (6, "line_id", "Line L4 is also on row 5: give each line once"),
        (8, "given_name", "C105’s given name differs from their row 7"),
        (9, "end_date", "The end date must be on or after the start date"),
        (10, "funding", "The funding must be council or health, not ‘private’"),
        (10, "hourly_rate", "The hourly rate must be in pounds and pence"),
    ]:
        assert f"{row} {column} {message}" in page
    assert _count(ServiceUser) == 2
    assert _count(PackageLine) == lines_before
    assert _count(CaseloadImport) == 0


def test_an_empty_full_extract_ends_nothing(world: World) -> None:
    checked = operations.check_file(
        read_table("extract.csv", extract_csv([]), LAYOUT), extract_date=EXTRACT_DATE, full=True
    )
    assert [p.message for p in checked.problems] == ["The file has no package lines in it"]


def test_the_same_file_twice_changes_nothing(world: World) -> None:
    rows = _good_rows(world)
    _import(rows)
    lines, people, events = _count(PackageLine), _count(ServiceUser), _count(AuditEvent)
    previewed, applied = _import(rows)
    assert previewed == applied
    assert applied == {
        "people_new": 0,
        "people_changed": 0,
        "people_moved": 0,
        "lines_started": 0,
        "lines_changed": 0,
        "lines_ended": 0,
        "lines_unchanged": 3,
    }
    assert (_count(PackageLine), _count(ServiceUser)) == (lines, people)
    assert _count(AuditEvent) == events + 2  # the import previewed and applied, no more


def test_equalities_columns_left_out_keep_what_is_held(world: World) -> None:
    rows = _good_rows(world)
    _import(rows)
    _, applied = _import(rows, columns=COLUMNS)  # no sex or ethnicity columns at all
    assert applied["people_changed"] == 0
    person = db.session.scalars(select(ServiceUser).filter_by(case_reference="C100")).one()
    assert (person.sex, person.ethnicity) == ("2", "A")
    # Given, but empty: the case system no longer holds them.
    _, applied = _import([dict(row, sex="", ethnicity="") for row in rows])
    assert applied["people_changed"] == 1
    db.session.refresh(person)
    assert (person.sex, person.ethnicity) == (None, None)


def test_a_changed_line_ends_and_its_successor_starts(world: World) -> None:
    rows = _good_rows(world)
    _import(rows, day=EXTRACT_DATE - dt.timedelta(days=10))
    rows[0]["minutes_per_call"] = "45"
    previewed, applied = _import(rows)
    assert previewed == applied
    assert (applied["lines_changed"], applied["lines_unchanged"]) == (1, 2)
    old, new = _lines("L1")
    assert (old.minutes_per_call, old.end_date) == (30, EXTRACT_DATE - dt.timedelta(days=1))
    assert (new.minutes_per_call, new.start_date, new.end_date) == (45, EXTRACT_DATE, None)


def test_a_line_missing_from_a_full_extract_ends_on_the_extract_date(world: World) -> None:
    rows = _good_rows(world)
    _import(rows, day=EXTRACT_DATE - dt.timedelta(days=10))
    _, applied = _import(rows[:2], full=False)  # changes only: L3 carries on
    assert applied["lines_ended"] == 0
    assert _lines("L3")[0].end_date is None
    _, applied = _import(rows[:2])
    assert applied["lines_ended"] == 1
    assert _lines("L3")[0].end_date == EXTRACT_DATE


def test_a_person_moving_provider_is_history(as_role, world: World) -> None:
    rows = _good_rows(world)
    _import(rows, day=EXTRACT_DATE - dt.timedelta(days=10))
    person = db.session.scalars(select(ServiceUser).filter_by(case_reference="C100")).one()
    moved = [
        dict(row, supplier_reference=world.other_provider.supplier_reference) for row in rows[:1]
    ]
    previewed, applied = _import(moved + rows[2:], full=False)
    assert previewed == applied
    assert (applied["people_moved"], applied["lines_changed"], applied["lines_ended"]) == (1, 1, 1)
    db.session.refresh(person)
    assert person.provider_id == world.other_provider.id
    old, new = _lines("L1")
    assert (old.provider_id, old.end_date) == (
        world.provider.id,
        EXTRACT_DATE - dt.timedelta(days=1),
    )
    assert (new.provider_id, new.start_date) == (world.other_provider.id, EXTRACT_DATE)
    # L2, which the new provider does not carry on, ends as the move happens.
    assert _lines("L2")[0].end_date == EXTRACT_DATE - dt.timedelta(days=1)
    # The package history shows the old provider's lines, ended, and the new one's.
    client = as_role(Role.COMMISSIONER)
    page = text_of(client.get(f"/service-users/{person.id}/package-history"))
    assert "3 package lines, newest first" in page


def test_the_card_rate_fills_a_missing_rate_and_a_different_one_is_warned(
    as_role, world: World
) -> None:
    add_rate(
        zone=PricingZone.URBAN,
        category=CareCategory.STANDARD_ADULT,
        hourly_rate_pence=2200,
        effective_from=START - dt.timedelta(days=365),
        by=None,
    )
    world.other_provider.status = ProviderStatus.SUSPENDED
    ours, theirs = world.provider.supplier_reference, world.other_provider.supplier_reference
    rows = [
        person_row("C100", ours, "L1", hourly_rate=""),
        person_row("C200", theirs, "L2", hourly_rate="21.50"),
        person_row("C300", ours, "L3", hourly_rate="", care_category="palliative"),
    ]
    client = as_role(Role.COMMISSIONER)
    page = text_of(_post_file(client, extract_csv(rows)))
    assert (
        f"4 hourly_rate Enter the hourly rate: the rate card has no urban palliative and end "
        f"of life rate on {START.isoformat()}" in page
    )
    response = _post_file(client, extract_csv(rows[:2]))
    page = text_of(client.get(response.location))
    assert "Warnings (2)" in page
    assert (
        "Row 3, C200: Line L2’s rate, £21.50 an hour, differs from the card’s £22.00 for "
        "urban standard adult care" in page
    )
    assert (
        f"Row 3, C200: A new package line goes to {world.other_provider.name}, which is suspended"
        in page
    )
    client.post(response.location + "/apply")
    assert _lines("L1")[0].hourly_rate_pence == 2200
    assert _lines("L2")[0].hourly_rate_pence == 2150


def test_confirming_refuses_when_the_register_changed_since_the_preview(
    as_role, world: World
) -> None:
    client = as_role(Role.COMMISSIONER)
    first = _post_file(client, extract_csv(_good_rows(world))).location
    second = _post_file(client, extract_csv(_good_rows(world))).location
    client.post(first + "/apply")
    lines = _count(PackageLine)
    response = client.post(second + "/apply")
    page = text_of(client.get(response.location))
    assert "The register has changed since this preview" in page
    assert _count(PackageLine) == lines
    assert "Apply these changes" not in page
    # An applied import cannot be applied again.
    page = text_of(client.get(client.post(first + "/apply").location))
    assert "This import has been applied already" in page


def test_abandoning_a_preview_changes_nothing(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    preview = _post_file(client, extract_csv(_good_rows(world))).location
    response = client.post(preview + "/abandon")
    assert "Import abandoned: nothing was changed" in text_of(client.get(response.location))
    assert _count(ServiceUser) == 2
    assert db.session.scalars(select(CaseloadImport.status)).one() == ImportStatus.ABANDONED


def test_the_command_checks_previews_and_applies(app, world: World, tmp_path) -> None:
    good = tmp_path / "extract.csv"
    good.write_bytes(extract_csv(_good_rows(world)))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "package-lines", str(good), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "people new: 2, people changed: 0, people moved: 0, lines started: 3" in result.output
    assert "Dry run: nothing was changed" in result.output
    assert _count(CaseloadImport) == 0 and _count(ServiceUser) == 2

    bad = tmp_path / "bad.csv"
    bad.write_bytes(extract_csv([person_row("C1", "NOSUCH", "L1")]))
    result = runner.invoke(args=["import", "package-lines", str(bad)])
    assert result.exit_code == 1
    assert (
        "Row 2, supplier_reference: NOSUCH is not a provider’s supplier reference" in result.output
    )

    result = runner.invoke(
        args=[
            "import",
            "package-lines",
            str(good),
            "--changes-only",
            "--extract-date",
            EXTRACT_DATE.isoformat(),
        ]
    )
    assert result.exit_code == 0, result.output
    assert _count(ServiceUser) == 4
    record = db.session.scalars(select(CaseloadImport)).one()
    assert (record.status, record.created_by_id, record.full_extract) == (
        ImportStatus.APPLIED,
        None,
        False,
    )


def test_only_commissioners_import(as_role, world: World) -> None:
    client = as_role(Role.CARE_MANAGER)
    assert client.get("/case-system/import").status_code == 403


def test_an_excel_extract_reads_as_its_csv_does(world: World) -> None:
    """Excel holds dates as dates and numbers as numbers: they read as the CSV's text."""

    rows = _good_rows(world)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    columns = [*COLUMNS, *OPTIONAL]
    sheet.append(columns)
    for row in rows:
        cells: list[object] = []
        for name in columns:
            value = row.get(name, "")
            if name in ("date_of_birth", "start_date") and value:
                cells.append(dt.datetime.fromisoformat(value))
            elif name in ("calls_per_day", "minutes_per_call", "carers_per_call"):
                cells.append(int(value))
            else:
                cells.append(value or None)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    from_excel = read_table("extract.xlsx", buffer.getvalue(), LAYOUT)
    from_csv = read_table("extract.csv", extract_csv(rows), LAYOUT)
    assert [r.cells for r in from_excel] == [r.cells for r in from_csv]


def test_what_is_applied_is_what_the_preview_counted(world: World) -> None:
    """A file with every kind of change: the rows written and ended, and the audit events,
    are the preview's counts."""
    ours, theirs = world.provider.supplier_reference, world.other_provider.supplier_reference
    first = [*_good_rows(world), person_row("C300", ours, "L4")]
    _import(first, day=EXTRACT_DATE - dt.timedelta(days=10))
    second = [
        dict(first[0], minutes_per_call="60"),  # L1 changes
        first[1],  # L2 unchanged
        dict(first[2], supplier_reference=ours, family_name="Moved"),  # C200 moves, renamed
        person_row("C400", theirs, "L5"),  # someone new
        # L4 (C300) is left out of this full extract: it ends
    ]
    lines_before, people_before = _count(PackageLine), _count(ServiceUser)
    ends_before = _ends()
    events_before = _events()
    previewed, applied = _import(second)
    assert (
        previewed
        == applied
        == {
            "people_new": 1,
            "people_changed": 1,
            "people_moved": 1,
            "lines_started": 1,
            "lines_changed": 2,  # L1, and L3 to its new provider
            "lines_ended": 1,
            "lines_unchanged": 1,
        }
    )
    assert _count(ServiceUser) - people_before == previewed["people_new"]
    started = previewed["lines_started"] + previewed["lines_changed"]
    assert _count(PackageLine) - lines_before == started
    ends_after = _ends()
    ended = [id_ for id_, end in ends_before.items() if ends_after[id_] != end]
    assert len(ended) == previewed["lines_changed"] + previewed["lines_ended"]
    events = _events()
    assert events["package_line.started"] - events_before["package_line.started"] == started
    assert events["package_line.ended"] - events_before["package_line.ended"] == len(ended)
    assert events["service_user.created"] - events_before["service_user.created"] == 1
    assert events["service_user.moved"] - events_before["service_user.moved"] == 1
    assert events["service_user.updated"] - events_before["service_user.updated"] == 1


def _ends() -> dict[int, dt.date | None]:
    """Each line's end date, by id."""
    return dict(db.session.execute(select(PackageLine.id, PackageLine.end_date)).tuples().all())


_ACTIONS = (
    "package_line.started",
    "package_line.ended",
    "service_user.created",
    "service_user.moved",
    "service_user.updated",
)


def _events() -> dict[str, int]:
    counts = db.session.execute(
        select(AuditEvent.action, func.count()).group_by(AuditEvent.action)
    ).all()
    return dict.fromkeys(_ACTIONS, 0) | dict(counts)


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("A", "A"),
        ("White – British", "A"),
        ("white - british", "A"),
        ("White British", "A"),
        ("Asian or Asian British - Indian", "H"),
        ("not stated", "Z"),
    ],
)
def test_ethnic_categories_read_as_case_systems_write_them(
    world: World, written: str, code: str
) -> None:
    row = person_row("C100", world.provider.supplier_reference, "L1", ethnicity=written)
    checked = operations.check_file(
        read_table("extract.csv", extract_csv([row]), LAYOUT), extract_date=EXTRACT_DATE, full=False
    )
    assert checked.problems == []
    assert checked.extract.people["C100"].ethnicity == code


def test_the_preview_lists_its_changes_a_page_at_a_time(as_role, world: World) -> None:
    ours = world.provider.supplier_reference
    rows = [person_row("C500", ours, f"P{n:02d}") for n in range(60)]
    client = as_role(Role.COMMISSIONER)
    preview = _post_file(client, extract_csv(rows), scope="changes").location
    page = text_of(client.get(preview))
    assert "Changes 1 to 50 of 61" in page  # the new person, then 60 lines
    assert "Line P48" in page and "Line P49" not in page
    page = text_of(client.get(preview + "?page=2"))
    assert "Changes 51 to 61 of 61" in page
    assert "Line P49" in page and "Line P59" in page
