"""Limits on guessing: a lockout per email address kept in the database, that an
administrator sees and lifts, and rate limits per address and per account answering 429.
Time is the portal's clock set by the test (clock_at), and the rate limits are counted
per hour, so nothing here depends on how fast the machine is."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal.accounts import models as account_models
from portal.accounts import operations
from portal.audit.models import AuditEvent
from portal.common.models import clock_at
from portal.common.roles import Role
from portal.extensions import db, limiter
from tests.client import CheckedClient, text_of
from tests.conftest import make_app
from tests.factories import PASSWORD
from tests.fixtures import World, sign_in

NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)  # GMT: the page's clock reads as UTC
WRONG = "not the password at all"


@pytest.fixture
def limits(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The app's limit settings, for a test to make small; the counts start empty."""
    config: dict[str, Any] = app.config  # type: ignore[assignment]
    monkeypatch.setitem(config, "SIGN_IN_LOCKOUT_FAILURES", 10)
    monkeypatch.setitem(config, "SIGN_IN_LOCKOUT_WINDOW_MINUTES", 15)
    monkeypatch.setitem(config, "SIGN_IN_LOCKOUT_MINUTES", 15)
    for name in ("SIGN_IN_LIMIT_PER_ADDRESS", "SIGN_IN_LIMIT_PER_ACCOUNT"):
        monkeypatch.setitem(config, name, config[name])
    limiter.reset()
    yield config
    limiter.reset()


def _try(client: CheckedClient, email: str, password: str, **environ: str) -> Any:
    return client.post(
        "/sign-in", data={"email": email, "password": password}, environ_base=environ
    )


def _error(response: Any) -> str:
    """The message beside the email field (the error summary repeats it)."""
    found = re.search(
        r'<p id="email-error" class="govuk-error-message">(.*?)</p>',
        response.get_data(as_text=True),
        flags=re.S,
    )
    assert found, "no message beside the email field"
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)).replace("Error:", "").strip()


def _signed_in(client: CheckedClient) -> bool:
    return client.get("/").headers.get("Location", "").endswith("/sign-in") is False


def test_fifty_wrong_passwords_then_the_right_one_does_not_sign_in(
    client: CheckedClient, world: World, limits: dict[str, Any]
) -> None:
    user = world.users[Role.CARE_MANAGER]
    with clock_at(NOON):
        for _ in range(50):
            assert _try(client, user.email, WRONG).status_code == 200
        refused = _try(client, user.email, PASSWORD)
    assert refused.status_code == 200
    assert _error(refused) == (
        "Enter a correct email address and password. There have been too many tries for "
        "this email address: you can try again after 2 March 2026 at 12:16pm"
    )
    assert not _signed_in(client)
    locked = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "account.locked", AuditEvent.entity_id == user.id
        )
    ).all()
    assert len(locked) == 1, "locked once, not lengthened by the guesses after"
    failed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "account.sign_in_failed")
    ).all()
    assert len(failed) == 51, "every refusal is in the audit trail, the right password's too"


def test_the_lockout_ends_by_itself_and_a_sign_in_starts_the_count_again(
    client: CheckedClient, world: World, limits: dict[str, Any]
) -> None:
    user = world.users[Role.CARE_MANAGER]
    with clock_at(NOON):
        for _ in range(10):
            _try(client, user.email, WRONG)
    with clock_at(NOON + dt.timedelta(minutes=15)):
        assert _try(client, user.email, PASSWORD).status_code == 200, "still locked"
    with clock_at(NOON + dt.timedelta(minutes=16)):
        assert _try(client, user.email, PASSWORD).status_code == 302
    client.post("/sign-out")
    with clock_at(NOON + dt.timedelta(minutes=17)):
        for _ in range(9):
            response = _try(client, user.email, WRONG)
        assert _error(response) == "Enter a correct email address and password"


def test_failures_spread_wider_than_the_window_do_not_lock(
    client: CheckedClient, world: World, limits: dict[str, Any]
) -> None:
    user = world.users[Role.CARE_MANAGER]
    for minute in range(0, 180, 16):  # twelve failures, each window holding one
        with clock_at(NOON + dt.timedelta(minutes=minute)):
            _try(client, user.email, WRONG)
    with clock_at(NOON + dt.timedelta(minutes=181)):
        assert _try(client, user.email, PASSWORD).status_code == 302


@pytest.mark.parametrize("failures", [1, 10, 11])
def test_unknown_and_known_accounts_get_the_same_message(
    app: Flask, db_session: Any, world: World, limits: dict[str, Any], failures: int
) -> None:
    """A wrong password, an unknown address, a disabled account and one with no password
    yet read alike, before and after their lockouts."""
    invited = world.users[Role.FINANCE_OFFICER]
    invited.password_hash = None
    disabled = world.users[Role.COMMISSIONER]
    disabled.active = False
    db.session.flush()
    emails = [
        world.users[Role.CARE_MANAGER].email,
        "nobody.here@example.test",
        invited.email,
        disabled.email,
    ]
    messages = set()
    for email in emails:
        client = app.test_client()
        with clock_at(NOON):
            for _ in range(failures):
                response = _try(client, email.upper(), WRONG)
        assert response.status_code == 200
        messages.add(_error(response))
    assert len(messages) == 1, messages
    assert ("try again after" in messages.pop()) is (failures >= 10)


def test_the_administrator_sees_the_lockout_and_lifting_it_lets_the_person_in(
    app: Flask, client: CheckedClient, world: World, limits: dict[str, Any]
) -> None:
    """On the real clock (the sessions' too), with a lockout of a day: only lifting it
    lets the right password in."""
    limits["SIGN_IN_LOCKOUT_MINUTES"] = 24 * 60
    user = world.users[Role.CARE_MANAGER]
    administrator = world.users[Role.ADMINISTRATOR]
    for _ in range(10):
        _try(client, user.email, WRONG)
    assert _try(client, user.email, PASSWORD).status_code == 200, "locked"
    admin = app.test_client()
    sign_in(admin, administrator)  # type: ignore[arg-type]
    listed = text_of(admin.get("/accounts?q=carl"))
    assert f"{user.name} {user.email} Care manager Council Active Locked" in listed
    page = text_of(admin.get(f"/accounts/{user.id}"))
    assert "Signing in Locked Locked after 10 failed sign-ins" in page
    assert "Lift lockout" in page
    assert "Locked after 10 failed sign-ins" in page.split("History")[-1], "in its history"

    lifted = admin.post(f"/accounts/{user.id}/unlock")
    assert lifted.status_code == 302
    page = text_of(admin.get(f"/accounts/{user.id}"))
    assert f"{user.name} can sign in again now" in page
    assert "Lift lockout" not in page
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "account.lockout_lifted")
    ).one()
    assert (event.actor_id, event.entity_id) == (administrator.id, user.id)
    assert event.before is not None and event.before["failures"] == 10

    assert _try(client, user.email, PASSWORD).status_code == 302
    assert _signed_in(client)
    assert "Locked" not in text_of(admin.get("/accounts?q=carl"))


def test_an_agency_administrator_cannot_lift_another_providers_lockout(
    app: Flask, client: CheckedClient, world: World, limits: dict[str, Any]
) -> None:
    other = world.users[Role.PROVIDER_MANAGER]  # the agency administrator is at the other
    with clock_at(NOON):
        for _ in range(10):
            _try(client, other.email, WRONG)
    agency = app.test_client()
    sign_in(agency, world.users[Role.AGENCY_ADMINISTRATOR])  # type: ignore[arg-type]
    assert agency.post(f"/team/{other.id}/unlock").status_code == 404
    with clock_at(NOON):
        assert _try(client, other.email, PASSWORD).status_code == 200, "still locked"


def test_the_per_address_limit_answers_429(
    client: CheckedClient, world: World, limits: dict[str, Any]
) -> None:
    limits["SIGN_IN_LIMIT_PER_ADDRESS"] = "3 per hour"
    for n in range(3):
        assert _try(client, f"someone{n}@example.test", WRONG).status_code == 200
    refused = _try(client, world.users[Role.CARE_MANAGER].email, PASSWORD)
    assert refused.status_code == 429
    # Seconds until the hour's first try leaves the window (rounded up to a whole second).
    assert 0 < int(refused.headers["Retry-After"]) <= 3601
    assert "Too many tries" in text_of(refused)
    assert not _signed_in(client)
    elsewhere = _try(client, world.users[Role.CARE_MANAGER].email, PASSWORD, REMOTE_ADDR="10.1.2.3")
    assert elsewhere.status_code == 302, "another address is counted apart"


def test_the_per_account_limit_holds_whatever_the_address(
    client: CheckedClient, world: World, limits: dict[str, Any]
) -> None:
    limits["SIGN_IN_LIMIT_PER_ACCOUNT"] = "3 per hour"
    email = world.users[Role.CARE_MANAGER].email
    for n in range(3):
        assert _try(client, email, WRONG, REMOTE_ADDR=f"10.0.0.{n}").status_code == 200
    refused = _try(client, f"  {email.upper()} ", PASSWORD, REMOTE_ADDR="10.0.0.9")
    assert refused.status_code == 429, "the email is counted as typed, normalised"
    other = world.users[Role.COMMISSIONER].email
    assert _try(client, other, PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_reading_the_sign_in_page_is_not_counted(
    client: CheckedClient, world: World, limits: dict[str, Any]
) -> None:
    limits["SIGN_IN_LIMIT_PER_ADDRESS"] = "2 per hour"
    for _ in range(5):
        assert client.get("/sign-in").status_code == 200
    assert _try(client, world.users[Role.CARE_MANAGER].email, PASSWORD).status_code == 302


def test_the_set_password_page_is_limited_per_address(
    client: CheckedClient, world: World, limits: dict[str, Any]
) -> None:
    limits["SIGN_IN_LIMIT_PER_ADDRESS"] = "2 per hour"
    for n in range(2):
        assert client.post(f"/set-password/guess{n}", data={"password": WRONG}).status_code == 404
    refused = client.post("/set-password/guess9", data={"password": WRONG})
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers


def test_forgotten_password_is_limited_per_address_and_per_email(
    client: CheckedClient, world: World, limits: dict[str, Any]
) -> None:
    limits["SIGN_IN_LIMIT_PER_ADDRESS"] = "3 per hour"
    limits["SIGN_IN_LIMIT_PER_ACCOUNT"] = "2 per hour"
    email = world.users[Role.CARE_MANAGER].email
    for n in range(2):
        asked = client.post(
            "/forgotten-password",
            data={"email": email},
            environ_base={"REMOTE_ADDR": f"10.0.1.{n}"},
        )
        assert asked.status_code == 302
    again = client.post(
        "/forgotten-password", data={"email": email}, environ_base={"REMOTE_ADDR": "10.0.1.9"}
    )
    assert again.status_code == 429, "the address typed is counted, whatever the sender's"
    for n in range(3):
        client.post("/forgotten-password", data={"email": f"other{n}@example.test"})
    refused = client.post("/forgotten-password", data={"email": "another@example.test"})
    assert refused.status_code == 429
    assert "Too many tries" in text_of(refused)


def test_changing_a_password_is_limited_per_person(
    client: CheckedClient, world: World, limits: dict[str, Any]
) -> None:
    sign_in(client, world.users[Role.CARE_MANAGER])
    limits["SIGN_IN_LIMIT_PER_ACCOUNT"] = "2 per hour"
    wrong = {
        "current_password": WRONG,
        "password": "a quite long new passphrase",
        "password_again": "a quite long new passphrase",
    }
    for _ in range(2):
        assert client.post("/account/password", data=wrong).status_code == 200
    assert client.post("/account/password", data=wrong).status_code == 429


def test_the_set_password_page_is_limited_per_link_whatever_the_address(
    client: CheckedClient, world: World, limits: dict[str, Any]
) -> None:
    limits["SIGN_IN_LIMIT_PER_ACCOUNT"] = "2 per hour"
    for n in range(2):
        sent = client.post(
            "/set-password/guess",
            data={"password": WRONG},
            environ_base={"REMOTE_ADDR": f"10.0.1.{n}"},
        )
        assert sent.status_code == 404
    again = client.post(
        "/set-password/guess", data={"password": WRONG}, environ_base={"REMOTE_ADDR": "10.0.1.9"}
    )
    assert again.status_code == 429
    other = client.post(
        "/set-password/other", data={"password": WRONG}, environ_base={"REMOTE_ADDR": "10.0.1.9"}
    )
    assert other.status_code == 404, "another link is counted apart"


def test_a_lockout_is_kept_in_the_database_not_in_a_worker(
    app: Flask, client: CheckedClient, world: World, limits: dict[str, Any]
) -> None:
    """Another worker (here: another client, with the limiter's counts emptied) sees it."""
    user = world.users[Role.CARE_MANAGER]
    with clock_at(NOON):
        for _ in range(10):
            _try(client, user.email, WRONG)
    limiter.reset()
    with clock_at(NOON + dt.timedelta(minutes=1)):
        refused = _try(app.test_client(), user.email, PASSWORD)  # type: ignore[arg-type]
    assert "try again after" in _error(refused)


@pytest.mark.parametrize("who", ["locked", "no password yet"])
def test_a_refusal_without_a_hash_to_check_still_checks_one(
    client: CheckedClient,
    world: World,
    limits: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    who: str,
) -> None:
    """A locked account, and one whose password is not set, take as long to refuse as a
    wrong password: the stand-in hash is checked instead."""
    user = world.users[Role.CARE_MANAGER]
    if who == "no password yet":
        user.password_hash = None
        db.session.flush()
    else:
        with clock_at(NOON):
            for _ in range(10):
                _try(client, user.email, WRONG)
    checked: list[str] = []
    real = operations.verify_password
    monkeypatch.setattr(
        operations, "verify_password", lambda *args: checked.append("stand-in") or real(*args)
    )
    monkeypatch.setattr(
        account_models, "verify_password", lambda *args: checked.append("real") or real(*args)
    )
    with clock_at(NOON):
        assert _try(client, user.email, PASSWORD).status_code == 200
    assert checked == ["stand-in"]


def test_behind_a_trusted_proxy_each_person_is_counted_at_their_own_address(
    database_url: str, db_session: Any, world: World
) -> None:
    """With PORTAL_TRUSTED_PROXIES=1 the address is the one the proxy saw; without it,
    everyone behind the proxy would share one count."""
    proxied = make_app(database_url, TRUSTED_PROXIES=1, SIGN_IN_LIMIT_PER_ADDRESS="2 per hour")
    limiter.reset()
    try:
        client = proxied.test_client()
        for n in range(2):
            sent = {"X-Forwarded-For": "203.0.113.7"}
            answer = client.post(
                "/sign-in", data={"email": f"a{n}@example.test", "password": WRONG}, headers=sent
            )
            assert answer.status_code == 200
        blocked = client.post(
            "/sign-in",
            data={"email": "b@example.test", "password": WRONG},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
        assert blocked.status_code == 429
        other = client.post(
            "/sign-in",
            data={"email": "b@example.test", "password": WRONG},
            headers={"X-Forwarded-For": "198.51.100.20"},
        )
        assert other.status_code == 200, "someone else behind the same proxy"
    finally:
        limiter.reset()
