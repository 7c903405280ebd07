"""PORTAL_RETENTION_YEARS: 8 years after care ends unless the council says otherwise, and
never a value that would anonymise everyone at once or keep data for ever."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.config import ConfigurationError, load_config


def test_retention_defaults_to_8_years(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTAL_RETENTION_YEARS", raising=False)
    assert load_config(str(tmp_path))["RETENTION_YEARS"] == 8


def test_retention_can_be_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_RETENTION_YEARS", "10")
    assert load_config(str(tmp_path))["RETENTION_YEARS"] == 10


@pytest.mark.parametrize("value", ["0", "eight", "-8", "101", "7.5"])
def test_retention_must_be_whole_years_from_1_to_100(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PORTAL_RETENTION_YEARS", value)
    with pytest.raises(ConfigurationError, match="PORTAL_RETENTION_YEARS"):
        load_config(str(tmp_path))
