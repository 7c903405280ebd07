"""A signed-in person changes their own password: the current one first, the new one
twice and within the policy. Their other sessions end (a copied cookie stops working),
this browser carries on in a new session, the change is audited without the password and
they are emailed a notice. "Forgotten your password?" emails a one-time, expiring link
to an active account, answers the same whoever asks, and using the link ends every
session."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from portal.accounts.models import LinkPurpose, PasswordLink, SessionEnd, User, UserSession
from portal.audit.models import AuditEvent
from portal.common.models import utcnow
from portal.common.roles import Role
from portal.extensions import db
from portal.notifications.models import OutgoingEmail
from tests.client import CheckedClient, text_of
from tests.factories import PASSWORD
from tests.fixtures import World, sign_in
from tests.integration.helpers import audit_events, copy_of_cookie

NEW = "lantern walnut harbour"
QUEUE = "/review"  # a care manager's page
_LINK = re.compile(r"https://homecare\.testshire\.example(/set-password/[A-Za-z0-9_-]+)")


@pytest.fixture
def mail(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.testshire.example")
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://homecare.testshire.example")


def _other_browser(app: Flask, user: User) -> CheckedClient:
    other: CheckedClient = app.test_client()  # type: ignore[assignment]
    sign_in(other, user)
    assert other.get(QUEUE).status_code == 200
    return other


def _change(
    client: CheckedClient, current: str = PASSWORD, new: str = NEW, again: str = NEW
) -> Any:
    return client.post(
        "/account/password",
        data={"current_password": current, "password": new, "password_again": again},
    )


def _emails() -> list[OutgoingEmail]:
    return list(db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)))


def test_your_account_links_to_the_change_page(client: CheckedClient, world: World) -> None:
    sign_in(client, world.users[Role.CARE_MANAGER])
    page = client.get(QUEUE).get_data(as_text=True)
    assert re.search(r'<a [^>]*href="/account"[^>]*>Your account</a>', page)
    page = client.get("/account").get_data(as_text=True)
    assert re.search(
        r'<a [^>]*href="/account/password"[^>]*>Change<span[^>]*> password</span></a>', page
    )
    assert "Change your password" in text_of(client.get("/account/password"))


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(
    app: Flask, client: CheckedClient, world: World, mail: None
) -> None:
    user = world.users[Role.CARE_MANAGER]
    elsewhere = _other_browser(app, user)
    sign_in(client, user)
    copied = copy_of_cookie(app, client)  # this browser's cookie as it was before the change
    assert copied.get(QUEUE).status_code == 200

    response = _change(client)
    assert response.status_code == 302
    landing = text_of(client.get(response.location, follow_redirects=True))
    assert "Your password has been changed. You have been signed out everywhere else." in landing
    assert client.get(QUEUE).status_code == 200, "this browser carries on"
    assert elsewhere.get(QUEUE).status_code == 302, "another browser is signed out"
    assert copied.get(QUEUE).status_code == 302, "the old session id is worth nothing"

    db.session.refresh(user)
    assert user.check_password(NEW) and not user.check_password(PASSWORD)
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert sorted(str(row.end_reason) for row in rows) == [
        "None",
        SessionEnd.PASSWORD_CHANGED,
        SessionEnd.PASSWORD_CHANGED,
    ]
    [event] = audit_events(user, "account.password_changed")
    assert event.actor_id == user.id
    assert event.after == {"password": "changed", "other_sessions_ended": 1}
    assert PASSWORD not in repr(event.after) and NEW not in repr(event.after)

    [notice] = _emails()
    assert notice.recipient == user.email
    assert notice.subject == "Your password for Home care outcomes has changed"
    assert "If you did not change it" in notice.body
    assert "https://homecare.testshire.example/forgotten-password" in notice.body
    assert NEW not in notice.body

    again = app.test_client()
    assert again.post("/sign-in", data={"email": user.email, "password": NEW}).status_code == 302
    assert (
        again.post("/sign-in", data={"email": user.email, "password": PASSWORD}).status_code == 200
    )


@pytest.mark.parametrize(
    ("current", "new", "again", "field", "message"),
    [
        ("not my password", NEW, NEW, "current_password", "Your current password is not right"),
        (PASSWORD, NEW, NEW + "s", "password_again", "The new passwords do not match"),
        (PASSWORD, "Password123!", "Password123!", "password", "Password is too common"),
        (PASSWORD, PASSWORD, PASSWORD, "password", "must be different from your current one"),
        ("", NEW, NEW, "current_password", "Enter your current password"),
    ],
)
def test_a_refused_change_says_why_beside_the_field_and_changes_nothing(
    app: Flask,
    client: CheckedClient,
    world: World,
    mail: None,
    current: str,
    new: str,
    again: str,
    field: str,
    message: str,
) -> None:
    user = world.users[Role.CARE_MANAGER]
    elsewhere = _other_browser(app, user)
    sign_in(client, user)
    before = user.password_hash
    response = _change(client, current, new, again)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert message in text_of(response)
    assert "govuk-error-summary" in page
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == before  # type: ignore[union-attr]
    assert elsewhere.get(QUEUE).status_code == 200
    assert audit_events(user, "account.password_changed") == []
    assert _emails() == []


def test_the_change_page_needs_a_sign_in(client: CheckedClient, world: World) -> None:
    assert client.get("/account/password").status_code == 302
    response = _change(client)
    assert response.status_code == 302 and response.location.startswith("/sign-in")


# "Forgotten your password?"


def _forgotten(client: CheckedClient, email: str) -> str:
    response = client.post("/forgotten-password", data={"email": email})
    assert response.status_code == 302
    assert response.location == "/forgotten-password/sent"
    return text_of(client.get(response.location))


def _link_in(email: OutgoingEmail) -> str:
    found = _LINK.search(email.body)
    assert found, email.body
    return found.group(1)


def test_the_sign_in_page_offers_a_reset(client: CheckedClient, mail: None) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/forgotten-password"' in page and "Forgotten your password?" in page


def test_a_reset_link_sets_a_new_password_and_ends_every_session(
    app: Flask, client: CheckedClient, world: World, mail: None
) -> None:
    user = world.users[Role.CARE_MANAGER]
    elsewhere = _other_browser(app, user)
    answer = _forgotten(client, "  " + user.email.upper())
    assert "If an account uses that address, we have sent a link" in answer
    assert "The link works once, for 60 minutes" in answer

    [email] = _emails()
    assert email.recipient == user.email
    assert email.subject == "Reset your password for Home care outcomes"
    link = _link_in(email)
    assert "It works once, for 60 minutes" in email.body
    form = text_of(client.get(link))
    assert "Choose a new password" in form and user.email in form

    response = client.post(link, data={"password": NEW})
    assert response.status_code == 302 and response.location == "/sign-in"
    assert elsewhere.get(QUEUE).status_code == 302, "every session ended"
    assert client.post("/sign-in", data={"email": user.email, "password": NEW}).status_code == 302
    assert client.get(link).status_code == 404, "the link works once"

    [requested] = audit_events(user, "account.reset_requested")
    assert requested.after is not None and requested.after["account"] == "known"
    [used] = audit_events(user, "account.password_set")
    assert used.after == {
        "password": "set",
        "link_id": used.after["link_id"],
        "purpose": "reset",
        "sessions_ended": 1,
    }


def test_the_answer_is_the_same_whether_or_not_an_account_has_the_address(
    client: CheckedClient, world: World, mail: None
) -> None:
    user = world.users[Role.CARE_MANAGER]
    known = _forgotten(client, user.email)
    unknown = _forgotten(client, "nobody@council.example")
    assert known == unknown
    assert [email.recipient for email in _emails()] == [user.email]
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "account.reset_requested")
        .order_by(AuditEvent.id)
    ).all()
    assert [event.after["account"] for event in events if event.after] == ["known", "none"]


def test_a_disabled_account_is_sent_no_link(
    client: CheckedClient, world: World, mail: None
) -> None:
    user = world.users[Role.CARE_MANAGER]
    user.active = False
    db.session.commit()
    answer = _forgotten(client, user.email)
    assert "If an account uses that address, we have sent a link" in answer
    assert _emails() == []
    assert db.session.scalars(select(PasswordLink)).all() == []
    [event] = audit_events(user, "account.reset_requested")
    assert event.after is not None and event.after["account"] == "inactive"


def test_a_reset_link_expires(client: CheckedClient, world: World, mail: None) -> None:
    user = world.users[Role.CARE_MANAGER]
    _forgotten(client, user.email)
    link = _link_in(_emails()[0])
    row = db.session.scalars(select(PasswordLink)).one()
    assert row.purpose is LinkPurpose.RESET
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=dt.UTC)
    assert dt.timedelta(minutes=59) < expires - utcnow() <= dt.timedelta(minutes=60)
    db.session.execute(
        update(PasswordLink)
        .where(PasswordLink.id == row.id)
        .values(expires_at=utcnow() - dt.timedelta(seconds=1))
    )
    db.session.commit()
    response = client.post(link, data={"password": NEW})
    assert response.status_code == 404
    assert "This link has expired." in text_of(response)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_a_newer_reset_link_withdraws_the_older(
    client: CheckedClient, world: World, mail: None
) -> None:
    user = world.users[Role.CARE_MANAGER]
    _forgotten(client, user.email)
    _forgotten(client, user.email)
    first, second = (_link_in(email) for email in _emails())
    assert "replaced by a newer one" in text_of(client.get(first))
    assert client.get(second).status_code == 200


def test_a_reset_refuses_a_weak_password_beside_the_field(
    client: CheckedClient, world: World, mail: None
) -> None:
    user = world.users[Role.CARE_MANAGER]
    _forgotten(client, user.email)
    link = _link_in(_emails()[0])
    response = client.post(link, data={"password": "P@ssw0rd2026"})
    assert response.status_code == 200
    assert "Password is too common" in text_of(response)
    assert 'id="password-error"' in response.get_data(as_text=True)
    assert client.get(link).status_code == 200, "the link is not used up"
