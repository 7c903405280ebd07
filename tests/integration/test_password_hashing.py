"""Passwords are kept as Argon2id hashes; a hash from before (werkzeug's scrypt or pbkdf2)
or with older Argon2 parameters still signs its person in, and is made again as today's at
that sign-in."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from werkzeug.security import generate_password_hash

from portal.accounts import hashing
from portal.accounts.models import User
from portal.common.roles import Role
from portal.extensions import db
from tests.client import CheckedClient
from tests.factories import PASSWORD
from tests.fixtures import World
from tests.integration.helpers import audit_events


def test_a_new_password_is_kept_as_an_argon2id_hash_that_fits_its_column() -> None:
    longest = "lantern walnut harbour " * 11
    made = hashing.hash_password(longest)
    assert made.startswith("$argon2id$")
    assert len(made) <= User.__table__.c.password_hash.type.length
    assert hashing.verify_password(made, longest)
    assert not hashing.verify_password(made, longest[:-1])
    assert not hashing.needs_rehash(made)


@pytest.mark.parametrize("method", ["scrypt", "pbkdf2:sha256"])
def test_an_old_werkzeug_hash_signs_in_and_is_replaced_by_argon2(
    client: CheckedClient, world: World, method: str
) -> None:
    user = world.users[Role.CARE_MANAGER]
    user.password_hash = generate_password_hash(PASSWORD, method=method)
    db.session.commit()
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert user.check_password(PASSWORD)
    [event] = audit_events(user, "account.password_rehashed")
    assert event.before == {"password_scheme": method.split(":")[0]}
    assert event.after == {"password_scheme": "argon2id"}
    assert PASSWORD not in repr((event.before, event.after))


def test_an_argon2_hash_with_old_parameters_is_made_again_at_sign_in(
    client: CheckedClient, world: World
) -> None:
    user = world.users[Role.CARE_MANAGER]
    weaker = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    user.password_hash = old = weaker.hash(PASSWORD)
    db.session.commit()
    client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    db.session.refresh(user)
    assert user.password_hash != old
    assert not hashing.needs_rehash(user.password_hash or "")
    assert len(audit_events(user, "account.password_rehashed")) == 1


def test_a_wrong_password_leaves_an_old_hash_as_it_was(client: CheckedClient, world: World) -> None:
    user = world.users[Role.CARE_MANAGER]
    user.password_hash = old = generate_password_hash(PASSWORD, method="scrypt")
    db.session.commit()
    client.post("/sign-in", data={"email": user.email, "password": "not the password at all"})
    db.session.refresh(user)
    assert user.password_hash == old
    assert audit_events(user, "account.password_rehashed") == []


def test_a_current_hash_is_not_made_again(client: CheckedClient, world: World) -> None:
    user = world.users[Role.CARE_MANAGER]
    before = user.password_hash
    client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    db.session.refresh(user)
    assert user.password_hash == before
    assert audit_events(user, "account.password_rehashed") == []


def test_the_stand_in_for_a_missing_account_is_an_argon2_hash_of_todays_parameters() -> None:
    from portal.accounts.operations import _stand_in_hash

    stand_in = _stand_in_hash()
    assert stand_in.startswith("$argon2id$")
    assert not hashing.needs_rehash(stand_in)
