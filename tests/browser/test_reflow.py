"""Tables that reflow: at 320 pixels the review queue, a recommendation's current and proposed
package and an upload's problems show every column inside the screen, each row a block of
its own with each value beside its column's heading, while screen readers still meet a table
with its column headings; at 1280 pixels they are ordinary tables.

Each page reached is checked by axe-core and photographed (see pages.py)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from portal.common.dates import format_date, today
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes.measures import MEASURES
from portal.outcomes.queries import outcome_period_on
from portal.outcomes.uploads import CASE_REFERENCE, NAME, column
from portal.providers.models import ServiceUser
from tests.browser.pages import Browser, BrowserFactory
from tests.browser.reflow import assert_a_table, assert_reflowed
from tests.browser.server import LiveServer
from tests.browser.test_loop import sign_in
from tests.browser.test_recommendations import (
    World,
    WorldMaker,
    _app,
    make_world,  # noqa: F401 (the fixture)
    submit_a_reduction,
)

pytestmark = pytest.mark.browser

QUEUE = "Recommendations awaiting a decision"
COMPARISON = "Current and proposed package"
PROBLEMS = "Problems in the file"


def _upload_page(live_server: LiveServer, world: World) -> tuple[str, str]:
    """The address of this quarter's upload page, and the world's person's case reference."""
    with _app(live_server).app_context():
        period = outcome_period_on(today())
        assert period is not None
        person = db.session.get(ServiceUser, world.person_id)
        assert person is not None
        found = (f"/outcome-periods/{period.id}/upload", person.case_reference)
        db.session.remove()
    return found


def _bad_file(path: Path, world: World, case_reference: str) -> Path:
    """The person's return with two mistakes: a result that is none of the four, and a
    source that is not one of its measure's."""
    row = {CASE_REFERENCE: case_reference, NAME: world.full_name}
    for measure in MEASURES:
        row[column(measure, "result")] = "met"
        row[column(measure, "evidence")] = f"Seen at the review ({measure.code})."
        row[column(measure, "sources")] = ""
        row[column(measure, "not applicable reason")] = ""
    row[column(MEASURES[0], "result")] = "mostly"
    row[column(MEASURES[-1], "sources")] = "A letter from the GP"
    with open(path, "w", newline="", encoding="utf-8") as csv_file:
        writer = csv.DictWriter(csv_file, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    return path


@pytest.mark.parametrize("width", [320, 1280])
def test_the_queue_the_package_and_an_uploads_problems_fit_the_screen(
    open_browser: BrowserFactory,
    live_server: LiveServer,
    make_world: WorldMaker,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
    width: int,
) -> None:
    size = "Narrow" if width < 641 else "Wide"
    officer = f"Rhys {size}"
    world = make_world(
        f"Reflow {size} Care", ("Rosa", f"Reed{size}"), officers={officer: Role.CARE_MANAGER}
    )
    submit_a_reduction(live_server, world)
    upload_page, case_reference = _upload_page(live_server, world)
    viewport = {"width": width, "height": 800}

    def looks_right(browser: Browser, caption: str) -> None:
        if width < 641:
            assert_reflowed(browser, caption, width=width)
        else:
            assert_a_table(browser, caption)

    # The care manager's queue, and the recommendation from it.
    council = open_browser(f"reflow-{width}-care-manager", viewport=viewport)
    council.goto("/review")
    sign_in(council, world.officers[officer])
    council.goto("/review")
    council.expect_heading("Review queue")
    looks_right(council, QUEUE)
    council.click_link(world.full_name)
    looks_right(council, COMPARISON)
    if width < 641:  # the figures a decision turns on, beside their headings
        text = council.page.get_by_role("table", name=COMPARISON).inner_text()
        assert re.search(r"Weekly cost\s+-£", text), text

    # The provider's upload, refused with its problems.
    provider = open_browser(f"reflow-{width}-provider", viewport=viewport)
    provider.goto(upload_page)
    sign_in(provider, world.manager_email)
    provider.goto(upload_page)
    page = provider.page
    page.get_by_label("Upload a file").set_input_files(
        _bad_file(tmp_path / "returns.csv", world, case_reference)
    )
    page.get_by_label(
        "I confirm these returns are correct to the best of my knowledge, and want to submit them"
    ).check()
    provider.click_button("Upload and submit")
    assert provider.page.get_by_role("table", name=PROBLEMS).locator("tbody tr").count() == 2
    looks_right(provider, PROBLEMS)


def test_a_provider_managers_lists_fit_a_phones_screen(
    open_browser: BrowserFactory,
    live_server: LiveServer,
    make_world: WorldMaker,  # noqa: F811 (the fixture imported above)
) -> None:
    """The lists a provider manager works through, at 320 pixels: their people, a person's
    package, the quarter's returns with each one's state and the link to act on it, and
    their recommendations."""
    world = make_world("Reflow Lists Care", ("Lena", "Lister"))
    submit_a_reduction(live_server, world)
    upload_page, _case_reference = _upload_page(live_server, world)
    period_page = upload_page.removesuffix("/upload")

    provider = open_browser("reflow-320-provider-lists", viewport={"width": 320, "height": 800})
    provider.goto("/service-users")
    sign_in(provider, world.manager_email)
    provider.goto("/service-users")
    assert_reflowed(provider, "Service users", width=320)
    provider.click_link(world.listed_as)
    assert_reflowed(provider, f"Package lines in force on {format_date(today())}", width=320)
    provider.goto(period_page)
    caption = provider.page.locator("table caption").inner_text().strip()
    assert caption.startswith("People owed an outcome return for ")
    assert_reflowed(provider, caption, width=320)
    start = provider.page.get_by_role("link", name=f"Start the return for {world.full_name}")
    box = start.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
    provider.goto("/recommendations")
    assert_reflowed(provider, "Your recommendations", width=320)
