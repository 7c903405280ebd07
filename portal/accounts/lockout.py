"""A lockout per email address after repeated refused sign-ins.

Counted in the database (``failed_sign_ins``), not in a worker's memory, so it holds
however many workers and instances serve the portal. Every address typed is counted, an
unknown one as much as an account's, so the page says the same to both and a lockout tells
no one that an account exists. While locked, the right password does not sign in; the
lockout ends by itself after ``SIGN_IN_LOCKOUT_MINUTES`` or when an administrator lifts it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select

from portal.accounts.models import FailedSignIns, User
from portal.accounts.operations import find_user_by_email
from portal.audit.operations import record
from portal.common.database import first_one_wins
from portal.common.errors import DomainError
from portal.common.models import utcnow
from portal.extensions import db


def normalised(email: str) -> str:
    return email.strip().lower()[:254]


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives back the UTC times it was given without their zone."""
    if moment is None or moment.tzinfo:
        return moment
    return moment.replace(tzinfo=dt.UTC)


def locked_until(email: str) -> dt.datetime | None:
    """When the lockout on this address ends, or None if it is not locked now."""
    ends = _aware(
        db.session.scalar(
            select(FailedSignIns.locked_until).where(FailedSignIns.email == normalised(email))
        )
    )
    return ends if ends is not None and ends > utcnow() else None


def _row_for_update(email: str) -> FailedSignIns | None:
    return db.session.scalar(
        select(FailedSignIns).where(FailedSignIns.email == email).with_for_update()
    )


def note_failure(email: str) -> dt.datetime | None:
    """Count a refused sign-in for ``email``; lock it once the failures within the window
    reach the limit. Returns when the lockout ends, if it is locked now."""
    email = normalised(email)
    now = utcnow()
    config = current_app.config
    window = dt.timedelta(minutes=config["SIGN_IN_LOCKOUT_WINDOW_MINUTES"])
    row = _row_for_update(email)
    if row is None:
        try:
            with first_one_wins("taken"):
                row = FailedSignIns(
                    email=email, failures=0, first_failed_at=now, last_failed_at=now
                )
                db.session.add(row)
        except DomainError:
            # Another request counted this address's first failure a moment ago.
            row = _row_for_update(email)
            assert row is not None
    ends = _aware(row.locked_until)
    if ends is not None and ends > now:
        return ends  # already locked: the lockout is not lengthened by more guesses
    first = _aware(row.first_failed_at)
    if ends is not None or (first is not None and now - first > window):
        row.failures, row.first_failed_at, row.locked_until = 0, now, None
    row.failures += 1
    row.last_failed_at = now
    if row.failures >= config["SIGN_IN_LOCKOUT_FAILURES"]:
        ends = now + dt.timedelta(minutes=config["SIGN_IN_LOCKOUT_MINUTES"])
        # To the next whole minute: the page names the minute it may be tried again.
        row.locked_until = ends.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        user = find_user_by_email(email)
        if user is not None:
            record(
                "account.locked",
                user,
                by=None,
                after={"failures": row.failures, "locked_until": row.locked_until.isoformat()},
            )
    db.session.flush()
    return _aware(row.locked_until)


def forget_failures(user: User) -> None:
    """A successful sign-in starts the count again."""
    row = _row_for_update(normalised(user.email))
    if row is not None and row.failures:
        row.failures, row.locked_until = 0, None


def lockout_of(user: User) -> FailedSignIns | None:
    """The account's failure record while it is locked, for the administrators' pages."""
    row = db.session.scalar(
        select(FailedSignIns).where(FailedSignIns.email == normalised(user.email))
    )
    ends = _aware(row.locked_until) if row is not None else None
    return row if ends is not None and ends > utcnow() else None


def locked_among(users: Iterable[User]) -> set[int]:
    """Which of ``users`` are locked now, in one query (a page of the accounts list)."""
    by_email = {normalised(user.email): user.id for user in users}
    if not by_email:
        return set()
    rows = db.session.execute(
        select(FailedSignIns.email, FailedSignIns.locked_until).where(
            FailedSignIns.email.in_(by_email), FailedSignIns.locked_until.is_not(None)
        )
    )
    now = utcnow()
    return {by_email[email] for email, ends in rows if (_aware(ends) or now) > now}


def lift_lockout(user: User, *, by: User) -> bool:
    """An administrator lets the person try again now. Returns whether it was locked."""
    row = _row_for_update(normalised(user.email))
    ends = _aware(row.locked_until) if row is not None else None
    if row is None or ends is None or ends <= utcnow():
        return False
    before = {"failures": row.failures, "locked_until": ends.isoformat()}
    row.failures, row.locked_until = 0, None
    record("account.lockout_lifted", user, by=by, before=before, after={"failures": 0})
    return True
