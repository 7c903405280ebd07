"""The audit viewer in a real browser: an administrator finds a colleague's sign-in by its
filters, is told beside the field when a date is not one, opens the event to read its values,
and reads the list on a phone-width screen. Every page is checked by axe-core."""

from __future__ import annotations

import pytest

from portal.common.roles import Role
from tests.browser.pages import BrowserFactory
from tests.browser.server import LiveServer
from tests.browser.test_finance import a_council_officer
from tests.browser.test_loop import sign_in
from tests.browser.test_outcomes import error_summary, signed_in

pytestmark = pytest.mark.browser


def test_an_administrator_finds_a_sign_in_in_the_audit_trail(
    open_browser: BrowserFactory, live_server: LiveServer
) -> None:
    colleague = a_council_officer(live_server, "Cat Colleague", Role.CARE_MANAGER)
    signed_in(open_browser, "audit-colleague", colleague)
    admin_email = a_council_officer(live_server, "Ava Auditor", Role.ADMINISTRATOR)
    admin = signed_in(open_browser, "audit-administrator", admin_email)
    admin.open_from_menu("Audit trail")
    admin.expect_heading("Audit trail")

    admin.page.get_by_label("Action").select_option("account.signed_in")
    admin.page.get_by_label("Done by (name or email address)").fill("cat colleague")
    admin.click_button("Show events")
    assert "Showing 1 to 1 of 1 event." in admin.text()
    assert colleague in admin.text()

    # A date that is not one is explained, and the other filters stay as chosen.
    admin.page.get_by_role("group", name="Date from").get_by_label("Day").fill("31")
    admin.page.get_by_role("group", name="Date from").get_by_label("Month").fill("2")
    admin.page.get_by_role("group", name="Date from").get_by_label("Year").fill("2026")
    admin.click_button("Show events")
    assert "Date from must be a real date" in error_summary(admin)
    assert "Showing 1 to 1 of 1 event." in admin.text()

    admin.click_and_wait(admin.page.locator("tbody a").first)
    admin.expect_heading("account.signed_in")
    assert "Cat Colleague" in admin.text() and "last_signed_in_at" in admin.text()
    admin.click_link("Every event for this record")
    admin.expect_heading("Audit trail")

    phone = open_browser("audit-phone", viewport={"width": 320, "height": 640})
    phone.goto("/")
    sign_in(phone, admin_email)
    phone.goto("/audit")
    phone.expect_heading("Audit trail")
    assert phone.page_width() <= 320
