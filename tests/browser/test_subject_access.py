"""A commissioner answers a subject access request from the person's page, in a real
browser at desktop and phone width (each page checked by axe-core and photographed): the
PDF and the JSON download, and each holds the person's record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portal.common.roles import Role
from tests.browser.pages import BrowserFactory
from tests.browser.server import Seed
from tests.browser.test_finance import download, pdf_text
from tests.browser.test_loop import sign_in
from tests.browser.test_outcomes import signed_in

pytestmark = pytest.mark.browser

SECTION = "Download everything held about this person"


def test_a_commissioner_downloads_everything_held_about_a_person(
    open_browser: BrowserFactory, seed: Seed, tmp_path: Path
) -> None:
    commissioner = signed_in(open_browser, "sar-commissioner", seed.emails[Role.COMMISSIONER])
    commissioner.goto(f"/service-users/{seed.person_id}")
    commissioner.expect_heading(seed.person_full_name)
    assert SECTION in commissioner.text()

    name, pdf = download(
        commissioner, f"Download as a PDF everything held about {seed.person_full_name}"
    )
    assert name.startswith(f"subject-access-{seed.person_id}-") and name.endswith(".pdf")
    text = pdf_text(pdf, tmp_path / "pdf")
    assert "Subject access request" in text
    assert seed.person_full_name in text and seed.person_case_reference in text

    name, body = download(
        commissioner, f"Download as JSON everything held about {seed.person_full_name}"
    )
    held = json.loads(body)
    assert held["person"]["case_reference"] == seed.person_case_reference
    assert held["package_lines"], "the person's package line is missing"

    phone = open_browser("sar-phone", viewport={"width": 320, "height": 640})
    phone.goto("/")
    sign_in(phone, seed.emails[Role.COMMISSIONER])
    phone.goto(f"/service-users/{seed.person_id}")
    assert SECTION in phone.text()
    assert phone.page_width() <= 320


def test_a_care_manager_is_not_offered_the_download(
    open_browser: BrowserFactory, seed: Seed
) -> None:
    care_manager = signed_in(open_browser, "sar-care-manager", seed.emails[Role.CARE_MANAGER])
    care_manager.goto(f"/service-users/{seed.person_id}")
    care_manager.expect_heading(seed.person_full_name)
    assert SECTION not in care_manager.text()
