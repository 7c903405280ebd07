"""Calls are counted per key by the sign-in forms' limiter, and calls with keys the portal
refuses per address. The limits are counted per hour, so nothing here depends on how fast
the machine is."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from portal.extensions import limiter
from tests.api.helpers import Caller, key_for
from tests.fixtures import World


@pytest.fixture
def limits(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    config: dict[str, Any] = app.config  # type: ignore[assignment]
    monkeypatch.setitem(config, "API_LIMIT_PER_KEY", "3 per hour")
    monkeypatch.setitem(config, "SIGN_IN_LIMIT_PER_ADDRESS", "2 per hour")
    limiter.reset()
    yield config
    limiter.reset()


def test_a_key_past_its_limit_is_told_when_to_come_back_and_others_are_not_held_up(
    client, world: World, limits: dict[str, Any]
) -> None:
    busy = Caller(client, key_for(world.provider))
    assert [busy.get("/api/v1/quarters").status_code for _ in range(3)] == [200, 200, 200]
    refused = busy.get("/api/v1/quarters")
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many calls with this key" in refused.get_json()["detail"]
    other = Caller(client, key_for(world.other_provider))
    assert other.get("/api/v1/quarters").status_code == 200


def test_guessing_keys_is_limited_per_address(client, world: World, limits: dict[str, Any]) -> None:
    guesses = [
        Caller(client, f"hcp_guess{n}").get("/api/v1/quarters").status_code for n in range(3)
    ]
    assert guesses == [401, 401, 429]
    # A real key from the same address is counted per key, not held up by the guesses.
    assert Caller(client, key_for(world.provider)).get("/api/v1/quarters").status_code == 200
