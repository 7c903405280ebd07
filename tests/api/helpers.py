"""Calling the API as a care-planning system would: with a key in a header, JSON in and
out."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal.accounts.models import User
from portal.api import keys
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes.measures import MEASURES
from portal.providers.models import Provider
from tests.factories import UserFactory


def key_for(provider: Provider, *, maker: User | None = None, days: int = 90) -> str:
    """A new key for ``provider``, made by its agency administrator (made if need be)."""
    if maker is None:
        maker = UserFactory(
            roles=[Role.PROVIDER_MANAGER, Role.AGENCY_ADMINISTRATOR],
            provider_id=provider.id,
            name=f"Ada of {provider.name}",
        )
    _, token = keys.create_key(name=f"System {maker.id}", lifetime_days=days, by=maker)
    db.session.commit()
    return token


class Caller:
    """A test client that sends ``token`` with every call."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.token = token

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> TestResponse:
        sent = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        return self.client.open(path, method=method, json=json, headers=sent, **kwargs)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("GET", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("PATCH", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("POST", path, **kwargs)


def complete_answers() -> dict[str, Any]:
    """Every measure answered, fit to submit."""
    return {
        measure.code: {
            "result": "met",
            "evidence": f"Seen at the care review for {measure.code}.",
            "evidence_sources": [measure.sources[0].value],
        }
        for measure in MEASURES
    }


def return_path(period_id: int, person_id: int) -> str:
    return f"/api/v1/quarters/{period_id}/returns/{person_id}"
