"""PORTAL_MFA_REQUIRED: on unless development or tests switch it off; production refuses to
start with it off, however it was switched off."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from portal.config import ConfigurationError, load_config


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PORTAL_ENV", "PORTAL_SECRET_KEY", "PORTAL_MFA_REQUIRED", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)


def _production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", secrets.token_hex(32))
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "https://homecare.example.gov.uk")
    monkeypatch.setenv("PORTAL_RATELIMIT_STORAGE_URI", "redis://localhost:6379")


def test_multi_factor_sign_in_is_required_unless_switched_off(tmp_path: Path) -> None:
    assert load_config(str(tmp_path))["MFA_REQUIRED"] is True


def test_development_may_relax_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_MFA_REQUIRED", "false")
    assert load_config(str(tmp_path))["MFA_REQUIRED"] is False


def test_production_starts_with_it_required(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _production(monkeypatch)
    monkeypatch.setenv("PORTAL_MFA_REQUIRED", "true")
    assert load_config(str(tmp_path))["MFA_REQUIRED"] is True


def test_production_refuses_to_start_with_it_relaxed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _production(monkeypatch)
    monkeypatch.setenv("PORTAL_MFA_REQUIRED", "false")
    with pytest.raises(ConfigurationError, match="Multi-factor sign-in must be required"):
        load_config(str(tmp_path))
    monkeypatch.delenv("PORTAL_MFA_REQUIRED")
    # Nor through instance/config.py or the factory's settings.
    with pytest.raises(ConfigurationError, match="Multi-factor sign-in must be required"):
        load_config(str(tmp_path), {"MFA_REQUIRED": False})
    (tmp_path / "config.py").write_text("MFA_REQUIRED = 0\n")
    with pytest.raises(ConfigurationError, match="Multi-factor sign-in must be required"):
        load_config(str(tmp_path))


@pytest.mark.parametrize("value", ["no", "0", "off", "False!"])
def test_a_value_that_is_not_true_or_false_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PORTAL_MFA_REQUIRED", value)
    with pytest.raises(ConfigurationError, match="PORTAL_MFA_REQUIRED must be true or false"):
        load_config(str(tmp_path))
