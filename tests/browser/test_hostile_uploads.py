"""Hostile files at the case system import, in a browser at a desktop width and at 320
pixels: a zip bomb named .xlsx is refused with the error summary and the message beside the
file box, and a file larger than any upload is answered by the page that says so. Every
page is checked by axe-core and photographed (pages.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.caseload.extract import LAYOUT
from portal.common.roles import Role
from tests.browser.pages import BrowserFactory
from tests.browser.server import LiveServer, Seed
from tests.browser.test_caseload import _upload
from tests.browser.test_loop import sign_in
from tests.browser.test_outcomes import error_summary
from tests.integration.test_upload_fuzz import MAX_REQUEST, _not_what_they_say, _padded_csv


@pytest.mark.parametrize("width", [1280, 320])
def test_a_zip_bomb_and_a_file_too_big_are_refused(
    open_browser: BrowserFactory, live_server: LiveServer, seed: Seed, tmp_path: Path, width: int
) -> None:
    commissioner = open_browser(
        f"hostile-uploads-{width}", viewport={"width": width, "height": 800}
    )
    commissioner.goto("/")
    sign_in(commissioner, seed.emails[Role.COMMISSIONER])
    commissioner.goto("/case-system/import")

    _, bomb_content = _not_what_they_say(LAYOUT, "extract")["a zip bomb"]
    bomb = tmp_path / "extract.xlsx"
    bomb.write_bytes(bomb_content)
    _upload(commissioner, bomb)
    assert "The selected file is too large once unpacked" in error_summary(commissioner)
    message = commissioner.page.locator(".govuk-error-message")
    assert "too large once unpacked" in message.inner_text()
    assert commissioner.page_width() <= width

    huge = tmp_path / "huge.csv"
    huge.write_bytes(_padded_csv(LAYOUT, MAX_REQUEST + 1))
    _upload(commissioner, huge)
    commissioner.answered(413)
    commissioner.expect_heading("The file is too big")
    assert "No file larger than 5MB can be sent" in commissioner.text()
    assert commissioner.page_width() <= width
