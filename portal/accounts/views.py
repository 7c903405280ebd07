from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from portal.accounts import sessions
from portal.accounts.forms import SignInForm
from portal.accounts.models import User
from portal.accounts.operations import authenticate, record_failed_sign_in, record_sign_in
from portal.common.access import public, roles_required, signed_in
from portal.common.pagination import paginate
from portal.common.roles import Role
from portal.common.templating import navigation_for
from portal.extensions import db

bp = Blueprint("accounts", __name__, template_folder="templates")


@bp.get("/")
@public
def home() -> Response:
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.sign_in"))
    items = navigation_for(current_user.roles)
    if not items:
        return redirect(url_for("common.accessibility"))
    return redirect(items[0]["href"])


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> Response | str:
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is None:
            form.email.errors = ["Enter a correct email address and password"]
            # The form is shown again, so the request rolls back: the failure is kept by a
            # commit of its own (nothing else has changed in this request).
            record_failed_sign_in(form.email.data or "")
            db.session.commit()
        else:
            sessions.begin(user)
            record_sign_in(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("accounts.home"))
    return render_template("accounts/sign_in.html", form=form)


def _safe_next(target: str | None) -> str | None:
    """Only follow ``next`` to a path on this site, never to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.post("/sign-out")
@signed_in
def sign_out() -> Response:
    sessions.end(current_user._get_current_object())
    return redirect(url_for("accounts.signed_out"))


@bp.get("/signed-out")
@public
def signed_out() -> str:
    return render_template("accounts/signed_out.html")


@bp.get("/accounts")
@roles_required(Role.ADMINISTRATOR)
def account_list() -> str:
    page = paginate(select(User).options(selectinload(User.provider)).order_by(User.name, User.id))
    return render_template("accounts/account_list.html", page=page)
