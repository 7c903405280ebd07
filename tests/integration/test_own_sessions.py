"""Your sessions (/account/sessions): a signed-in person sees this browser and their other
open sessions (browser, IP address, when signed in and last used, in London time) and signs
any other out, one or all; a copy of an ended session's cookie is sent to sign in. Only
their own other sessions can be ended: any other id is "Page not found"."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from sqlalchemy import select, update

from portal.accounts.models import SessionEnd, User, UserSession
from portal.audit.models import AuditEvent
from portal.common.models import utcnow
from portal.common.roles import Role
from portal.extensions import db
from tests.client import CheckedClient, text_of
from tests.fixtures import World, sign_in
from tests.integration.helpers import copy_of_cookie

PAGE = "/account/sessions"
QUEUE = "/review"  # a care manager's page
CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def _browser(app: Flask, user: User, agent: str, address: str) -> CheckedClient:
    """A browser of ``user``'s, signed in from ``address``."""
    browser: CheckedClient = app.test_client()  # type: ignore[assignment]
    browser.environ_base.update({"HTTP_USER_AGENT": agent, "REMOTE_ADDR": address})
    sign_in(browser, user)
    assert browser.get(PAGE).status_code == 200
    return browser


def _sent_to_sign_in(client: CheckedClient) -> bool:
    response = client.get(PAGE)
    return response.status_code == 302 and response.location.startswith("/sign-in?next=")


def _sessions(user: User) -> list[UserSession]:
    return list(
        db.session.scalars(
            select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
        )
    )


def _dated(row: UserSession, **moments: dt.datetime) -> None:
    db.session.execute(update(UserSession).where(UserSession.id == row.id).values(**moments))
    db.session.commit()


def _end_buttons(client: CheckedClient) -> list[str]:
    page = client.get(PAGE).get_data(as_text=True)
    return re.findall(r'action="(/account/sessions/\d+/end)"', page)


def test_your_account_links_to_the_page(client: CheckedClient, world: World) -> None:
    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    page = client.get("/account").get_data(as_text=True)
    assert "Signed in on 1 browser" in text_of(client.get("/account"))
    assert re.search(
        r'<a [^>]*href="/account/sessions"[^>]*>View<span[^>]*> your sessions</span></a>', page
    )


def test_the_page_shows_this_browser_and_the_others(
    app: Flask, world: World, db_session: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = world.users[Role.CARE_MANAGER]
    _browser(app, user, SAFARI_ON_IPHONE, "203.0.113.9")
    desk = _browser(app, user, CHROME_ON_WINDOWS, "2001:db8::7")
    phone_row, desk_row = _sessions(user)
    assert (phone_row.device, phone_row.address) == ("Mobile Safari on iOS", "203.0.113.9")
    assert (desk_row.device, desk_row.address) == ("Chrome on Windows", "2001:db8::7")
    # The phone signed in at 9:05am London time (summer time), and was last used at 9:40am:
    # long ago, so the timeouts are made long enough for it to be open still.
    _dated(
        phone_row,
        created_at=dt.datetime(2026, 7, 1, 8, 5, tzinfo=dt.UTC),
        last_seen_at=dt.datetime(2026, 7, 1, 8, 40, tzinfo=dt.UTC),
    )
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 10**7)
    monkeypatch.setitem(app.config, "SESSION_MAX_HOURS", 10**6)
    page = text_of(desk.get(PAGE))
    this, others = page.split("Other sessions", 1)
    assert "This browser Browser Chrome on Windows IP address 2001:db8::7" in this
    assert "Mobile Safari on iOS" not in this
    assert (
        "Mobile Safari on iOS IP address 203.0.113.9 "
        "Signed in 1 July 2026 at 9:05am Last used 1 July 2026 at 9:40am"
    ) in others
    assert "Sign out of Mobile Safari on iOS, last used 1 July 2026 at 9:40am" in others
    assert "Sign out of all other sessions" in others


def test_alone_there_is_nothing_to_sign_out(client: CheckedClient, world: World) -> None:
    sign_in(client, world.users[Role.FINANCE_OFFICER])
    page = text_of(client.get(PAGE))
    assert "Your account is not signed in anywhere else." in page
    assert "Sign out of all other sessions" not in page
    assert _end_buttons(client) == []


def test_a_session_over_by_its_timeouts_is_not_listed(
    app: Flask, world: World, db_session: object
) -> None:
    user = world.users[Role.CARE_MANAGER]
    _browser(app, user, SAFARI_ON_IPHONE, "203.0.113.9")
    desk = _browser(app, user, CHROME_ON_WINDOWS, "198.51.100.4")
    _dated(_sessions(user)[0], last_seen_at=utcnow() - dt.timedelta(minutes=31))
    assert "Mobile Safari on iOS" not in text_of(desk.get(PAGE))


def test_signing_out_another_session_stops_its_cookie(
    app: Flask, world: World, db_session: object
) -> None:
    user = world.users[Role.CARE_MANAGER]
    phone = _browser(app, user, SAFARI_ON_IPHONE, "203.0.113.9")
    copied = copy_of_cookie(app, phone)
    desk = _browser(app, user, CHROME_ON_WINDOWS, "198.51.100.4")
    phone_row, desk_row = _sessions(user)

    [button] = _end_buttons(desk)
    assert button == f"/account/sessions/{phone_row.id}/end"
    response = desk.post(button)
    assert response.status_code == 302 and response.location == PAGE
    page = text_of(desk.get(PAGE))
    assert "Mobile Safari on iOS is signed out" in page
    assert "Your account is not signed in anywhere else." in page

    assert _sent_to_sign_in(copied), "a copy of the ended session's cookie signs no one in"
    assert _sent_to_sign_in(phone)
    assert desk.get(QUEUE).status_code == 200, "this browser carries on"

    db.session.refresh(phone_row)
    db.session.refresh(desk_row)
    assert phone_row.end_reason is SessionEnd.ENDED_BY_USER and phone_row.ended_at is not None
    assert desk_row.ended_at is None
    [event] = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.entity_type == "user_sessions", AuditEvent.entity_id == phone_row.id
        )
    ).all()
    assert event.action == "account.session_ended"
    assert event.actor_id == user.id
    assert event.before == {"ended_at": None, "end_reason": None}
    assert event.after is not None and event.after["end_reason"] == "ended_by_user"

    # Sent again (a second click, another tab): it is already over, and stays so.
    assert desk.post(button).status_code == 302
    assert (
        len(
            db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.entity_id == phone_row.id, AuditEvent.entity_type == "user_sessions"
                )
            ).all()
        )
        == 1
    )


def test_signing_out_every_other_session(app: Flask, world: World, db_session: object) -> None:
    user = world.users[Role.CARE_MANAGER]
    others = [
        _browser(app, user, SAFARI_ON_IPHONE, "203.0.113.9"),
        _browser(app, user, CHROME_ON_WINDOWS, "198.51.100.4"),
    ]
    copies = [copy_of_cookie(app, browser) for browser in others]
    here = _browser(app, user, CHROME_ON_WINDOWS, "198.51.100.5")
    colleague = _browser(app, world.users[Role.COMMISSIONER], CHROME_ON_WINDOWS, "198.51.100.6")

    response = here.post("/account/sessions/end-others")
    assert response.status_code == 302
    assert "You are signed out of every other session" in text_of(here.get(PAGE))
    assert all(_sent_to_sign_in(browser) for browser in [*others, *copies])
    assert here.get(QUEUE).status_code == 200
    assert colleague.get(PAGE).status_code == 200, "nobody else's sessions end"
    ends = [row.end_reason for row in _sessions(user)]
    assert ends == [SessionEnd.ENDED_BY_USER, SessionEnd.ENDED_BY_USER, None]

    here.post("/account/sessions/end-others")
    assert "You were not signed in anywhere else" in text_of(here.get(PAGE))


def test_only_ones_own_other_sessions_can_be_ended(
    app: Flask, world: World, db_session: object
) -> None:
    user = world.users[Role.PROVIDER_MANAGER]
    stranger = world.other_provider_manager
    theirs = _browser(app, stranger, CHROME_ON_WINDOWS, "198.51.100.7")
    mine = _browser(app, user, CHROME_ON_WINDOWS, "198.51.100.8")
    [their_row] = _sessions(stranger)
    [my_row] = _sessions(user)
    for session_id in (their_row.id, my_row.id, my_row.id + their_row.id + 1000):
        response = mine.post(f"/account/sessions/{session_id}/end")
        assert response.status_code == 404, session_id
        assert "Page not found" in text_of(response)
    assert "Your account is not signed in anywhere else." in text_of(mine.get(PAGE))
    assert theirs.get(PAGE).status_code == 200, "their session carries on"
    assert mine.get(PAGE).status_code == 200
    assert (
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "account.session_ended")
        ).all()
        == []
    )


def test_the_page_needs_a_sign_in(client: CheckedClient, world: World) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302 and response.location.startswith("/sign-in?next=")
    assert client.post("/account/sessions/end-others").status_code == 302
