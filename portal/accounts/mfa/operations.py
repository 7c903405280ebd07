"""Multi-factor sign-in's changes to accounts: enrolling an authenticator app, checking its
codes and the recovery codes, making new recovery codes, and an administrator's reset.
Every change is audited, never with the key or a code."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import ColumnElement, func, select, update

from portal.accounts import sessions
from portal.accounts.hashing import hash_password, verify_password
from portal.accounts.lockout import locked_until, note_failure
from portal.accounts.mfa import keys
from portal.accounts.models import RecoveryCode, SessionEnd, User
from portal.audit.operations import record
from portal.common.dates import format_moment
from portal.common.errors import DomainError
from portal.common.models import lock, utcnow
from portal.extensions import db

RECOVERY_CODES = 10
# From this many recovery codes left, the person is told to make new ones.
FEW_CODES_LEFT = 3
WRONG_CODE = "Enter the 6-digit code your authenticator app shows now"
WRONG_RECOVERY_CODE = "Enter one of your recovery codes that has not been used"


def second_factor_needed(user: User) -> bool:
    """Whether ``user`` is asked for a second factor after their password: always once they
    have enrolled, and, where the council requires it (production), before they have."""
    return user.mfa_secret is not None or bool(current_app.config["MFA_REQUIRED"])


def enrolled(user: User) -> bool:
    return user.mfa_secret is not None


def enrol(user: User, secret: str, code: str) -> list[str]:
    """Keep ``secret`` as ``user``'s authenticator key once ``code`` shows their app has it.
    Returns their recovery codes, to be shown once."""
    lock(user)
    if enrolled(user):
        raise DomainError("You have already set up an authenticator app", field="code")
    step = keys.matching_step(secret, keys.digits(code), after=None)
    if step is None:
        raise DomainError(WRONG_CODE, field="code")
    user.mfa_secret = keys.seal(secret)
    user.mfa_enrolled_at = utcnow()
    user.mfa_last_step = step
    codes = _new_recovery_codes(user)
    record(
        "account.mfa_enrolled",
        user,
        by=user,
        before={"mfa": "off"},
        after={"mfa": "on", "recovery_codes_left": len(codes)},
        provider_id=user.provider_id,
    )
    return codes


def check_code(user: User, code: str) -> None:
    """Accept ``code`` from ``user``'s app once: a code already accepted (its time step or an
    earlier one) is refused, as is any code while the account is locked."""
    _refuse_while_locked(user)
    lock(user)
    secret = keys.unseal(user.mfa_secret or "")
    if secret is None:
        raise DomainError(WRONG_CODE, field="code")
    step = keys.matching_step(secret, keys.digits(code), after=user.mfa_last_step)
    if step is None:
        raise DomainError(WRONG_CODE, field="code")
    user.mfa_last_step = step
    user.mfa_secret = keys.sealed_again(user.mfa_secret or "")


def use_recovery_code(user: User, typed: str) -> int:
    """Use up one of ``user``'s recovery codes. Returns how many are left."""
    _refuse_while_locked(user)
    lock(user)
    wanted = keys.recovery_form(typed)
    for row in _unused(user):
        if verify_password(row.code_hash, wanted):
            row.used_at = utcnow()
            db.session.flush()
            left = codes_left(user)
            record(
                "account.mfa_recovery_code_used",
                user,
                by=user,
                after={"recovery_codes_left": left},
                provider_id=user.provider_id,
            )
            return left
    raise DomainError(WRONG_RECOVERY_CODE, field="code")


def codes_left(user: User) -> int:
    return int(
        db.session.scalar(
            select(func.count()).select_from(RecoveryCode).where(*_unused_filter(user))
        )
        or 0
    )


def new_recovery_codes(user: User, code: str) -> list[str]:
    """Withdraw ``user``'s recovery codes and make new ones, once a fresh code from their
    app shows it is them. Returns the new codes, to be shown once."""
    check_code(user, code)
    left = codes_left(user)
    codes = _new_recovery_codes(user)
    record(
        "account.mfa_recovery_codes_made",
        user,
        by=user,
        before={"recovery_codes_left": left},
        after={"recovery_codes_left": len(codes)},
        provider_id=user.provider_id,
    )
    return codes


def reset(user: User, *, by: User) -> int:
    """An administrator's reset: the app's key and the recovery codes go, every session of
    ``user`` ends, and they enrol again at their next sign-in. Returns the sessions ended."""
    lock(user)
    if user.id == by.id:
        raise DomainError(
            "You cannot reset your own multi-factor sign-in: ask another administrator"
        )
    if not enrolled(user):
        raise DomainError(
            f"{user.name} has not set up multi-factor sign-in: there is nothing to reset"
        )
    before = {
        "mfa": "on",
        "enrolled_at": user.mfa_enrolled_at.isoformat() if user.mfa_enrolled_at else None,
        "recovery_codes_left": codes_left(user),
    }
    user.mfa_secret = None
    user.mfa_enrolled_at = None
    user.mfa_last_step = None
    _withdraw_codes(user)
    ended = sessions.end_every_session(user, by=by, reason=SessionEnd.MFA_RESET)
    record(
        "account.mfa_reset",
        user,
        by=by,
        before=before,
        after={"mfa": "off", "recovery_codes_left": 0, "sessions_ended": ended},
        provider_id=user.provider_id,
    )
    return ended


def note_wrong_code(user: User, *, kind: str) -> None:
    """A wrong code is audited and counts towards the account's lockout, as a wrong
    password does. The caller commits it on its own: the refused request rolls back."""
    record(
        "account.mfa_failed",
        user,
        by=None,
        after={"kind": kind},
        provider_id=user.provider_id,
    )
    note_failure(user.email)


def _refuse_while_locked(user: User) -> None:
    ends = locked_until(user.email)
    if ends is not None:
        raise DomainError(
            "There have been too many wrong tries for this account: you can try again "
            f"after {format_moment(ends)}",
            field="code",
        )


def _unused_filter(user: User) -> tuple[ColumnElement[bool], ...]:
    return (
        RecoveryCode.user_id == user.id,
        RecoveryCode.used_at.is_(None),
        RecoveryCode.withdrawn_at.is_(None),
    )


def _unused(user: User) -> list[RecoveryCode]:
    return list(db.session.scalars(select(RecoveryCode).where(*_unused_filter(user))))


def _withdraw_codes(user: User) -> None:
    db.session.execute(
        update(RecoveryCode).where(*_unused_filter(user)).values(withdrawn_at=utcnow())
    )


def _new_recovery_codes(user: User) -> list[str]:
    _withdraw_codes(user)
    codes = [keys.new_recovery_code() for _ in range(RECOVERY_CODES)]
    now = utcnow()
    db.session.add_all(
        RecoveryCode(
            user_id=user.id, code_hash=hash_password(keys.recovery_form(code)), created_at=now
        )
        for code in codes
    )
    db.session.flush()
    return codes
