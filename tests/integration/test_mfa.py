"""Multi-factor sign-in: enrolment at the first sign-in where it is required, a code at
every later one, codes and recovery codes that work once, a new session once the second
factor is passed, the password-only state that reaches nothing else, limits on guessing,
and an administrator's reset."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal.accounts.mfa import keys
from portal.accounts.models import RecoveryCode, SessionEnd, User, UserSession
from portal.common.roles import Role
from portal.extensions import db, limiter
from tests.client import CheckedClient, text_of
from tests.factories import PASSWORD
from tests.fixtures import World, sign_in
from tests.integration.helpers import audit_events
from tests.mfa import (
    code,
    enrolled,
    recovery_codes,
    setup_key,
    sign_in_with_code,
    unused_code,
)


@pytest.fixture
def required(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "MFA_REQUIRED", True)


@pytest.fixture
def person(world: World) -> User:
    return world.users[Role.CARE_MANAGER]


def _password(client: CheckedClient, user: User, next_page: str = "") -> Any:
    url = f"/sign-in?next={next_page}" if next_page else "/sign-in"
    return client.post(url, data={"email": user.email, "password": PASSWORD})


def _sessions(user: User) -> list[UserSession]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
        )
    )


def _enrol_through_pages(client: CheckedClient, user: User) -> tuple[str, list[str]]:
    """Sign in where MFA is required, set up the app from the page's key; returns the key
    and the recovery codes shown."""
    answer = _password(client, user)
    assert answer.location.endswith("/sign-in/authenticator")
    secret = setup_key(client.get("/sign-in/authenticator").get_data(as_text=True))
    confirmed = client.post("/sign-in/authenticator", data={"code": code(secret)})
    assert confirmed.status_code == 302
    assert confirmed.location.endswith("/account/multi-factor/recovery-codes")
    codes = recovery_codes(client.get(confirmed.location).get_data(as_text=True))
    saved = client.post("/account/multi-factor/recovery-codes", data={"submit": "y"})
    assert saved.status_code == 302
    return secret, codes


def test_a_person_without_mfa_enrols_at_their_first_sign_in(
    client: CheckedClient, person: User, required: None
) -> None:
    answer = _password(client, person, "/review")
    assert answer.status_code == 302
    assert answer.location.endswith("/sign-in/authenticator")
    # No other page first: each sends them back to set up the app.
    for url in ("/", "/review", "/account/password"):
        assert client.get(url).location.endswith("/sign-in/authenticator"), url

    page = client.get("/sign-in/authenticator")
    html = page.get_data(as_text=True)
    assert "Set up multi-factor sign-in" in text_of(page)
    assert 'src="data:image/svg+xml' in html
    secret = setup_key(html)
    # A wrong code keeps nothing: the key is stored only once a code confirms it.
    wrong = client.post("/sign-in/authenticator", data={"code": "000000"})
    assert wrong.status_code == 200
    assert "Enter the 6-digit code your authenticator app shows now" in text_of(wrong)
    db.session.refresh(person)
    assert person.mfa_secret is None
    assert setup_key(wrong.get_data(as_text=True)) == secret, "the same key on every try"

    confirmed = client.post("/sign-in/authenticator", data={"code": code(secret)})
    assert confirmed.location.endswith("/account/multi-factor/recovery-codes")
    shown = client.get(confirmed.location)
    codes = recovery_codes(shown.get_data(as_text=True))
    assert len(codes) == 10 == len(set(codes))
    assert "You will not be shown these codes again" in text_of(shown)
    saved = client.post(confirmed.location, data={"submit": "y"})
    assert saved.location == "/review", "on to the page first asked for"
    assert client.get(confirmed.location).location.endswith("/account/multi-factor")

    db.session.refresh(person)
    assert person.mfa_secret is not None and secret not in person.mfa_secret
    hashes = db.session.scalars(
        select(RecoveryCode.code_hash).where(RecoveryCode.user_id == person.id)
    ).all()
    assert len(hashes) == 10
    assert not any(c.replace("-", "") in h or c in h for c in codes for h in hashes)
    [event] = audit_events(person, "account.mfa_enrolled")
    assert event.after == {"mfa": "on", "recovery_codes_left": 10}
    assert secret not in str(event.before) + str(event.after)
    assert client.get("/account/multi-factor").status_code == 200


def test_an_enrolled_person_is_asked_for_a_code_and_a_wrong_one_is_refused(
    client: CheckedClient, person: User
) -> None:
    secret = enrolled(person)  # asked even where MFA is not required
    answer = _password(client, person)
    assert answer.location.endswith("/sign-in/code")
    wrong = client.post("/sign-in/code", data={"code": "12345x"})
    assert wrong.status_code == 200
    html = wrong.get_data(as_text=True)
    assert "govuk-error-summary" in html
    assert 'id="code-error"' in html
    assert "Enter the 6-digit code your authenticator app shows now" in text_of(wrong)
    assert [e.after for e in audit_events(person, "account.mfa_failed")] == [{"kind": "code"}]
    assert audit_events(person, "account.signed_in") == []

    right = client.post("/sign-in/code", data={"code": code(secret)})
    assert right.status_code == 302 and right.location == "/"
    assert client.get("/account/multi-factor").status_code == 200
    [signed_in] = audit_events(person, "account.signed_in")
    assert signed_in.after["second_factor"] == "authenticator"


def test_a_code_is_accepted_once(client: CheckedClient, person: User) -> None:
    secret = enrolled(person)
    first = code(secret)
    _password(client, person)
    assert client.post("/sign-in/code", data={"code": first}).status_code == 302
    client.post("/sign-out")
    _password(client, person)
    again = client.post("/sign-in/code", data={"code": first})
    assert again.status_code == 200
    assert "Enter the 6-digit code your authenticator app shows now" in text_of(again)
    # The next code the app shows is accepted.
    assert (
        client.post("/sign-in/code", data={"code": unused_code(secret, person)}).status_code == 302
    )


def test_a_recovery_code_works_once(client: CheckedClient, person: User, required: None) -> None:
    _secret, codes = _enrol_through_pages(client, person)
    client.post("/sign-out")
    _password(client, person)
    used = client.post("/sign-in/recovery-code", data={"code": codes[0].upper()})
    assert used.status_code == 302
    assert "you have 9 recovery codes left" in text_of(client.get("/account/multi-factor"))
    [event] = audit_events(person, "account.mfa_recovery_code_used")
    assert event.after == {"recovery_codes_left": 9}
    signed_in = audit_events(person, "account.signed_in")[-1]
    assert signed_in.after["second_factor"] == "recovery_code"
    client.post("/sign-out")

    _password(client, person)
    again = client.post("/sign-in/recovery-code", data={"code": codes[0]})
    assert again.status_code == 200
    assert "Enter one of your recovery codes that has not been used" in text_of(again)
    assert client.post("/sign-in/recovery-code", data={"code": codes[1]}).status_code == 302


def test_few_recovery_codes_left_are_warned_of(
    client: CheckedClient, person: User, required: None
) -> None:
    _secret, codes = _enrol_through_pages(client, person)
    for used in codes[:7]:
        client.post("/sign-out")
        _password(client, person)
        assert client.post("/sign-in/recovery-code", data={"code": used}).status_code == 302
    page = text_of(client.get("/account/multi-factor"))
    assert "have 3 recovery codes left. Make new ones" in page
    assert "You have few recovery codes left" in page


def test_passing_the_second_factor_gives_a_new_session(
    client: CheckedClient, app: Flask, person: User
) -> None:
    secret = enrolled(person)
    _password(client, person)
    password_only = client.get_cookie("session")
    assert password_only is not None
    [pending] = _sessions(person)
    assert pending.password_only

    assert client.post("/sign-in/code", data={"code": code(secret)}).status_code == 302
    signed_in = client.get_cookie("session")
    assert signed_in is not None and signed_in.value != password_only.value
    first, second = _sessions(person)
    assert first.ended_at is not None and first.end_reason is SessionEnd.SECOND_FACTOR
    assert second.ended_at is None and not second.password_only

    # The password-only cookie, replayed, signs no one in, not even to the second step.
    replay = app.test_client()
    replay.set_cookie("session", password_only.value)
    assert replay.get("/account/multi-factor").location.startswith("/sign-in?next=")
    assert replay.get("/sign-in/code").location.startswith("/sign-in?next=")
    assert client.get("/account/multi-factor").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/review",
        "/service-users",
        "/accounts",
        "/audit",
        "/account/password",
        "/account/multi-factor",
        "/account/multi-factor/new-recovery-codes",
    ],
)
def test_past_the_password_alone_no_other_page_is_reached(
    client: CheckedClient, world: World, url: str
) -> None:
    admin = world.users[Role.ADMINISTRATOR]
    enrolled(admin)
    _password(client, admin)
    answer = client.get(url)
    assert answer.status_code == 302
    assert answer.location.endswith("/sign-in/code"), url
    refused = client.post("/account/password", data={"current_password": PASSWORD})
    assert refused.status_code == 302 and refused.location.endswith("/sign-in/code")
    # Signing out works from here, and then the code page is not reached either.
    assert client.post("/sign-out").location.endswith("/signed-out")
    assert client.get("/sign-in/code").location.startswith("/sign-in?next=")


def test_a_signed_in_person_is_sent_home_from_the_second_step(
    client: CheckedClient, as_role: Any
) -> None:
    as_role(Role.CARE_MANAGER)
    assert client.get("/sign-in/code").location == "/"


@pytest.fixture
def small_limits(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_PER_ACCOUNT", "3 per hour")
    limiter.reset()
    yield
    limiter.reset()


def test_codes_are_rate_limited_per_account(
    client: CheckedClient, person: User, small_limits: None
) -> None:
    secret = enrolled(person)
    _password(client, person)
    for _ in range(3):
        assert client.post("/sign-in/code", data={"code": "000000"}).status_code == 200
    limited = client.post("/sign-in/code", data={"code": code(secret)})
    assert limited.status_code == 429
    assert len(audit_events(person, "account.mfa_failed")) == 3


def test_wrong_codes_count_towards_the_lockout(
    client: CheckedClient, app: Flask, person: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SIGN_IN_LOCKOUT_FAILURES", 3)
    secret = enrolled(person)
    _password(client, person)
    for _ in range(3):
        client.post("/sign-in/code", data={"code": "000000"})
    locked = client.post("/sign-in/code", data={"code": code(secret)})
    assert locked.status_code == 200
    assert "too many wrong tries for this account" in text_of(locked)
    assert len(audit_events(person, "account.locked")) == 1


def test_an_administrator_resets_it_and_the_person_enrols_again(
    app: Flask, client: CheckedClient, world: World, person: User, required: None
) -> None:
    _secret, _codes = _enrol_through_pages(client, person)
    assert client.get("/account/multi-factor").status_code == 200
    other_browser = app.test_client()
    secret_row = person.mfa_secret

    admin = app.test_client()
    sign_in_admin = enrolled(world.users[Role.ADMINISTRATOR])
    sign_in_with_code(admin, world.users[Role.ADMINISTRATOR], sign_in_admin)
    account = text_of(admin.get(f"/accounts/{person.id}"))
    assert "Multi-factor sign-in Set up on" in account
    confirm = admin.get(f"/accounts/{person.id}/reset-multi-factor")
    assert "Reset Carl Caremanager’s multi-factor sign-in?" in text_of(confirm)
    done = admin.post(f"/accounts/{person.id}/reset-multi-factor", data={"submit": "y"})
    assert done.status_code == 302
    assert "multi-factor sign-in is reset" in text_of(admin.get(done.location))

    db.session.refresh(person)
    assert person.mfa_secret is None and person.mfa_last_step is None
    assert all(
        row.withdrawn_at is not None
        for row in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == person.id))
    )
    [event] = audit_events(person, "account.mfa_reset")
    assert event.actor_id == world.users[Role.ADMINISTRATOR].id
    assert event.before["mfa"] == "on" and event.before["recovery_codes_left"] == 10
    assert event.after == {"mfa": "off", "recovery_codes_left": 0, "sessions_ended": 1}
    assert str(secret_row) not in str(event.before)
    assert [s.end_reason for s in _sessions(person)][-1] is SessionEnd.MFA_RESET

    # The person's browser is signed out, and their next sign-in sets the app up again.
    assert client.get("/account/multi-factor").location.startswith("/sign-in?next=")
    assert _password(other_browser, person).location.endswith("/sign-in/authenticator")


def test_nothing_to_reset_is_refused(client: CheckedClient, as_role: Any, person: User) -> None:
    as_role(Role.ADMINISTRATOR)
    refused = client.post(f"/accounts/{person.id}/reset-multi-factor", data={"submit": "y"})
    assert refused.status_code == 200
    assert "has not set up multi-factor sign-in" in text_of(refused)


def test_a_person_makes_new_recovery_codes_with_a_fresh_code(
    client: CheckedClient, person: User
) -> None:
    secret = enrolled(person)
    sign_in_with_code(client, person, secret)
    page = client.get("/account/multi-factor/new-recovery-codes")
    assert "Make new recovery codes" in text_of(page)
    wrong = client.post("/account/multi-factor/new-recovery-codes", data={"code": "999999"})
    assert wrong.status_code == 200
    made = client.post(
        "/account/multi-factor/new-recovery-codes", data={"code": unused_code(secret, person)}
    )
    assert made.location.endswith("/account/multi-factor/recovery-codes")
    codes = recovery_codes(client.get(made.location).get_data(as_text=True))
    assert len(codes) == 10
    [event] = audit_events(person, "account.mfa_recovery_codes_made")
    assert event.before == {"recovery_codes_left": 0}
    assert event.after == {"recovery_codes_left": 10}


def test_where_not_required_a_person_may_turn_it_on(
    client: CheckedClient, as_role: Any, person: User
) -> None:
    as_role(Role.CARE_MANAGER)
    assert "Off" in text_of(client.get("/account/multi-factor"))
    secret = setup_key(client.get("/account/multi-factor/set-up").get_data(as_text=True))
    done = client.post("/account/multi-factor/set-up", data={"code": code(secret)})
    assert done.location.endswith("/account/multi-factor/recovery-codes")
    client.post(done.location, data={"submit": "y"})
    client.post("/sign-out")
    assert _password(client, person).location.endswith("/sign-in/code")


def test_signing_in_is_unchanged_where_not_required_and_not_enrolled(
    client: CheckedClient, world: World
) -> None:
    sign_in(client, world.users[Role.FINANCE_OFFICER])
    assert client.get("/account/multi-factor").status_code == 200


def test_after_the_secret_key_is_rotated_an_enrolled_person_still_signs_in(
    client: CheckedClient, app: Flask, person: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = enrolled(person)  # sealed under the secret key the tests start with
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [app.config["SECRET_KEY"]])
    monkeypatch.setitem(app.config, "SECRET_KEY", "the tests' secret key after a rotation")
    assert sign_in_with_code(client, person, secret).status_code == 302
    # Their key is now sealed under the new secret key: the old one can be dropped.
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [])
    db.session.refresh(person)
    assert keys.unseal(person.mfa_secret or "") == secret


@pytest.mark.parametrize(
    ("required", "said"),
    [(False, "Multi-factor sign-in is off"), (True, "Multi-factor sign-in is required")],
)
def test_the_demo_sign_ins_say_whether_mfa_is_asked_for(
    app: Flask, monkeypatch: pytest.MonkeyPatch, required: bool, said: str
) -> None:
    monkeypatch.setitem(app.config, "MFA_REQUIRED", required)
    printed = app.test_cli_runner().invoke(args=["demo", "accounts"]).output
    assert said in printed
