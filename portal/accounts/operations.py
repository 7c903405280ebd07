from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import User, UserRole
from portal.accounts.roles import Role
from portal.audit.operations import record, snapshot
from portal.common.models import utcnow
from portal.extensions import db


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The active account with this email and password, or None. Failing is not recorded
    against the account name so the message cannot reveal which accounts exist."""
    user = find_user_by_email(email)
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def record_sign_in(user: User) -> None:
    before = snapshot(user, ("last_signed_in_at",))
    user.last_signed_in_at = utcnow()
    record(
        "account.signed_in",
        user,
        by=user,
        before=before,
        after=snapshot(user, ("last_signed_in_at",)),
    )


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
