"""Sign-in tells no one which accounts exist, by its words or by its time, and every
refused sign-in is kept in the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from portal.accounts import models as account_models
from portal.accounts import operations
from portal.audit.models import AuditEvent
from portal.common.roles import Role
from portal.extensions import db
from tests.client import CheckedClient, text_of
from tests.factories import PASSWORD
from tests.fixtures import World


@pytest.fixture
def hash_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password hash the sign-in checks, by the module that checked it."""
    checked: list[str] = []

    def counting(module: Any) -> Callable[[str, str], bool]:
        real = module.verify_password

        def check(pwhash: str, password: str) -> bool:
            checked.append(module.__name__)
            return real(pwhash, password)

        return check

    for module in (operations, account_models):
        monkeypatch.setattr(module, "verify_password", counting(module))
    return checked


def _sign_in(client: CheckedClient, email: str, password: str) -> str:
    response = client.post("/sign-in", data={"email": email, "password": password})
    assert response.status_code == 200
    return text_of(response)


@pytest.mark.parametrize(
    "who", ["unknown email", "wrong password", "deactivated account", "right password"]
)
def test_every_sign_in_checks_one_password_hash(
    client: CheckedClient, world: World, hash_checks: list[str], who: str
) -> None:
    """The work that takes the time, hashing the password, is done once whoever asks."""
    user = world.users[Role.CARE_MANAGER]
    if who == "deactivated account":
        user.active = False
        db.session.commit()
    email = "nobody@council.example" if who == "unknown email" else user.email
    password = "not the password" if who == "wrong password" else PASSWORD
    client.post("/sign-in", data={"email": email, "password": password})
    assert len(hash_checks) == 1


def test_a_refused_sign_in_says_the_same_whatever_was_wrong(
    client: CheckedClient, world: World
) -> None:
    user = world.users[Role.CARE_MANAGER]
    unknown = _sign_in(client, "nobody@council.example", PASSWORD)
    wrong = _sign_in(client, user.email, "not the password")
    user.active = False
    db.session.commit()
    inactive = _sign_in(client, user.email, PASSWORD)
    assert "Enter a correct email address and password" in unknown
    assert unknown == wrong.replace(user.email, "nobody@council.example")
    assert inactive.replace(user.email, "nobody@council.example") == unknown


def test_refused_sign_ins_are_written_to_the_audit_trail(
    client: CheckedClient, world: World
) -> None:
    user = world.users[Role.PROVIDER_MANAGER]
    _sign_in(client, " Nobody@Council.example ", PASSWORD)
    _sign_in(client, user.email.upper(), "not the password")
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "account.sign_in_failed")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.entity_type, e.entity_id, e.actor_id) for e in events] == [
        ("users", None, None),
        ("users", user.id, None),
    ]
    assert events[0].after == {"email": "nobody@council.example", "account": "none"}
    assert [e.ip_address for e in events] == ["127.0.0.1", "127.0.0.1"]
    assert events[1].after["account"] == "known"
    assert events[1].provider_id == user.provider_id
    assert "password" not in repr([e.after for e in events])


def test_a_sign_in_is_written_to_the_audit_trail(client: CheckedClient, world: World) -> None:
    user = world.users[Role.CARE_MANAGER]
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_id == user.id)
    ).all()
    assert actions == ["account.signed_in"]
