from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts import sessions
from portal.accounts.forms import SetPasswordForm, SignInForm, allowed_password
from portal.accounts.limits import set_password_limits, sign_in_limits
from portal.accounts.links import check_link, set_password_by_link
from portal.accounts.lockout import forget_failures, locked_until, note_failure
from portal.accounts.mfa import operations as mfa
from portal.accounts.mfa.flow import start_second_step
from portal.accounts.mfa.operations import second_factor_needed
from portal.accounts.models import LinkPurpose
from portal.accounts.operations import (
    authenticate,
    record_failed_sign_in,
    record_sign_in,
    refuse_alike,
)
from portal.accounts.passwords import HINT
from portal.common.access import password_accepted, public, signed_in
from portal.common.dates import format_moment
from portal.common.errors import DomainError, show_on_form
from portal.common.templating import navigation_for, sections_for
from portal.extensions import db

bp = Blueprint("accounts", __name__, template_folder="templates")


@bp.get("/")
@public
def home() -> Response:
    if not current_user.is_authenticated:
        pending = sessions.pending_user()
        return redirect(
            sessions.second_step_url(pending) if pending else url_for("accounts.sign_in")
        )
    if not navigation_for(current_user.roles):
        return redirect(url_for("common.accessibility"))
    # Every role lands on "What needs you": what is owed or waiting, each linked to the work.
    return redirect(url_for("casework.notices"))


@bp.get("/sections")
@signed_in
def all_sections() -> str:
    """Every section the person's roles give them, for those the menu's row has no room for
    (its "More")."""
    return render_template("accounts/all_sections.html", sections=sections_for(current_user.roles))


@bp.get("/account")
@signed_in
def your_account() -> str:
    """The signed-in person's own account: who they are, and where to change their
    password, manage multi-factor sign-in and see their sessions."""
    user = current_user._get_current_object()
    return render_template(
        "accounts/your_account.html",
        user=user,
        enrolled=mfa.enrolled(user),
        codes_left=mfa.codes_left(user),
        sessions_open=len(sessions.open_sessions(user)),
    )


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@sign_in_limits
def sign_in() -> Response | str:
    form = SignInForm()
    if form.validate_on_submit():
        email, password = form.email.data or "", form.password.data or ""
        locked = locked_until(email)
        if locked:
            refuse_alike(password)  # as long as checking a password, even while locked
            user = None
        else:
            user = authenticate(email, password)
        if user is None:
            # The form is shown again, so the request rolls back: the failure is kept by a
            # commit of its own (nothing else has changed in this request).
            record_failed_sign_in(email)
            # The same words for a wrong password, an unknown address and a lockout (every
            # address typed is counted alike), so none of them tells that an account exists.
            locked = locked or note_failure(email)
            form.email.errors = [_refusal(locked)]
            db.session.commit()
        else:
            target = _safe_next(request.args.get("next"))
            if second_factor_needed(user):
                # The lockout's count carries on until the second factor is passed too.
                return start_second_step(user, target)
            forget_failures(user)
            sessions.begin(user)
            record_sign_in(user)
            return redirect(target or url_for("accounts.home"))
    return render_template("accounts/sign_in.html", form=form)


def _refusal(locked: dt.datetime | None) -> str:
    message = "Enter a correct email address and password"
    if locked is None:
        return message
    return (
        f"{message}. There have been too many tries for this email address: "
        f"you can try again after {format_moment(locked)}"
    )


def _safe_next(target: str | None) -> str | None:
    """Only follow ``next`` to a path on this site, never to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.post("/sign-out")
@password_accepted
def sign_out() -> Response:
    user = sessions.pending_user() or current_user._get_current_object()
    sessions.end(user)
    return redirect(url_for("accounts.signed_out"))


@bp.get("/signed-out")
@public
def signed_out() -> str:
    return render_template("accounts/signed_out.html")


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@public
@set_password_limits
def set_password(token: str) -> Response | str | tuple[str, int]:
    """Where an invitation's link leads: the person chooses their password. Nobody is
    signed in by it; whoever is signed in in this browser is signed out first, so the
    password is set for the account the link names and no other."""
    check = check_link(token)
    if check.problem or check.link is None:
        return render_template("accounts/link_problem.html", problem=check.problem), 404
    user = check.link.user
    form = SetPasswordForm()
    if form.validate_on_submit() and (password := allowed_password(form.password, user)):
        try:
            set_password_by_link(token, password)
        except DomainError as error:
            show_on_form(form, error)
        else:
            if current_user.is_authenticated:
                sessions.end(current_user._get_current_object())
            flash("Your password is set. Sign in with your email address and it.", "success")
            return redirect(url_for("accounts.sign_in"))
    return render_template(
        "accounts/set_password.html",
        form=form,
        user=user,
        hint=HINT,
        reset=check.link.purpose is LinkPurpose.RESET,
    )
