"""Settings per environment.

Values come from environment variables (prefixed ``PORTAL_``) and, for a local install, from
``instance/config.py``. There is no key in the code: development makes one for its instance
folder on first start (``instance/secret_key``), and production refuses to start without a
strong key of its own, with debugging on, or under an environment name it does not know, so
a misconfigured start fails loudly instead of running open.
"""

from __future__ import annotations

import math
import os
import secrets
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from flask.helpers import get_debug_flag

ENVIRONMENTS = ("development", "production")
DEVELOPMENT_KEY_FILE = "secret_key"
MIN_KEY_LENGTH = 32
# Bits of entropy a key's characters must carry, estimated from how often each one occurs:
# a key from `secrets.token_hex(32)` carries about 240, sixteen letters repeated far fewer.
MIN_KEY_BITS = 100
# Keys seen in examples, tutorials and this project's own past: never good enough.
KNOWN_KEYS = frozenset(
    {
        "secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "changeme",
        "change-me",
        "change_me",
        "password",
        "dev",
        "development",
        "development-only-not-secret",
        "tests-only",
        "test",
        "your-secret-key",
        "super-secret-key",
        "supersecretkey",
        "not-secret",
    }
)


class ConfigurationError(RuntimeError):
    pass


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"PORTAL_{name}", default)


def _bounded(name: str, default: int, *, low: int, high: int) -> int:
    raw = _env(name)
    if raw is None or not raw.strip():
        return default
    if not raw.strip().isdigit() or not low <= int(raw) <= high:
        raise ConfigurationError(f"PORTAL_{name} must be a whole number from {low} to {high}")
    return int(raw)


def _flag(name: str, *, default: bool) -> bool:
    raw = (_env(name) or "").strip().lower()
    if not raw:
        return default
    if raw not in ("true", "false"):
        raise ConfigurationError(f"PORTAL_{name} must be true or false")
    return raw == "true"


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    environment = _env("ENV", "development") or ""
    if environment not in ENVIRONMENTS:
        raise ConfigurationError(
            f"PORTAL_ENV is {environment!r}: it must be one of {', '.join(ENVIRONMENTS)} "
            "(see README, Configuration)"
        )
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
        **cookie_settings(environment),
        "PAGE_SIZE": 25,
        # Uploads are checked for their own limit (2MB); this stops anything far bigger early.
        "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        # A session ends after this long without a request, and this long after sign-in
        # whatever happens (accounts/sessions.py).
        "SESSION_IDLE_MINUTES": _bounded("SESSION_IDLE_MINUTES", 30, low=1, high=24 * 60),
        "SESSION_MAX_HOURS": _bounded("SESSION_MAX_HOURS", 12, low=1, high=7 * 24),
        # How long an invitation's link to set a password works (accounts/invitations.py).
        "INVITATION_HOURS": _bounded("INVITATION_HOURS", 72, low=1, high=14 * 24),
        # How long a "Forgotten your password?" link works (accounts/links.py).
        "PASSWORD_RESET_MINUTES": _bounded("PASSWORD_RESET_MINUTES", 60, low=5, high=24 * 60),
        # Years after a person's care ends before `flask retention apply` anonymises them.
        "RETENTION_YEARS": _bounded("RETENTION_YEARS", 8, low=1, high=100),
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
        # Multi-factor sign-in (accounts/mfa): everyone enrols an authenticator app. Only
        # development and tests may relax it; production refuses to start without it.
        "MFA_REQUIRED": _flag("MFA_REQUIRED", default=True),
        **limits_config(),
    }
    # instance/config.py overrides the environment for a local install.
    instance_file = Path(instance_path) / "config.py"
    if instance_file.exists():
        namespace: dict[str, Any] = {}
        exec(compile(instance_file.read_text(), str(instance_file), "exec"), namespace)  # noqa: S102
        config.update({k: v for k, v in namespace.items() if k.isupper()})
    if overrides:
        config.update(overrides)
    if config.get("ENVIRONMENT") not in ENVIRONMENTS:
        raise ConfigurationError(f"ENVIRONMENT must be one of {', '.join(ENVIRONMENTS)}")
    if config["ENVIRONMENT"] == "production":
        refuse_unsafe_production(config, instance_path)
    elif not config["SECRET_KEY"]:
        config["SECRET_KEY"] = development_key(instance_path)
    return config


def cookie_settings(environment: str) -> dict[str, Any]:
    """Cookies never readable by scripts, not sent on other sites' forms (SameSite=Lax).
    In production they are Secure and named with the ``__Host-`` prefix, which browsers
    accept only from https, for the whole site (Path=/) and for this host alone (no Domain),
    so neither a subdomain nor a plain-http page can set or replace them. Development keeps
    plain names, which work over http://127.0.0.1."""
    production = environment == "production"
    prefix = "__Host-" if production else ""
    settings: dict[str, Any] = {}
    for cookie, name in (("SESSION", "session"), ("REMEMBER", "remember_token")):
        settings |= {
            f"{cookie}_COOKIE_NAME": prefix + name,
            f"{cookie}_COOKIE_HTTPONLY": True,
            f"{cookie}_COOKIE_SAMESITE": "Lax",
            f"{cookie}_COOKIE_SECURE": production,
            f"{cookie}_COOKIE_PATH": "/",
            f"{cookie}_COOKIE_DOMAIN": None,
        }
    return settings


def worker_count() -> int:
    """How many worker processes gunicorn runs (gunicorn.conf.py takes its number from
    here): ``WEB_CONCURRENCY``, or one per CPU this process may run on, plus one."""
    raw = os.environ.get("WEB_CONCURRENCY", "").strip()
    if raw:
        if not raw.isdigit() or not 1 <= int(raw) <= 256:
            raise ConfigurationError("WEB_CONCURRENCY must be a whole number from 1 to 256")
        return int(raw)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cpus or 1) + 1


def _limit(name: str, default: str) -> str:
    """A rate limit in Flask-Limiter's words ("20 per 15 minutes"), checked at start."""
    from limits import parse_many

    value = (_env(name) or "").strip() or default
    try:
        parsed = parse_many(value)
    except ValueError:
        parsed = []
    if not parsed or any(not 1 <= item.amount <= 100_000 for item in parsed):
        raise ConfigurationError(
            f"PORTAL_{name} must be a limit such as {default!r} (from 1 to 100000 a period)"
        )
    return value


def limits_config() -> dict[str, Any]:
    """Limits on guessing passwords (accounts/limits.py and accounts/lockout.py)."""
    return {
        # Flask-Limiter's own settings: where the counts are kept (memory:// for one
        # process, redis://host:6379 shared by every worker and instance) and whether on.
        "RATELIMIT_ENABLED": (_env("RATELIMIT_ENABLED", "true") or "").lower() != "false",
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI") or "memory://",
        "RATELIMIT_KEY_PREFIX": "portal",
        # Counted over the last 15 minutes at any moment, not in fixed blocks of 15 minutes
        # (which let twice the limit through either side of a block's end).
        "RATELIMIT_STRATEGY": "moving-window",
        # If Redis cannot be reached, each worker counts in its own memory until it can
        # (logged as a warning): people can still sign in, and the lockout, kept in the
        # database, holds across workers all the same.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": False,  # Retry-After is set on the 429 page itself
        # Sign-in, code and password forms sent from one address, and for one email address.
        # A council office or an agency reaches the portal from one address, and each person
        # signing in sends two forms (the password, then the code): the address's limit is
        # a bound on a crowd, while the account's limit and the lockout guard each person.
        "SIGN_IN_LIMIT_PER_ADDRESS": _limit("SIGN_IN_LIMIT_PER_ADDRESS", "300 per 15 minutes"),
        "SIGN_IN_LIMIT_PER_ACCOUNT": _limit("SIGN_IN_LIMIT_PER_ACCOUNT", "20 per 15 minutes"),
        # Calls to the API (/api/v1/) with one key, counted by the same limiter: a
        # care-planning system sending a quarter one return at a time stays well inside it
        # (or sends them together, in one call). Calls with a key the portal refuses count
        # against their address at the sign-in forms' rate.
        "API_LIMIT_PER_KEY": _limit("API_LIMIT_PER_KEY", "600 per minute"),
        # This many refused sign-ins for one email address within the window lock it for
        # the lockout's minutes, kept in the database.
        "SIGN_IN_LOCKOUT_FAILURES": _bounded("SIGN_IN_LOCKOUT_FAILURES", 10, low=3, high=100),
        "SIGN_IN_LOCKOUT_WINDOW_MINUTES": _bounded(
            "SIGN_IN_LOCKOUT_WINDOW_MINUTES", 15, low=1, high=24 * 60
        ),
        "SIGN_IN_LOCKOUT_MINUTES": _bounded("SIGN_IN_LOCKOUT_MINUTES", 15, low=1, high=24 * 60),
        "WORKERS": worker_count(),
        # The proxies in front that add X-Forwarded-For (a TLS-terminating proxy, a load
        # balancer): each limit per address, and the audit trail, then see the person's
        # address rather than the proxy's. 0 trusts no such header.
        "TRUSTED_PROXIES": _bounded("TRUSTED_PROXIES", 0, low=0, high=5),
    }


def refuse_unsafe_production(config: dict[str, Any], instance_path: str) -> None:
    """Raise ConfigurationError, saying what to change, if production would run open."""
    problem = key_problem(config.get("SECRET_KEY"), instance_path)
    if problem:
        raise ConfigurationError(f"PORTAL_SECRET_KEY {problem} (see README, Configuration)")
    if config.get("DEBUG") or get_debug_flag():
        raise ConfigurationError("Debugging must be off in production: unset FLASK_DEBUG")
    if config.get("TESTING"):
        raise ConfigurationError("TESTING must be off in production")
    if config.get("WTF_CSRF_ENABLED") is False:
        raise ConfigurationError("CSRF protection must be on in production")
    for cookie in ("SESSION", "REMEMBER"):
        problem = cookie_problem(config, cookie)
        if problem:
            raise ConfigurationError(f"{cookie}_COOKIE_{problem} in production")
    if not str(config.get("PUBLIC_URL", "")).startswith("https://"):
        raise ConfigurationError(
            "PORTAL_PUBLIC_URL must be the portal's https:// address in production: "
            "invitation links and emails are built from it (see README, Configuration)"
        )
    if config.get("MFA_REQUIRED") is not True:
        raise ConfigurationError(
            "Multi-factor sign-in must be required in production: unset PORTAL_MFA_REQUIRED "
            "(see README, Configuration)"
        )
    refuse_open_limits(config)


def refuse_open_limits(config: dict[str, Any]) -> None:
    if not config.get("RATELIMIT_ENABLED"):
        raise ConfigurationError(
            "Rate limits must be on in production: unset PORTAL_RATELIMIT_ENABLED"
        )
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if storage.startswith("memory://") and int(config.get("WORKERS") or 1) > 1:
        raise ConfigurationError(
            f"PORTAL_RATELIMIT_STORAGE_URI is {storage!r} with {config.get('WORKERS')} workers: "
            "each would count guesses apart. Set it to the shared store, e.g. "
            "redis://localhost:6379, or run one worker (WEB_CONCURRENCY=1)"
        )


def cookie_problem(config: dict[str, Any], cookie: str) -> str | None:
    """What would weaken the ``cookie`` (SESSION or REMEMBER) cookie in production."""
    if not config.get(f"{cookie}_COOKIE_SECURE"):
        return "SECURE must be on: session cookies must be Secure"
    if not config.get(f"{cookie}_COOKIE_HTTPONLY"):
        return "HTTPONLY must be on"
    if config.get(f"{cookie}_COOKIE_SAMESITE") not in ("Lax", "Strict"):
        return "SAMESITE must be Lax or Strict"
    if not str(config.get(f"{cookie}_COOKIE_NAME", "")).startswith("__Host-"):
        return "NAME must start with __Host-"
    if config.get(f"{cookie}_COOKIE_PATH", "/") != "/" or config.get(f"{cookie}_COOKIE_DOMAIN"):
        return "PATH must be / and DOMAIN unset, as the __Host- prefix requires"
    return None


def key_problem(key: Any, instance_path: str) -> str | None:
    """What is wrong with ``key`` as production's secret key, or None if nothing is."""
    if not key or not isinstance(key, str):
        return "must be set in production"
    if key.strip().lower() in KNOWN_KEYS or key == _existing_development_key(instance_path):
        return "is a well-known or development key: make a new one"
    if len(key) < MIN_KEY_LENGTH:
        return f"must be at least {MIN_KEY_LENGTH} characters long"
    if _estimated_bits(key) < MIN_KEY_BITS:
        return "is too predictable (it repeats too few characters): make a random one"
    return None


def _estimated_bits(key: str) -> float:
    """Shannon entropy of the key's characters times its length: a floor for repetition,
    not a measure of randomness (it cannot tell a random key from a long sentence)."""
    counts = Counter(key)
    per_character = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    return per_character * len(key)


def _existing_development_key(instance_path: str) -> str | None:
    try:
        return (Path(instance_path) / DEVELOPMENT_KEY_FILE).read_text().strip() or None
    except OSError:
        return None


def development_key(instance_path: str) -> str:
    """This instance folder's own random key, made on first use and kept (readable by its
    owner only) so sessions survive a restart. Two processes starting at once agree: the
    file appears whole or not at all."""
    existing = _existing_development_key(instance_path)
    if existing:
        return existing
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    descriptor, draft = tempfile.mkstemp(dir=folder, prefix=".secret_key.")
    try:
        with os.fdopen(descriptor, "w") as file:  # mkstemp makes it 0600
            file.write(secrets.token_hex(32) + "\n")
        os.link(draft, folder / DEVELOPMENT_KEY_FILE)
    except FileExistsError:
        pass  # another process made it first: use theirs
    finally:
        os.unlink(draft)
    key = _existing_development_key(instance_path)
    if key is None:
        raise ConfigurationError(f"Could not make a development key in {folder}")
    return key
