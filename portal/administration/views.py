"""Account administration, in two places with the same pages: ``/accounts`` for the
council's administrators (every account, every role) and ``/team`` for an agency
administrator (their own provider's colleagues only; anyone else's account is a 404)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from portal.accounts import administration
from portal.accounts.lockout import lift_lockout, locked_among, lockout_of
from portal.accounts.mfa import operations as mfa
from portal.accounts.models import AccountStatus, PasswordLink, User, UserRole
from portal.administration import notices
from portal.administration.forms import ConfirmForm, InviteForm, RolesForm, role_choices
from portal.audit.models import AuditEvent
from portal.common.access import roles_required
from portal.common.errors import DomainError, show_on_form
from portal.common.forms import query_text
from portal.common.pagination import paginate, recent
from portal.common.roles import Role
from portal.extensions import db
from portal.providers.models import Provider

bp = Blueprint("administration", __name__, template_folder="templates")

# The link to set a password, kept in the administrator's own session between the change
# and the page that shows it, then dropped: shown once, never stored in the clear.
_SHOWN_LINK = "invitation_link"


@dataclass(frozen=True)
class Scope:
    """Whose accounts a page administers: every account, or one provider's."""

    prefix: str  # "accounts" or "team": the endpoints' prefix
    provider_id: int | None
    title: str

    def url(self, view: str, **values: Any) -> str:
        return url_for(f"administration.{self.prefix}_{view}", **values)

    @property
    def roles(self) -> list[Role]:
        """The roles offered here. An agency administrator's colleagues are all provider
        managers at the same provider: the one choice is whether they manage the team too."""
        if self.provider_id is None:
            return list(Role)
        return [Role.AGENCY_ADMINISTRATOR]

    def given(self, roles: frozenset[Role]) -> frozenset[Role]:
        """The roles an account here holds when these are chosen."""
        if self.provider_id is None:
            return roles
        return roles | {Role.PROVIDER_MANAGER}


def _role_hints(roles: list[Role]) -> list[dict[str, Any]]:
    """Each role checkbox's hint, in the order of the choices (the widget merges by index)."""
    return [{"hint": {"text": role.hint}} for role in roles]


def _council() -> Scope:
    return Scope("accounts", None, "Accounts")


def _team() -> Scope:
    return Scope("team", current_user.provider_id, "Your team")


def _accounts(scope: Scope) -> Select[Any]:
    statement = select(User).options(selectinload(User.provider))
    if scope.provider_id is not None:
        statement = statement.where(User.provider_id == scope.provider_id)
    return statement


def _account(scope: Scope, user_id: int) -> User:
    user = db.session.scalar(_accounts(scope).where(User.id == user_id))
    if user is None:
        abort(404)
    return user


_STATUS_FILTERS = {
    AccountStatus.INVITED: (User.active.is_(True), User.password_hash.is_(None)),
    AccountStatus.ACTIVE: (User.active.is_(True), User.password_hash.is_not(None)),
    AccountStatus.DISABLED: (User.active.is_(False),),
}


def _list(scope: Scope) -> str:
    search = query_text("q")
    role = next((r for r in scope.roles if r.value == query_text("role")), None)
    status = next((s for s in AccountStatus if s.value == query_text("status")), None)
    statement = _accounts(scope)
    if search:
        pattern = f"%{search.strip().lower()}%"
        statement = statement.where(
            or_(func.lower(User.name).like(pattern), func.lower(User.email).like(pattern))
        )
    if role is not None:
        statement = statement.where(
            exists().where(UserRole.user_id == User.id, UserRole.role == role)
        )
    if status is not None:
        statement = statement.where(*_STATUS_FILTERS[status])
    page = paginate(statement.order_by(func.lower(User.name), User.id))
    return render_template(
        "administration/account_list.html",
        scope=scope,
        page=page,
        locked=locked_among(page.items),
        search=search,
        chosen={"role": role.value if role else "", "status": status.value if status else ""},
        role_options=role_choices(scope.roles),
        status_options=[(s.value, s.label) for s in AccountStatus],
    )


def _role_names(values: Any) -> str:
    known = {role.value: role for role in Role}
    names = [known[value].label.lower() for value in values or [] if value in known]
    return ", ".join(names) or "none"


@bp.app_template_filter("account_change")
def account_change(event: AuditEvent) -> str:
    """An account's audit event in words, for its history."""
    after = event.after or {}
    before = event.before or {}
    if event.action == "account.roles_changed":
        return (
            f"Roles changed from {_role_names(before.get('roles'))} "
            f"to {_role_names(after.get('roles'))}"
        )
    if event.action in ("account.invited", "account.created"):
        verb = "Invited" if event.action == "account.invited" else "Account made"
        return f"{verb}, as {_role_names(after.get('roles'))}"
    return {
        "account.disabled": "Disabled",
        "account.enabled": "Enabled",
        "account.password_set": "Password set",
        "account.locked": f"Locked after {after.get('failures')} failed sign-ins",
        "account.lockout_lifted": "Lockout lifted",
        "account.mfa_enrolled": "Multi-factor sign-in set up",
        "account.mfa_reset": f"Multi-factor sign-in reset, {_sessions(after.get('sessions_ended'))} ended",
        "account.mfa_failed": "Wrong one-time code",
        "account.mfa_recovery_code_used": f"Recovery code used, {after.get('recovery_codes_left')} left",
        "account.mfa_recovery_codes_made": "New recovery codes made",
    }.get(event.action, event.action.removeprefix("account.").replace("_", " ").capitalize())


def _sessions(count: Any) -> str:
    return "1 session" if count == 1 else f"{count or 0} sessions"


def _provider_choices() -> list[tuple[Any, str]]:
    rows = db.session.execute(select(Provider.id, Provider.name).order_by(Provider.name))
    return [("", "Select a provider"), *((row.id, row.name) for row in rows)]


def _invite(scope: Scope) -> Response | str:
    form = InviteForm()
    form.roles.choices = role_choices(scope.roles)
    form.roles_required = scope.provider_id is None
    if scope.provider_id is None:
        form.provider_id.choices = _provider_choices()
    if form.validate_on_submit():
        roles = scope.given(form.chosen_roles())
        provider_id = scope.provider_id or form.provider_id.data or None
        try:
            user, token = administration.invite(
                administration.Invitee(
                    email=form.email.data or "",
                    name=form.name.data or "",
                    roles=frozenset(roles),
                    provider_id=provider_id,
                ),
                by=current_user,
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            return _hand_over(scope, user, token)
    return render_template(
        "administration/invite.html", scope=scope, form=form, role_hints=_role_hints(scope.roles)
    )


def _hand_over(scope: Scope, user: User, token: str) -> Response:
    """Email the link when the council has email; otherwise show it, once, to the person
    who made it."""
    if notices.invitation(user, token):
        flash(f"We have emailed {user.name} an invitation to {user.email}", "success")
        return redirect(scope.url("account", user_id=user.id))
    session[_SHOWN_LINK] = {"user_id": user.id, "link": notices.invitation_link(token)}
    return redirect(scope.url("link", user_id=user.id))


def _link(scope: Scope, user_id: int) -> str:
    user = _account(scope, user_id)
    shown = session.pop(_SHOWN_LINK, None)
    link = shown["link"] if isinstance(shown, dict) and shown.get("user_id") == user.id else None
    expires = db.session.scalar(_open_link(user.id))
    return render_template(
        "administration/link.html", scope=scope, user=user, link=link, expires=expires
    )


def _open_link(user_id: int) -> Select[Any]:
    return (
        select(PasswordLink.expires_at)
        .where(
            PasswordLink.user_id == user_id,
            PasswordLink.used_at.is_(None),
            PasswordLink.withdrawn_at.is_(None),
        )
        .order_by(PasswordLink.id.desc())
        .limit(1)
    )


def _show(scope: Scope, user_id: int) -> str:
    user = _account(scope, user_id)
    history = recent(
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.entity_type == User.__tablename__,
            AuditEvent.entity_id == user.id,
            AuditEvent.action != "account.signed_in",  # the last sign-in is shown instead
        )
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()),
        20,
        scalars=False,
    )
    return render_template(
        "administration/account.html",
        scope=scope,
        user=user,
        expires=db.session.scalar(_open_link(user.id)),
        history=history,
        form=ConfirmForm(),
        is_self=user.id == current_user.id,
        lockout=lockout_of(user),
    )


def _roles(scope: Scope, user_id: int) -> Response | str:
    user = _account(scope, user_id)
    form = RolesForm(data={"roles": [role.value for role in user.roles]})
    form.roles.choices = role_choices(scope.roles)
    form.roles_required = scope.provider_id is None
    if form.validate_on_submit():
        try:
            administration.change_roles(user, scope.given(form.chosen_roles()), by=current_user)
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(f"{user.name}’s roles are saved", "success")
            return redirect(scope.url("account", user_id=user.id))
    return render_template(
        "administration/roles.html",
        scope=scope,
        user=user,
        form=form,
        role_hints=_role_hints(scope.roles),
    )


def _disable(scope: Scope, user_id: int) -> Response | str:
    user = _account(scope, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            administration.disable(user, by=current_user)
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(f"{user.name}’s account is disabled: they can no longer sign in", "success")
            return redirect(scope.url("account", user_id=user.id))
    return render_template("administration/disable.html", scope=scope, user=user, form=form)


def _enable(scope: Scope, user_id: int) -> Response:
    user = _account(scope, user_id)
    if ConfirmForm().validate_on_submit():
        administration.enable(user, by=current_user)
        flash(f"{user.name}’s account is enabled", "success")
    return redirect(scope.url("account", user_id=user.id))


def _reset_mfa(scope: Scope, user_id: int) -> Response | str:
    user = _account(scope, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            mfa.reset(user, by=current_user)
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(
                f"{user.name}’s multi-factor sign-in is reset: they have been signed out and "
                "will set it up again when they next sign in",
                "success",
            )
            return redirect(scope.url("account", user_id=user.id))
    return render_template("administration/reset_mfa.html", scope=scope, user=user, form=form)


def _unlock(scope: Scope, user_id: int) -> Response:
    user = _account(scope, user_id)
    if ConfirmForm().validate_on_submit() and lift_lockout(user, by=current_user):
        flash(f"{user.name} can sign in again now", "success")
    return redirect(scope.url("account", user_id=user.id))


def _resend(scope: Scope, user_id: int) -> Response:
    user = _account(scope, user_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(scope.url("account", user_id=user.id))
    try:
        token = administration.reinvite(user, by=current_user)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(scope.url("account", user_id=user.id))
    return _hand_over(scope, user, token)


def _routes(
    prefix: str, path: str, scope: Callable[[], Scope], access: Callable[[Any], Any]
) -> None:
    """The same pages for the council's administrators and for an agency administrator."""
    pages: list[tuple[str, str, Callable[..., Any], list[str]]] = [
        ("list", "", _list, ["GET"]),
        ("invite", "/invite", _invite, ["GET", "POST"]),
        ("account", "/<int:user_id>", _show, ["GET"]),
        ("link", "/<int:user_id>/invitation-link", _link, ["GET"]),
        ("roles", "/<int:user_id>/roles", _roles, ["GET", "POST"]),
        ("disable", "/<int:user_id>/disable", _disable, ["GET", "POST"]),
        ("enable", "/<int:user_id>/enable", _enable, ["POST"]),
        ("resend", "/<int:user_id>/resend", _resend, ["POST"]),
        ("unlock", "/<int:user_id>/unlock", _unlock, ["POST"]),
        ("reset_mfa", "/<int:user_id>/reset-multi-factor", _reset_mfa, ["GET", "POST"]),
    ]
    for name, rule, page, methods in pages:

        def view(_page: Callable[..., Any] = page, **values: Any) -> Any:
            return _page(scope(), **values)

        view.__name__ = f"{prefix}_{name}"
        bp.add_url_rule(path + rule, view_func=access(view), methods=methods)


_routes("accounts", "/accounts", _council, roles_required(Role.ADMINISTRATOR))
_routes("team", "/team", _team, roles_required(Role.AGENCY_ADMINISTRATOR))
