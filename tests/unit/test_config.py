"""No key in the code: development makes its own; production refuses to start with a weak
key, with debugging on, or under an environment name it does not know."""

from __future__ import annotations

import secrets
import stat
from pathlib import Path

import pytest

from portal.config import ConfigurationError, load_config

STRONG = secrets.token_hex(32)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PORTAL_ENV", "PORTAL_SECRET_KEY", "FLASK_DEBUG", "PORTAL_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)


def _production(monkeypatch: pytest.MonkeyPatch, key: str | None) -> None:
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "https://homecare.example.gov.uk")
    monkeypatch.setenv("PORTAL_RATELIMIT_STORAGE_URI", "redis://localhost:6379")
    if key is not None:
        monkeypatch.setenv("PORTAL_SECRET_KEY", key)


def test_development_makes_a_key_of_its_own_and_keeps_it(tmp_path: Path) -> None:
    first = load_config(str(tmp_path / "one"))["SECRET_KEY"]
    assert len(first) == 64 and int(first, 16)
    key_file = tmp_path / "one" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600, "readable by its owner only"
    assert load_config(str(tmp_path / "one"))["SECRET_KEY"] == first, "kept across restarts"
    assert load_config(str(tmp_path / "two"))["SECRET_KEY"] != first, "each install its own"


def test_development_uses_a_key_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_SECRET_KEY", "a key of my own")
    assert load_config(str(tmp_path))["SECRET_KEY"] == "a key of my own"
    assert not (tmp_path / "secret_key").exists()


def test_the_code_holds_no_key(tmp_path: Path) -> None:
    """The development key used to be written in config.py: it signs nothing now."""
    assert load_config(str(tmp_path))["SECRET_KEY"] != "development-only-not-secret"
    source = (Path(__file__).parents[2] / "portal" / "config.py").read_text()
    assert load_config(str(tmp_path))["SECRET_KEY"] not in source


def test_production_starts_with_a_strong_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _production(monkeypatch, STRONG)
    config = load_config(str(tmp_path))
    assert config["SECRET_KEY"] == STRONG
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert config["REMEMBER_COOKIE_NAME"] == "__Host-remember_token"
    assert not (tmp_path / "secret_key").exists(), "production never makes a key"


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (None, "must be set"),
        ("", "must be set"),
        ("secret", "well-known"),
        ("changeme", "well-known"),
        ("CHANGEME", "well-known"),
        ("development-only-not-secret", "well-known"),
        ("a" * 16, "at least 32 characters"),
        (secrets.token_hex(8), "at least 32 characters"),
        ("a" * 64, "too predictable"),
        ("changeme" * 4, "too predictable"),
        ("ab" * 40, "too predictable"),
    ],
)
def test_production_refuses_a_weak_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str | None, problem: str
) -> None:
    _production(monkeypatch, key)
    with pytest.raises(ConfigurationError, match=problem):
        load_config(str(tmp_path))


def test_production_refuses_the_development_key_made_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = load_config(str(tmp_path))["SECRET_KEY"]
    _production(monkeypatch, made)
    with pytest.raises(ConfigurationError, match="development key"):
        load_config(str(tmp_path))


def test_production_refuses_debugging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _production(monkeypatch, STRONG)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigurationError, match="Debugging must be off"):
        load_config(str(tmp_path))
    monkeypatch.delenv("FLASK_DEBUG")
    with pytest.raises(ConfigurationError, match="Debugging must be off"):
        load_config(str(tmp_path), {"DEBUG": True})


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({"TESTING": True}, "TESTING"),
        ({"WTF_CSRF_ENABLED": False}, "CSRF"),
        ({"SESSION_COOKIE_SECURE": False}, "Secure"),
        ({"REMEMBER_COOKIE_SECURE": False}, "REMEMBER_COOKIE_SECURE must be on"),
        ({"SESSION_COOKIE_NAME": "session"}, "SESSION_COOKIE_NAME must start with __Host-"),
        ({"REMEMBER_COOKIE_NAME": "remember"}, "REMEMBER_COOKIE_NAME must start with __Host-"),
        ({"SESSION_COOKIE_DOMAIN": "example.gov.uk"}, "DOMAIN unset"),
        ({"SESSION_COOKIE_PATH": "/portal"}, "PATH must be /"),
        ({"SESSION_COOKIE_HTTPONLY": False}, "SESSION_COOKIE_HTTPONLY must be on"),
        ({"REMEMBER_COOKIE_SAMESITE": None}, "REMEMBER_COOKIE_SAMESITE must be Lax or Strict"),
    ],
)
def test_production_refuses_test_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, override: dict[str, object], problem: str
) -> None:
    _production(monkeypatch, STRONG)
    with pytest.raises(ConfigurationError, match=problem):
        load_config(str(tmp_path), override)


def test_the_instance_config_cannot_switch_production_on_without_its_checks(
    tmp_path: Path,
) -> None:
    (tmp_path / "config.py").write_text('ENVIRONMENT = "production"\nSECRET_KEY = "secret"\n')
    with pytest.raises(ConfigurationError):
        load_config(str(tmp_path))


@pytest.mark.parametrize("name", ["Production", "prod", "PRODUCTION", "live", "staging", ""])
def test_an_environment_name_it_does_not_know_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("PORTAL_ENV", name)
    monkeypatch.setenv("PORTAL_SECRET_KEY", STRONG)
    with pytest.raises(ConfigurationError, match="must be one of development, production"):
        load_config(str(tmp_path))


@pytest.mark.parametrize("value", ["0", "abc", "-5", "100000"])
def test_session_timeouts_must_be_sensible(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PORTAL_SESSION_IDLE_MINUTES", value)
    with pytest.raises(ConfigurationError, match="PORTAL_SESSION_IDLE_MINUTES"):
        load_config(str(tmp_path))


def test_session_timeouts_default_to_30_minutes_and_12_hours(tmp_path: Path) -> None:
    config = load_config(str(tmp_path))
    assert (config["SESSION_IDLE_MINUTES"], config["SESSION_MAX_HOURS"]) == (30, 12)


@pytest.mark.parametrize("address", [None, "http://homecare.example.gov.uk", ""])
def test_production_refuses_a_public_address_that_is_not_https(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, address: str | None
) -> None:
    """Invitation links are built from it: a link over plain HTTP would carry a token that
    sets a password in the clear."""
    _production(monkeypatch, STRONG)
    if address is None:
        monkeypatch.delenv("PORTAL_PUBLIC_URL")
    else:
        monkeypatch.setenv("PORTAL_PUBLIC_URL", address)
    with pytest.raises(ConfigurationError, match="PORTAL_PUBLIC_URL"):
        load_config(str(tmp_path))


def test_development_keeps_plain_cookie_names_over_http(tmp_path: Path) -> None:
    config = load_config(str(tmp_path))
    assert config["SESSION_COOKIE_NAME"] == "session"
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_no_proxy_is_trusted_unless_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit trail's client address comes from X-Forwarded-For only through as many
    proxies as are named: by default none, so anyone's forged header is ignored."""
    assert load_config(str(tmp_path))["TRUSTED_PROXIES"] == 0
    monkeypatch.setenv("PORTAL_TRUSTED_PROXIES", "1")
    assert load_config(str(tmp_path))["TRUSTED_PROXIES"] == 1
    monkeypatch.setenv("PORTAL_TRUSTED_PROXIES", "-1")
    with pytest.raises(ConfigurationError, match="PORTAL_TRUSTED_PROXIES"):
        load_config(str(tmp_path))
