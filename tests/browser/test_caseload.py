"""A commissioner imports package lines from the case system: a file with problems is
refused whole, a good one is previewed and applied, from the keyboard; and the rate card.
Every page reached is checked by axe-core and photographed (see pages.py), at a desktop
width and at 320 pixels."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from portal.common.dates import today
from portal.common.roles import Role
from portal.extensions import db
from portal.providers.models import PackageLine, Provider
from tests.browser.pages import Browser, BrowserFactory
from tests.browser.server import LiveServer, Seed
from tests.browser.test_loop import fill_date, sign_in, table_rows
from tests.browser.test_outcomes import error_summary
from tests.factories import ProviderFactory
from tests.integration.caseload_files import extract_csv, person_row

# The test's own provider: the people it imports must not join the seed provider's, whose
# returns owed other browser tests count.
IMPORTED_TO = "Lapwing Home Care"


def _supplier(live_server: LiveServer, name: str) -> str:
    """The supplier reference of a provider of the test's own, added if need be."""
    assert live_server.app is not None
    with live_server.app.app_context():
        reference = db.session.scalars(
            select(Provider.supplier_reference).where(Provider.name == name)
        ).first()
        if reference is None:
            reference = ProviderFactory(name=name).supplier_reference
            db.session.commit()
        db.session.remove()
    return str(reference)


def _lines(live_server: LiveServer, line_id: str) -> int:
    assert live_server.app is not None
    with live_server.app.app_context():
        count = len(
            db.session.scalars(
                select(PackageLine.id).where(PackageLine.case_system_line_id == line_id)
            ).all()
        )
        db.session.remove()
    return count


def _upload(browser: Browser, path: Path) -> None:
    page = browser.page
    page.get_by_label("Upload the extract").set_input_files(path)
    fill_date(browser, "When was the extract taken?", today())
    page.get_by_label("Only lines that are new or have changed", exact=False).check()
    browser.click_button("Check the file")


def test_a_commissioner_imports_package_lines(
    open_browser: BrowserFactory, live_server: LiveServer, seed: Seed, tmp_path: Path
) -> None:
    supplier = _supplier(live_server, IMPORTED_TO)
    commissioner = open_browser("caseload-import")
    commissioner.goto("/")
    sign_in(commissioner, seed.emails[Role.COMMISSIONER])
    commissioner.open_from_menu("Case system import")
    commissioner.expect_heading("Import package lines from the case system")
    commissioner.page.get_by_text("The columns the file needs").click()
    commissioner.check_page()  # the columns, shown

    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        extract_csv(
            [
                person_row("B900", supplier, "BL1", calls_per_day=13),
                person_row("B901", "NOSUCH", "BL2"),
            ]
        )
    )
    _upload(commissioner, bad)
    commissioner.expect_heading("Import package lines from the case system")
    assert "The file has 2 problems: nothing has been changed" in error_summary(commissioner)
    assert table_rows(commissioner, "Problems in the file") == [
        ["2", "calls_per_day", "The calls a day must be from 1 to 12"],
        ["3", "supplier_reference", "NOSUCH is not a provider’s supplier reference"],
    ]
    assert _lines(live_server, "BL1") == 0

    good = tmp_path / "good.csv"
    good.write_bytes(
        extract_csv(
            [
                person_row("B900", supplier, "BL1"),
                person_row("B900", supplier, "BL2", days_of_week="Mon-Fri", minutes_per_call=45),
            ]
        )
    )
    _upload(commissioner, good)
    commissioner.expect_heading("Check what the import will change")
    counts = dict(table_rows(commissioner, "What will change"))
    assert (counts["People new to the register"], counts["Lines started"]) == ("1", "2")
    changes = table_rows(commissioner, "Changes 1 to 3 of 3")
    assert changes[0] == ["New person", "B900", f"Ada Person B900, with {IMPORTED_TO}"]
    assert _lines(live_server, "BL1") == 0  # a preview changes nothing

    # From the keyboard: the apply button is the next stop after the changes table.
    commissioner.page.get_by_role("region", name="Changes").focus()
    commissioner.page.keyboard.press("Tab")
    assert commissioner.focused("el => el.textContent.trim()") == "Apply these changes"
    commissioner.press_and_wait("Enter")
    commissioner.expect_heading("Import applied")
    assert "Import applied: 2 lines started, 0 changed and 0 ended" in (
        commissioner.success_banner()
    )
    assert _lines(live_server, "BL1") == 1

    # At 320 pixels, nothing scrolls sideways.
    phone = open_browser("caseload-import-320px", viewport={"width": 320, "height": 640})
    phone.goto(commissioner.page.url)
    sign_in(phone, seed.emails[Role.COMMISSIONER])
    phone.expect_heading("Import applied")
    assert phone.page_width() <= 320
    phone.goto("/case-system/import")
    assert phone.page_width() <= 320


def test_a_commissioner_adds_a_rate_to_the_card(open_browser: BrowserFactory, seed: Seed) -> None:
    commissioner = open_browser("rate-card")
    commissioner.goto("/")
    sign_in(commissioner, seed.emails[Role.COMMISSIONER])
    commissioner.open_from_menu("Rate card")
    commissioner.expect_heading("Rate card")
    page = commissioner.page
    page.get_by_label("Pricing zone").select_option("rural")
    page.get_by_label("Care category").select_option("palliative")
    page.get_by_label("Hourly rate").fill("24.10")
    start = today() + dt.timedelta(days=30)
    fill_date(commissioner, "When does the rate start?", start)
    commissioner.click_button("Add the rate")
    assert "Rural palliative and end of life care is £24.10 an hour" in (
        commissioner.success_banner()
    )
    rows = table_rows(commissioner, "Every rate, current, past and to come")
    assert ["Rural", "Palliative and end of life", "£24.10", f"{start:%-d %B %Y}"] == rows[0][:4]
    phone = open_browser("rate-card-320px", viewport={"width": 320, "height": 640})
    phone.goto("/rate-card")
    sign_in(phone, seed.emails[Role.COMMISSIONER])
    phone.expect_heading("Rate card")
    assert phone.page_width() <= 320
