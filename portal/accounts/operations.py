from __future__ import annotations

import functools
import secrets

from sqlalchemy import func, select

from portal.accounts import sessions
from portal.accounts.hashing import hash_password, needs_rehash, scheme, verify_password
from portal.accounts.models import User, UserRole
from portal.audit.models import AuditEvent
from portal.audit.operations import client_address, record, snapshot
from portal.common.errors import DomainError
from portal.common.models import utcnow
from portal.common.roles import Role
from portal.extensions import db


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


@functools.cache
def _stand_in_hash() -> str:
    """A hash of a random password made as an account's would be: checked when no account
    has the email, so an unknown email takes as long to refuse as a wrong password."""
    return hash_password(secrets.token_hex(16))


def refuse_alike(password: str) -> None:
    """Check ``password`` against the stand-in hash, to take as long as a real check
    where there is no hash to check (no account, no password set yet, a lockout)."""
    verify_password(_stand_in_hash(), password)


def authenticate(email: str, password: str) -> User | None:
    """The active account with this email and password, or None. The same work is done
    (one password hash checked) whether or not the account exists, is active or has set
    its password, and the message is the same, so neither reveals which accounts exist."""
    user = find_user_by_email(email)
    if user is None or user.password_hash is None:
        refuse_alike(password)
        return None
    matches = user.check_password(password)
    if not (matches and user.active):
        return None
    assert user.password_hash is not None  # a password matched it
    if needs_rehash(user.password_hash):
        _rehash(user, password)
    return user


def _rehash(user: User, password: str) -> None:
    """Hash the password just typed again, as today's parameters make it: an older scheme
    (werkzeug's scrypt or pbkdf2) or older Argon2 settings are replaced at sign-in."""
    before = {"password_scheme": scheme(user.password_hash)}
    user.set_password(password)
    record(
        "account.password_rehashed",
        user,
        by=user,
        before=before,
        after={"password_scheme": scheme(user.password_hash)},
    )


def record_failed_sign_in(email: str) -> AuditEvent:
    """Write a refused sign-in to the audit trail: the email as typed, whether an account
    has it (for the council's eyes only; the person signing in is told nothing), and the
    address it came from."""
    return record_for_email("account.sign_in_failed", email)[0]


def record_for_email(action: str, email: str) -> tuple[AuditEvent, User | None]:
    """Write to the audit trail something asked for an email address by someone not signed
    in (a sign-in refused, a reset asked for): the address as typed, whether an account has
    it and whether it is active, and where the request came from. Also returns the account
    with that address, if there is one."""
    user = find_user_by_email(email)
    event = AuditEvent(
        actor_id=None,
        action=action,
        entity_type=User.__tablename__,
        entity_id=user.id if user is not None else None,
        provider_id=user.provider_id if user is not None else None,
        before=None,
        after={
            "email": email.strip().lower()[:254],
            "account": "inactive" if user and not user.active else "known" if user else "none",
        },
        ip_address=client_address(),
    )
    db.session.add(event)
    return event, user


def record_sign_in(user: User, *, second_factor: str | None = None) -> None:
    """Note a sign-in; ``second_factor`` says how the person passed the second step, where
    there was one ("authenticator" or "recovery_code")."""
    before = snapshot(user, ("last_signed_in_at",))
    user.last_signed_in_at = utcnow()
    after = snapshot(user, ("last_signed_in_at",))
    if second_factor:
        after["second_factor"] = second_factor
    record("account.signed_in", user, by=user, before=before, after=after)


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    roles: set[Role],
    provider_id: int | None = None,
    by: User | None = None,
) -> User:
    if Role.PROVIDER_MANAGER in roles and provider_id is None:
        raise ValueError("a provider manager account needs a provider")
    user = User(email=email.strip().lower(), name=name, provider_id=provider_id, active=True)
    user.set_password(password)
    user.role_rows = [UserRole(role=role) for role in sorted(roles)]
    db.session.add(user)
    db.session.flush()
    record(
        "account.created",
        user,
        by=by,
        after=snapshot(user, ("email", "name", "provider_id", "active")) | {"roles": sorted(roles)},
    )
    return user


def change_password(user: User, *, current: str, new: str) -> int:
    """``user``, signed in, changes their password: the one they have now must be typed
    first. Every other session of theirs ends and this browser carries on in a new one.
    Returns how many other sessions ended. The policy (accounts/passwords.py) is the
    form's to check, as for any password chosen."""
    if not user.check_password(current):
        raise DomainError("Your current password is not right", field="current_password")
    if current == new:
        raise DomainError(
            "Your new password must be different from your current one", field="password"
        )
    user.set_password(new)
    ended = sessions.begin_again(user)
    record(
        "account.password_changed",
        user,
        by=user,
        before={"password": "set"},
        after={"password": "changed", "other_sessions_ended": ended},
    )
    return ended
