"""Settings per environment.

Values come from environment variables (prefixed ``PORTAL_``) and, for a local install, from
``instance/config.py``. Production has no defaults for secrets, so a misconfigured start fails
loudly instead of running with a development key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


class ConfigurationError(RuntimeError):
    pass


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"PORTAL_{name}", default)


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    environment = _env("ENV", "development")
    sqlite_path = Path(instance_path) / "portal.sqlite"
    config: dict[str, Any] = {
        "ENVIRONMENT": environment,
        "SECRET_KEY": _env("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", f"sqlite:///{sqlite_path}"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "COUNCIL_NAME": _env("COUNCIL_NAME", "Northfield Borough Council"),
        # The council's brand colour; it must keep 4.5:1 contrast with white text.
        "COUNCIL_BRAND_COLOUR": _env("COUNCIL_BRAND_COLOUR", "#1d5b79"),
        "SERVICE_NAME": _env("SERVICE_NAME", "Home care outcomes"),
        "SUPPORT_EMAIL": _env("SUPPORT_EMAIL", "homecare.commissioning@example.gov.uk"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": environment == "production",
        "REMEMBER_COOKIE_SECURE": environment == "production",
        "PAGE_SIZE": 25,
        # Uploads are checked for their own limit (2MB); this stops anything far bigger early.
        "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        # Email alongside "What needs you": sent only when an SMTP server is named.
        "MAIL_SERVER": _env("SMTP_HOST", ""),
        "MAIL_PORT": int(_env("SMTP_PORT", "587") or "587"),
        "MAIL_USE_TLS": (_env("SMTP_STARTTLS", "true") or "").lower() == "true",
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": _env("SMTP_USERNAME") or None,
        "MAIL_PASSWORD": _env("SMTP_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": _env("MAIL_FROM", "homecare.portal@example.gov.uk"),
        # Links in emails need the portal's public address, e.g. https://homecare.example.gov.uk
        "PUBLIC_URL": _env("PUBLIC_URL", "http://127.0.0.1:5000"),
    }
    if environment == "development":
        config["SECRET_KEY"] = config["SECRET_KEY"] or "development-only-not-secret"
    # instance/config.py overrides the environment for a local install.
    instance_file = Path(instance_path) / "config.py"
    if instance_file.exists():
        namespace: dict[str, Any] = {}
        exec(compile(instance_file.read_text(), str(instance_file), "exec"), namespace)  # noqa: S102
        config.update({k: v for k, v in namespace.items() if k.isupper()})
    if overrides:
        config.update(overrides)
    if not config["SECRET_KEY"]:
        raise ConfigurationError(
            "PORTAL_SECRET_KEY must be set outside development (see README, Configuration)"
        )
    return config
