"""One-time, expiring links to set an account's password: an invitation, the first
administrator's link from the command line, or a reset the person asked for because they
forgot their password.

The link carries a random token; only its SHA-256 is kept (``PasswordLink``), so the link
is shown or sent once and the database cannot rebuild it. A new link for an account
withdraws the earlier ones; setting the password uses the link up and signs nobody in
(the person then signs in as anyone does)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from portal.accounts import sessions
from portal.accounts.models import LinkPurpose, PasswordLink, SessionEnd, User
from portal.accounts.operations import record_for_email
from portal.audit.operations import record, snapshot
from portal.common.errors import DomainError
from portal.common.models import lock, utcnow
from portal.extensions import db

# A token is 43 characters of URL-safe base64; anything much longer is not one of ours.
_LONGEST_TOKEN = 64


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite gives back the UTC times it was given without their zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def issue_link(user: User, *, purpose: LinkPurpose, by: User | None) -> str:
    """A new link's token for ``user``; earlier links still open are withdrawn. The
    request's commit saves it."""
    now = utcnow()
    withdraw_links(user, now=now)
    token = secrets.token_urlsafe(32)
    if purpose is LinkPurpose.RESET:
        lifetime = dt.timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"])
    else:
        lifetime = dt.timedelta(hours=current_app.config["INVITATION_HOURS"])
    link = PasswordLink(
        user_id=user.id,
        token_hash=_hash(token),
        purpose=purpose,
        created_at=now,
        created_by_id=by.id if by is not None else None,
        expires_at=now + lifetime,
    )
    db.session.add(link)
    db.session.flush()
    record(
        "account.link_issued",
        link,
        by=by,
        after={"user_id": user.id, "purpose": purpose.value} | snapshot(link, ("expires_at",)),
        provider_id=user.provider_id,
    )
    return token


def withdraw_links(user: User, *, now: dt.datetime | None = None) -> None:
    """Withdraw ``user``'s open links: a new one replaces them, or the account is disabled."""
    db.session.execute(
        update(PasswordLink)
        .where(
            PasswordLink.user_id == user.id,
            PasswordLink.used_at.is_(None),
            PasswordLink.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=now or utcnow())
    )


@dataclass(frozen=True)
class LinkCheck:
    link: PasswordLink | None
    problem: str | None  # why it cannot be used, for the person who followed it


def check_link(token: str) -> LinkCheck:
    """Whether the link with ``token`` can set a password now, and if not, why."""
    link = None
    if 0 < len(token) <= _LONGEST_TOKEN:
        link = db.session.scalar(
            select(PasswordLink)
            .options(joinedload(PasswordLink.user))
            .where(PasswordLink.token_hash == _hash(token))
        )
    if link is None:
        return LinkCheck(None, "This link is not right. Check it is the whole link you were sent.")
    if link.used_at is not None:
        return LinkCheck(link, "This link has already been used to set a password.")
    if link.withdrawn_at is not None:
        return LinkCheck(link, "This link has been replaced by a newer one, or withdrawn.")
    if not link.user.active:
        return LinkCheck(link, "The account this link is for has been disabled.")
    if _aware(link.expires_at) <= utcnow():
        return LinkCheck(link, "This link has expired.")
    return LinkCheck(link, None)


def set_password_by_link(token: str, password: str) -> User:
    """Set the password of the account ``token``'s link is for, and use the link up. The
    link is locked first: of two requests with the same link, only one sets a password."""
    first = check_link(token)
    if first.link is None or first.problem:
        raise DomainError(first.problem or "This link cannot be used.")
    link = first.link
    lock(link)
    again = check_link(token)  # as it stands now that the row is ours
    if again.problem:
        raise DomainError(again.problem)
    user = link.user
    had_password = user.password_hash is not None
    now = utcnow()
    user.set_password(password)
    link.used_at = now
    db.session.flush()
    withdraw_links(user, now=now)
    ended = sessions.end_every_session(user, by=user, reason=SessionEnd.PASSWORD_CHANGED)
    record(
        "account.password_set",
        user,
        by=user,
        before={"password": "set" if had_password else "none"},
        after={
            "password": "set",
            "link_id": link.id,
            "purpose": link.purpose.value,
            "sessions_ended": ended,
        },
    )
    return user


def request_reset(email: str) -> tuple[User, str] | None:
    """Someone says they forgot the password of the account with ``email``: a reset link's
    token for it, or None when no active account has that address (the person asking is
    told the same either way). The request is kept in the audit trail whatever the answer:
    the address as typed, whether an account has it, and where the request came from."""
    _, user = record_for_email("account.reset_requested", email)
    if user is None or not user.active:
        return None
    return user, issue_link(user, purpose=LinkPurpose.RESET, by=None)
