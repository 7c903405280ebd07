"""A commissioner works through the outcome returns waiting to be accepted, at 1280 and at
320 pixels: from What needs you to the queue by quarter and provider, then one provider's
returns, two of them accepted together by keyboard alone, the third opened and accepted on
its own page.

The test writes its own provider, people and returns into the live database. Every page
reached is checked by axe-core and photographed (see pages.py)."""

from __future__ import annotations

import re
from typing import cast

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.common.dates import today
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes import owed
from portal.outcomes.measures import MEASURES, MeasureResult
from portal.outcomes.operations import AnswerData, save_answers, submit_return
from portal.outcomes.queries import outcome_period_on
from portal.providers.models import Provider, ServiceUser
from tests.browser.pages import BrowserFactory
from tests.browser.reflow import assert_reflowed
from tests.browser.server import LiveServer
from tests.browser.test_loop import sign_in
from tests.browser.test_recommendations import (
    World,
    WorldMaker,
    _app,
    make_world,  # noqa: F401 (the fixture)
)
from tests.factories import PackageLineFactory, ServiceUserFactory

pytestmark = pytest.mark.browser


def returns_handed_in(live_server: LiveServer, world: World, others: list[str]) -> str:
    """This quarter's returns for the world's person and for people named ``others``, all
    handed in by the provider's manager; the quarter's label."""
    with _app(live_server).app_context():
        period = outcome_period_on(today())
        assert period is not None
        manager = db.session.scalar(select(User).where(User.email == world.manager_email))
        provider = db.session.get(Provider, world.provider_id)
        assert manager is not None and provider is not None
        people = [db.session.get_one(ServiceUser, world.person_id)]
        for name in others:
            given, family = name.split()
            person = cast(
                ServiceUser,
                ServiceUserFactory(provider=provider, given_name=given, family_name=family),
            )
            PackageLineFactory(service_user=person)
            people.append(person)
        db.session.flush()
        owed.lines_changed([person.id for person in people])
        answers = [
            AnswerData(measure=m.code, result=MeasureResult.MET, evidence="Seen at review.")
            for m in MEASURES
        ]
        for person in people:
            submit_return(
                save_answers(period=period, service_user=person, answers=answers, by=manager),
                by=manager,
            )
        label = period.label
        db.session.commit()
        db.session.remove()
    return label


@pytest.mark.parametrize("width", [1280, 320])
def test_a_commissioner_accepts_returns_several_at_once_and_one_by_one(
    open_browser: BrowserFactory,
    live_server: LiveServer,
    make_world: WorldMaker,  # noqa: F811 (the fixture imported above)
    width: int,
) -> None:
    size = "Narrow" if width < 641 else "Wide"
    officer = f"Cass {size}"
    world = make_world(
        f"Acceptance {size} Care",
        ("Ada", f"Abbot{size}"),
        officers={officer: Role.COMMISSIONER},
    )
    second, third = f"Bea Baker{size}", f"Cyd Cole{size}"
    label = returns_handed_in(live_server, world, [second, third])
    caption = f"Returns waiting from {world.provider_name}"

    council = open_browser(f"acceptance-{width}", viewport={"width": width, "height": 800})
    council.goto("/")
    sign_in(council, world.officers[officer])
    council.expect_heading("What needs you")
    council.click_link(re.compile(r"^\d+ outcome returns? waiting to be accepted$"))
    council.expect_heading("Outcome returns to accept")
    council.click_link(f"{world.provider_name} returns for {label}")
    council.expect_heading(f"Returns to accept for {label}")
    assert "3 returns are waiting" in council.text()
    if width < 641:
        assert_reflowed(council, caption, width=width)
    assert council.page_width() <= width

    # Sending none says what to do, beside the boxes.
    council.click_button("Accept selected returns")
    assert (
        "Select the returns to accept" in council.page.locator(".govuk-error-summary").inner_text()
    )

    # Two chosen and sent by keyboard alone.
    page = council.page
    page.get_by_label(world.full_name, exact=True).focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # to the first one's Open link
    page.keyboard.press("Tab")  # to the second box
    assert council.focused("el => el.labels[0].innerText") == second
    page.keyboard.press("Space")
    page.get_by_role("button", name="Accept selected returns").focus()
    council.press_and_wait("Enter")
    assert f"2 returns from {world.provider_name} for {label} accepted." in council.success_banner()
    assert "1 return is waiting" in council.text()

    # The third, opened and accepted on its own page.
    council.click_link(f"Open the return for {third}")
    council.expect_heading(f"Outcome return, {label}")
    page.get_by_role("radio", name="Accept the return").check()
    council.click_button("Confirm")
    assert "Return accepted" in council.success_banner()
    council.click_link(f"This provider’s other returns to accept for {label}")
    assert (
        f"No returns from {world.provider_name} for {label} are waiting to be accepted"
        in council.text()
    )
    assert council.page_width() <= width
