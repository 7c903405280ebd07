"""Accounts, kept by the council's administrators and, for their own provider's colleagues,
by agency administrators: invitations, roles, disabling and enabling. Every change is
audited; nothing is deleted (a person who leaves is disabled)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.accounts.links import issue_link, withdraw_links
from portal.accounts.models import AccountStatus, LinkPurpose, User, UserRole
from portal.accounts.operations import find_user_by_email
from portal.accounts.sessions import end_every_session
from portal.audit.operations import record, snapshot
from portal.common.database import first_one_wins
from portal.common.errors import DomainError
from portal.common.models import lock
from portal.common.roles import COUNCIL_ROLES, PROVIDER_ROLES, Role
from portal.extensions import db

_FIELDS = ("email", "name", "provider_id", "active")


@dataclass(frozen=True)
class Invitee:
    email: str
    name: str
    roles: frozenset[Role]
    provider_id: int | None = None


def checked_roles(roles: frozenset[Role], provider_id: int | None) -> frozenset[Role]:
    """The roles as they may be held together, or a DomainError saying why not."""
    if not roles:
        raise DomainError("Select at least one role", field="roles")
    if roles & PROVIDER_ROLES and roles & COUNCIL_ROLES:
        raise DomainError(
            "An account at a provider cannot also hold council roles: choose one or the other",
            field="roles",
        )
    if Role.AGENCY_ADMINISTRATOR in roles and Role.PROVIDER_MANAGER not in roles:
        raise DomainError("An agency administrator must also be a provider manager", field="roles")
    if Role.PROVIDER_MANAGER in roles and provider_id is None:
        raise DomainError("Select the provider this person works for", field="provider_id")
    return roles


def invite(
    invitee: Invitee, *, by: User | None, purpose: LinkPurpose = LinkPurpose.INVITATION
) -> tuple[User, str]:
    """A new account with no password yet, and its invitation's token (for the link the
    person sets their password through)."""
    roles = checked_roles(invitee.roles, invitee.provider_id)
    email = invitee.email.strip().lower()
    if not email or not invitee.name.strip():
        raise DomainError("An invitation needs the person’s name and email address")
    if find_user_by_email(email) is not None:
        raise DomainError("An account already has this email address", field="email")
    provider_id = invitee.provider_id if roles & PROVIDER_ROLES else None
    user = User(email=email, name=invitee.name.strip(), provider_id=provider_id, active=True)
    user.role_rows = [UserRole(role=role) for role in sorted(roles)]
    with first_one_wins("An account already has this email address", field="email"):
        db.session.add(user)
    record(
        "account.invited",
        user,
        by=by,
        after=snapshot(user, _FIELDS) | {"roles": sorted(roles)},
    )
    return user, issue_link(user, purpose=purpose, by=by)


def reinvite(user: User, *, by: User) -> str:
    """A new invitation for someone who has not yet set a password; the old link stops
    working."""
    lock(user)
    if user.status is not AccountStatus.INVITED:
        raise DomainError(
            f"{user.name} has already set a password"
            if user.active
            else f"{user.name}’s account is disabled: enable it first"
        )
    return issue_link(user, purpose=LinkPurpose.INVITATION, by=by)


def change_roles(user: User, roles: frozenset[Role], *, by: User) -> None:
    lock(user)
    checked_roles(roles, user.provider_id)
    if user.provider_id is None and roles & PROVIDER_ROLES:
        raise DomainError(
            "A council account cannot become a provider’s: invite the person at their "
            "provider instead",
            field="roles",
        )
    if Role.ADMINISTRATOR in user.roles and Role.ADMINISTRATOR not in roles:
        _keep_an_administrator(user, by=by, doing="take the administrator role from")
    before = sorted(user.roles)
    if set(before) == set(roles):
        return
    kept = [row for row in user.role_rows if row.role in roles]
    added = [UserRole(role=role) for role in sorted(roles - user.roles)]
    user.role_rows = kept + added
    db.session.flush()
    record(
        "account.roles_changed",
        user,
        by=by,
        before={"roles": before},
        after={"roles": sorted(roles)},
    )


def disable(user: User, *, by: User) -> None:
    """The account can no longer sign in; its open sessions end now and its links stop."""
    lock(user)
    if not user.active:
        return
    if Role.ADMINISTRATOR in user.roles or user.id == by.id:
        _keep_an_administrator(user, by=by, doing="disable")
    before = snapshot(user, ("active",))
    user.active = False
    end_every_session(user, by=by)
    withdraw_links(user)
    record("account.disabled", user, by=by, before=before, after=snapshot(user, ("active",)))


def enable(user: User, *, by: User) -> None:
    lock(user)
    if user.active:
        return
    before = snapshot(user, ("active",))
    user.active = True
    record("account.enabled", user, by=by, before=before, after=snapshot(user, ("active",)))


def _keep_an_administrator(user: User, *, by: User, doing: str) -> None:
    """Refuse to leave the portal without an administrator, or an administrator without
    their own account. The administrators' rows are locked first, so two administrators
    disabling each other at once are served one after the other and the second is told."""
    if user.id == by.id:
        raise DomainError(f"You cannot {doing} your own account: ask another administrator")
    administrators = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMINISTRATOR, User.active.is_(True))
    )
    db.session.execute(administrators.order_by(User.id).with_for_update(of=User))
    others = db.session.scalar(
        select(func.count()).select_from(administrators.where(User.id != user.id).subquery())
    )
    if not others:
        raise DomainError(
            f"You cannot {doing} the last administrator: give someone else the role first"
        )
