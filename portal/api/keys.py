"""Making, revoking and checking API keys (``ApiKey``). Each change writes an audit event;
the request commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.api.models import ApiKey
from portal.audit.operations import record, snapshot
from portal.common.dates import as_utc, format_date
from portal.common.errors import DomainError
from portal.common.models import lock, utcnow
from portal.common.roles import Role
from portal.extensions import db

# Every key starts so, which tells a leaked one apart in logs and secret scanners.
KEY_START = "hcp_"
# How long a key may last, in days, as the form offers them.
LIFETIMES = {30: "30 days", 90: "90 days", 180: "6 months", 365: "1 year"}
# A provider's keys still working, at most: one per system and environment is plenty.
MOST_ACTIVE = 10
NAME_LONGEST = 80
# A key's last use is written again only when it is older than this, so a system calling
# many times a minute writes its key once a minute.
TOUCH_AFTER = dt.timedelta(minutes=1)
# What of a key the audit trail keeps (never its hash).
_AUDITED = ("id", "provider_id", "name", "prefix", "created_by_id", "expires_at", "revoked_at")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_keys(provider_id: int, now: dt.datetime) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(ApiKey)
            .where(
                ApiKey.provider_id == provider_id,
                ApiKey.revoked_at.is_(None),
                ApiKey.expires_at > now,
            )
        )
        or 0
    )


def create_key(*, name: str, lifetime_days: int, by: User) -> tuple[ApiKey, str]:
    """A new key for ``by``'s provider, and the key itself, to be shown once."""
    if by.provider_id is None or not by.has_role(Role.AGENCY_ADMINISTRATOR):
        raise DomainError("Only an agency’s administrator can make its API keys")
    name = name.strip()
    if not name:
        raise DomainError("Enter a name for the key", field="name")
    if len(name) > NAME_LONGEST:
        raise DomainError(f"The name must be {NAME_LONGEST} characters or fewer", field="name")
    if lifetime_days not in LIFETIMES:
        raise DomainError("Select how long the key lasts", field="lifetime")
    now = utcnow()
    taken = db.session.scalar(
        select(ApiKey.id).where(
            ApiKey.provider_id == by.provider_id,
            func.lower(ApiKey.name) == name.lower(),
            ApiKey.revoked_at.is_(None),
            ApiKey.expires_at > now,
        )
    )
    if taken is not None:
        raise DomainError(
            "A key that still works has this name: choose another, or revoke that one first",
            field="name",
        )
    if active_keys(by.provider_id, now) >= MOST_ACTIVE:
        raise DomainError(
            f"Your agency has {MOST_ACTIVE} keys that still work, the most it may have: "
            "revoke one you no longer use first"
        )
    token = KEY_START + secrets.token_urlsafe(32)
    key = ApiKey(
        provider_id=by.provider_id,
        name=name,
        prefix=token[:10],
        token_hash=token_hash(token),
        created_by_id=by.id,
        created_at=now,
        expires_at=now + dt.timedelta(days=lifetime_days),
    )
    db.session.add(key)
    record("api_key.created", key, by=by, after=snapshot(key, _AUDITED))
    return key, token


def revoke_key(key: ApiKey, *, by: User) -> None:
    """Stop ``key`` working, at once."""
    lock(key)  # two administrators at once: the second finds it revoked
    if key.revoked_at is not None:
        raise DomainError(f"{key.name} was revoked already")
    before = snapshot(key, _AUDITED)
    key.revoked_at = utcnow()
    key.revoked_by_id = by.id
    record("api_key.revoked", key, by=by, before=before, after=snapshot(key, _AUDITED))


@dataclass(frozen=True)
class Refusal:
    """Why a key presented is not accepted, in the words the API answers with."""

    detail: str


def check_key(token: str) -> ApiKey | Refusal:
    """The key ``token`` is, if it still works: the person who made it loaded, still
    active, still a manager at the key's provider."""
    if not token.startswith(KEY_START) or len(token) > 100:
        return Refusal("The API key is not one the portal knows")
    key = db.session.scalar(
        select(ApiKey)
        .options(joinedload(ApiKey.created_by).joinedload(User.role_rows))
        .where(ApiKey.token_hash == token_hash(token))
    )
    if key is None:
        return Refusal("The API key is not one the portal knows")
    now = utcnow()
    if key.revoked_at is not None:
        return Refusal(f"The API key “{key.name}” was revoked on {format_date(key.revoked_at)}")
    if as_utc(key.expires_at) <= now:
        return Refusal(
            f"The API key “{key.name}” expired on {format_date(key.expires_at)}: your "
            "agency’s administrator can make a new one"
        )
    maker = key.created_by
    if (
        not maker.active
        or maker.provider_id != key.provider_id
        or not maker.has_role(Role.PROVIDER_MANAGER)
    ):
        return Refusal(
            f"The API key “{key.name}” acts for {maker.name}, whose account is no longer "
            "active: your agency’s administrator can make a new one"
        )
    return key


def due_a_touch(key: ApiKey, now: dt.datetime) -> bool:
    return key.last_used_at is None or now - as_utc(key.last_used_at) >= TOUCH_AFTER
