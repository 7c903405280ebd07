"""Signed-in sessions, held on the server.

The browser's session cookie (signed by Flask) carries a random token and the CSRF secret,
nothing else: not the user's id. The token's hash names a ``UserSession`` row, checked on
every request. The session ends, on the server, when its user signs out (here, or from
another of their sessions on "Your sessions"), after ``SESSION_IDLE_MINUTES`` without a
request, ``SESSION_MAX_HOURS`` after sign-in, when the password changes or when the account
is deactivated; a copy of the cookie taken before then is worth nothing after. The rows are
in the database, so every worker and machine sees the same sessions.

Signing in starts a new cookie session (so a new CSRF secret, and no token planted before
sign-in survives it). Flask-Login still provides ``current_user``: its request loader here
finds the user from the token.

Where a second factor is needed (accounts/mfa), the password starts a "password only"
session: ``current_user`` stays signed out for the whole portal, and only the second step's
pages (and signing out) find the person, through ``pending_user``. Passing the second step
ends that session and begins a new one, with a new token and CSRF secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_url, logout_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Request, Response

from portal.accounts import devices
from portal.accounts.models import SessionEnd, User, UserSession
from portal.audit.operations import record, snapshot
from portal.common.database import write_of_its_own
from portal.common.models import utcnow
from portal.common.problems import answers_in_json
from portal.extensions import db, login_manager

SESSION_ID_KEY = "sid"
# Where the request finds the person of a password-only session (common/access.py reads it).
PENDING_USER = "second_factor_pending"
# How stale "last seen" may get before a request writes it again: the idle timeout is
# then exact to within this, and a reader clicking through pages writes once a minute.
TOUCH_AFTER = dt.timedelta(minutes=1)

_ENDED_MESSAGES = {
    SessionEnd.IDLE: "You were signed out because you had not used the portal for {idle}. "
    "Sign in again to continue.",
    SessionEnd.EXPIRED: "You were signed out because you signed in more than {hours} ago. "
    "Sign in again to continue.",
}


def init_app(app: Flask) -> None:
    login_manager.login_view = "accounts.sign_in"
    # The server-side session replaces Flask-Login's own protection, which would rewrite
    # the cookie on every request from a new address.
    login_manager.session_protection = None
    login_manager.request_loader(_load_user)
    login_manager.unauthorized_handler(_send_to_sign_in)

    @app.before_request
    def check_session() -> None:
        # Find the session before the view does anything, so a touch of "last seen" (which
        # commits) never lands in the middle of the view's own work.
        if request.endpoint != "static":
            # Always from this request's cookie: a test's requests share one app context,
            # and so Flask-Login's cached user, which must not outlive its request.
            g.pop("_login_user", None)
            g.pop(PENDING_USER, None)
            # The API is signed by a key, never by a session: its calls carry none to find.
            if not answers_in_json():
                _ = current_user.is_authenticated


def begin(user: User, *, password_only: bool = False) -> UserSession:
    """Sign ``user`` in: a new server-side session and a new cookie session holding its
    token. The request's commit saves it. A ``password_only`` session waits for the second
    factor and signs no one in to the rest of the portal."""
    previous = _current_row()
    if previous is not None and previous.ended_at is None:  # signing in over a session
        passed = previous.password_only and previous.user_id == user.id and not password_only
        reason = SessionEnd.SECOND_FACTOR if passed else SessionEnd.SIGNED_OUT
        _end(previous, reason, by=previous.user)
    session.clear()  # a fresh CSRF secret, and nothing from before sign-in carries over
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(
        user_id=user.id,
        token_hash=_hash(token),
        created_at=now,
        last_seen_at=now,
        password_only=password_only,
        device=devices.describe(request.headers.get("User-Agent")),
        # ProxyFix has put the client's own address here when the portal is behind proxies.
        address=(request.remote_addr or "")[:45] or None,
    )
    db.session.add(row)
    db.session.flush()
    session[SESSION_ID_KEY] = token
    g.pop(PENDING_USER, None)
    if password_only:
        g.setdefault(PENDING_USER, user)
    else:
        login_manager._update_request_context_with_user(user)  # as flask_login.login_user does
    return row


def second_step_url(user: User) -> str:
    """Where a password-only session goes next: the code, or setting up the app."""
    return url_for("mfa.challenge" if user.mfa_secret else "mfa.enrol")


def pending_user() -> User | None:
    """The person of this request's password-only session, if it is one: past their
    password, with the second factor still to come."""
    _ = current_user.is_authenticated  # finds the session, noting a password-only one
    user = g.get(PENDING_USER)
    return user if isinstance(user, User) else None


def end(user: User) -> None:
    """Sign the current session out, on the server and in the browser."""
    row = _current_row()
    if row is not None and row.ended_at is None:
        _end(row, SessionEnd.SIGNED_OUT, by=user)
    logout_user()
    session.clear()


def end_every_session(
    user: User, *, by: User | None, reason: SessionEnd = SessionEnd.ACCOUNT_INACTIVE
) -> int:
    """End every open session of ``user`` now (their account is being disabled, or their
    password changed): whatever browser holds one is signed out at its next request.
    Returns how many were ended."""
    return _end_open(user, reason, by=by)


def begin_again(user: User) -> int:
    """After ``user`` changed their password in this browser: every session of theirs ends,
    this one too, and this browser carries on in a new one, with a new token and CSRF
    secret. Returns how many other sessions were ended."""
    current = _current_row()
    ended = end_every_session(user, by=user, reason=SessionEnd.PASSWORD_CHANGED)
    begin(user)
    return ended - (1 if current is not None and current.user_id == user.id else 0)


def open_sessions(user: User) -> list[UserSession]:
    """``user``'s sessions still in use, most recently used first. Bounded: a session not
    used for the idle timeout, or older than the absolute one, is over (whether or not a
    request has ended it yet), and sign-ins are rate-limited, so this is a handful of rows
    however long the account has existed."""
    idle, longest = _limits()
    now = utcnow()
    return list(
        db.session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.ended_at.is_(None),
                UserSession.last_seen_at > now - idle,
                UserSession.created_at > now - longest,
            )
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def current_session_id() -> int | None:
    row = _current_row()
    return row.id if row is not None else None


def end_other(user: User, session_id: int) -> UserSession | None:
    """End one of ``user``'s other sessions, from this one. None when ``session_id`` is not
    one of theirs (or is this browser's own, which signing out ends): the caller answers
    "not found", as for anyone else's. Ending one already ended changes nothing."""
    row = db.session.scalar(
        select(UserSession)
        .where(UserSession.id == session_id, UserSession.user_id == user.id)
        .with_for_update()  # ended once when two tabs (or a timeout) end it at once
    )
    if row is None or row.id == current_session_id():
        return None
    if row.ended_at is None:
        _end(row, SessionEnd.ENDED_BY_USER, by=user)
    return row


def end_others(user: User) -> int:
    """End every open session of ``user`` but this browser's. Returns how many."""
    return _end_open(user, SessionEnd.ENDED_BY_USER, by=user, keep=current_session_id())


def _end_open(user: User, reason: SessionEnd, *, by: User | None, keep: int | None = None) -> int:
    """End every open session of ``user`` but ``keep``; returns how many."""
    statement = (
        select(UserSession)
        .options(joinedload(UserSession.user))
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        # A row another request ends meanwhile is read again once it lets go, and skipped.
        .with_for_update(of=UserSession)
    )
    if keep is not None:
        statement = statement.where(UserSession.id != keep)
    rows = db.session.scalars(statement).all()
    for row in rows:
        _end(row, reason, by=by)
    return len(rows)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _current_row() -> UserSession | None:
    token = session.get(SESSION_ID_KEY)
    if not isinstance(token, str) or len(token) > 100:
        return None
    return db.session.scalar(
        select(UserSession)
        .options(joinedload(UserSession.user))
        .where(UserSession.token_hash == _hash(token))
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite gives back the UTC times it was given without their zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _limits() -> tuple[dt.timedelta, dt.timedelta]:
    config = current_app.config
    return (
        dt.timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
        dt.timedelta(hours=config["SESSION_MAX_HOURS"]),
    )


def _end(row: UserSession, reason: SessionEnd, *, by: User | None) -> None:
    before = snapshot(row, ("ended_at", "end_reason"))
    row.ended_at = utcnow()
    row.end_reason = reason
    record(
        "account.signed_out" if reason is SessionEnd.SIGNED_OUT else "account.session_ended",
        row,
        by=by,
        before=before,
        after=snapshot(row, ("ended_at", "end_reason")),
        provider_id=row.user.provider_id,
    )


def _load_user(_request: Request) -> User | None:
    row = _current_row()
    if row is None:
        return None
    if row.ended_at is not None:
        session.clear()
        return None
    idle, longest = _limits()
    now = utcnow()
    user = row.user
    reason = None
    if not user.active:
        reason = SessionEnd.ACCOUNT_INACTIVE
    elif now - _aware(row.created_at) > longest:
        reason = SessionEnd.EXPIRED
    elif now - _aware(row.last_seen_at) > idle:
        reason = SessionEnd.IDLE
    if reason is not None:
        # Ended in a transaction of its own, before the view runs: whatever the view does
        # next, the session stays ended.
        with write_of_its_own():
            _end(row, reason, by=user)
        session.clear()
        g.session_ended = reason
        return None
    if now - _aware(row.last_seen_at) > TOUCH_AFTER:
        with write_of_its_own():
            row.last_seen_at = now
    if row.password_only:
        g.setdefault(PENDING_USER, user)
        return None
    return user


def _send_to_sign_in() -> Response:
    pending = g.get(PENDING_USER)
    if isinstance(pending, User):  # the password is done: the second step comes first
        return redirect(second_step_url(pending))
    reason = g.pop("session_ended", None)
    template = _ENDED_MESSAGES.get(reason, "Sign in to continue.")
    idle, longest = _limits()
    flash(
        template.format(idle=_duration(idle), hours=_duration(longest)),
        "info",
    )
    return redirect(login_url("accounts.sign_in", request.url))


def _duration(span: dt.timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
