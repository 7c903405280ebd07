"""Production refuses to start with the limits on guessing off, or counted in each
worker's own memory when more than one worker runs; the limits' settings are checked."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from portal.config import ConfigurationError, load_config, worker_count


@pytest.fixture(autouse=True)
def production(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FLASK_DEBUG", "PORTAL_RATELIMIT_ENABLED", "PORTAL_RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", secrets.token_hex(32))
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "https://homecare.example.gov.uk")


def test_production_refuses_memory_storage_with_several_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    with pytest.raises(ConfigurationError, match="'memory://' with 4 workers"):
        load_config(str(tmp_path))
    monkeypatch.setenv("PORTAL_RATELIMIT_STORAGE_URI", "memory://")
    with pytest.raises(ConfigurationError, match="PORTAL_RATELIMIT_STORAGE_URI"):
        load_config(str(tmp_path))


def test_production_starts_with_shared_storage_or_one_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    monkeypatch.setenv("PORTAL_RATELIMIT_STORAGE_URI", "redis://cache.internal:6379/0")
    config = load_config(str(tmp_path))
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/0"
    assert config["RATELIMIT_ENABLED"] is True
    monkeypatch.setenv("PORTAL_RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    assert load_config(str(tmp_path))["WORKERS"] == 1


def test_production_refuses_limits_switched_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_RATELIMIT_STORAGE_URI", "redis://cache.internal:6379/0")
    monkeypatch.setenv("PORTAL_RATELIMIT_ENABLED", "false")
    with pytest.raises(ConfigurationError, match="Rate limits must be on"):
        load_config(str(tmp_path))
    monkeypatch.setenv("PORTAL_RATELIMIT_ENABLED", "true")
    with pytest.raises(ConfigurationError, match="Rate limits must be on"):
        load_config(str(tmp_path), {"RATELIMIT_ENABLED": False})


def test_the_worker_count_is_gunicorns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert worker_count() >= 2, "one per CPU, plus one"
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert worker_count() == 3
    monkeypatch.setenv("WEB_CONCURRENCY", "lots")
    with pytest.raises(ConfigurationError, match="WEB_CONCURRENCY"):
        worker_count()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SIGN_IN_LIMIT_PER_ADDRESS", "as many as you like"),
        ("SIGN_IN_LIMIT_PER_ACCOUNT", "0 per minute"),
        ("SIGN_IN_LIMIT_PER_ACCOUNT", "1000000 per second"),
        ("SIGN_IN_LOCKOUT_FAILURES", "1"),
        ("SIGN_IN_LOCKOUT_FAILURES", "1000"),
        ("SIGN_IN_LOCKOUT_MINUTES", "-5"),
        ("SIGN_IN_LOCKOUT_WINDOW_MINUTES", "100000"),
    ],
)
def test_limit_settings_out_of_bounds_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv("PORTAL_ENV", "development")
    monkeypatch.setenv(f"PORTAL_{name}", value)
    with pytest.raises(ConfigurationError, match=f"PORTAL_{name}"):
        load_config(str(tmp_path))


def test_limit_settings_are_taken_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_ENV", "development")
    monkeypatch.setenv("PORTAL_SIGN_IN_LIMIT_PER_ADDRESS", "100 per hour")
    monkeypatch.setenv("PORTAL_SIGN_IN_LOCKOUT_FAILURES", "5")
    config = load_config(str(tmp_path))
    assert config["SIGN_IN_LIMIT_PER_ADDRESS"] == "100 per hour"
    assert config["SIGN_IN_LOCKOUT_FAILURES"] == 5
    assert config["SIGN_IN_LIMIT_PER_ACCOUNT"] == "20 per 15 minutes"
