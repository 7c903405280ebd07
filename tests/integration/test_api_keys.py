"""An agency's administrator makes, sees and revokes the agency's API keys."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.api.keys import MOST_ACTIVE, create_key, token_hash
from portal.api.models import ApiKey
from portal.audit.models import AuditEvent
from portal.common.roles import Role
from portal.extensions import db
from tests.client import text_of
from tests.factories import UserFactory
from tests.fixtures import World, sign_in


def _administrator(world: World) -> object:
    return UserFactory(
        roles=[Role.PROVIDER_MANAGER, Role.AGENCY_ADMINISTRATOR],
        provider_id=world.provider.id,
        name="Tess Team",
    )


def test_a_key_is_shown_once_and_kept_only_as_a_fingerprint(client, world: World) -> None:
    admin = _administrator(world)
    db.session.commit()
    sign_in(client, admin)
    assert "Your agency has no API keys yet" in text_of(client.get("/api-keys"))
    made = client.post("/api-keys/new", data={"name": "Nourish, live", "lifetime": "180"})
    assert made.status_code == 302
    page = client.get(made.location)
    token = re.search(r'<code id="api-key">(hcp_[^<]+)</code>', page.get_data(as_text=True))
    assert token is not None
    token = token.group(1)
    assert "This page shows the key once" in text_of(page)
    # Shown once: the page again has it no more.
    again = text_of(client.get(made.location))
    assert "This key has been shown" in again and token not in again

    key = db.session.scalar(select(ApiKey))
    assert key.token_hash == token_hash(token)
    assert key.prefix == token[:10]
    assert (key.expires_at - key.created_at).days == 180
    listed = text_of(client.get("/api-keys"))
    assert "Nourish, live" in listed and key.prefix in listed and "Active" in listed
    assert "Never" in listed  # not used yet
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_key.created"))
    assert event.after["name"] == "Nourish, live"
    assert token not in str(event.after) and key.token_hash not in str(event.after)

    # The key works, and its use shows on the list.
    assert (
        client.get("/api/v1/quarters", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    assert "Never" not in text_of(client.get("/api-keys"))


def test_each_problem_with_a_new_key_is_shown_beside_its_field(client, world: World) -> None:
    admin = _administrator(world)
    create_key(name="Nourish", lifetime_days=90, by=admin)
    db.session.commit()
    sign_in(client, admin)
    for data, message in [
        ({"name": "", "lifetime": "90"}, "Enter a name for the key"),
        ({"name": "x" * 81, "lifetime": "90"}, "The name must be 80 characters or fewer"),
        ({"name": "nourish", "lifetime": "90"}, "A key that still works has this name"),
        ({"name": "Birdie", "lifetime": "7"}, "Select how long the key works"),
        ({"name": "Bird\x07ie", "lifetime": "90"}, "hidden character"),
    ]:
        response = client.post("/api-keys/new", data=data)
        assert response.status_code == 200, data
        assert message in text_of(response), data
    assert db.session.scalar(select(ApiKey.name).where(ApiKey.name != "Nourish")) is None


def test_an_agency_has_at_most_ten_working_keys(client, world: World) -> None:
    admin = _administrator(world)
    for number in range(MOST_ACTIVE):
        create_key(name=f"System {number}", lifetime_days=30, by=admin)
    db.session.commit()
    sign_in(client, admin)
    assert "Make a new key" not in text_of(client.get("/api-keys"))
    refused = client.post("/api-keys/new", data={"name": "One more", "lifetime": "30"})
    assert "the most it may have" in text_of(refused)


def test_a_revoked_key_is_refused_at_once_and_stays_listed(client, world: World) -> None:
    admin = _administrator(world)
    key, token = create_key(name="Nourish", lifetime_days=90, by=admin)
    db.session.commit()
    sign_in(client, admin)
    confirm = text_of(client.get(f"/api-keys/{key.id}/revoke"))
    assert "Revoke Nourish?" in confirm
    done = client.post(f"/api-keys/{key.id}/revoke")
    assert done.status_code == 302
    assert "Nourish is revoked" in text_of(client.get(done.location))
    assert "Revoked" in text_of(client.get("/api-keys"))
    refused = client.get("/api/v1/quarters", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    assert "was revoked on" in refused.get_json()["detail"]
    again = client.post(f"/api-keys/{key.id}/revoke")
    assert again.status_code == 200
    assert "Nourish is revoked" in text_of(again)
    events = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_type == "api_keys")
    ).all()
    assert events.count("api_key.revoked") == 1


def test_only_an_agency_administrator_makes_keys(client, world: World) -> None:
    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    assert client.get("/api-keys").status_code == 403
    assert client.post("/api-keys/new", data={"name": "x", "lifetime": "90"}).status_code == 403
    assert db.session.scalar(select(ApiKey)) is None
