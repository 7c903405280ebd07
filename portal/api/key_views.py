"""API keys, for an agency's administrator: their provider's keys, making one (shown
once) and revoking one. Another provider's key is a 404."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from portal.accounts.mfa.keys import seal, unseal
from portal.api import keys
from portal.api.forms import NewKeyForm, RevokeKeyForm
from portal.api.models import ApiKey
from portal.common.access import roles_required
from portal.common.errors import DomainError, show_on_form
from portal.common.models import utcnow
from portal.common.pagination import paginate
from portal.common.roles import Role
from portal.extensions import db

bp = Blueprint("api_keys", __name__, template_folder="templates")

# The key just made, sealed (encrypted) in the administrator's own session between the
# form and the page that shows it, then dropped: shown once, never stored in the clear.
_SHOWN_KEY = "api_key_made"

administrator = roles_required(Role.AGENCY_ADMINISTRATOR)


def _own_key(key_id: int) -> ApiKey:
    key = db.session.scalar(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.provider_id == current_user.provider_id)
    )
    if key is None:
        abort(404)
    return key


@bp.get("/api-keys")
@administrator
def key_list() -> str:
    statement = (
        select(ApiKey)
        .options(selectinload(ApiKey.created_by))
        .where(ApiKey.provider_id == current_user.provider_id)
        .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    )
    now = utcnow()
    return render_template(
        "api/key_list.html",
        page=paginate(statement),
        now=now,
        active=keys.active_keys(current_user.provider_id, now),
        most=keys.MOST_ACTIVE,
    )


@bp.route("/api-keys/new", methods=["GET", "POST"])
@administrator
def new_key() -> Response | str:
    form = NewKeyForm()
    if form.validate_on_submit():
        try:
            key, token = keys.create_key(
                name=form.name.data or "", lifetime_days=int(form.lifetime.data), by=current_user
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.flush()
            session[_SHOWN_KEY] = {"key_id": key.id, "sealed": seal(token)}
            return redirect(url_for("api_keys.key_made", key_id=key.id))
    return render_template("api/new_key.html", form=form)


@bp.get("/api-keys/<int:key_id>/made")
@administrator
def key_made(key_id: int) -> str:
    key = _own_key(key_id)
    shown = session.pop(_SHOWN_KEY, None)
    token = (
        unseal(shown["sealed"])
        if isinstance(shown, dict) and shown.get("key_id") == key.id
        else None
    )
    return render_template("api/key_made.html", key=key, token=token)


@bp.route("/api-keys/<int:key_id>/revoke", methods=["GET", "POST"])
@administrator
def revoke_key(key_id: int) -> Response | str:
    key = _own_key(key_id)
    form = RevokeKeyForm()
    if key.revoked_at is None and form.validate_on_submit():
        try:
            keys.revoke_key(key, by=current_user)
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(f"{key.name} is revoked: calls with it are refused from now on", "success")
            return redirect(url_for("api_keys.key_list"))
    return render_template("api/revoke_key.html", key=key, form=form)
