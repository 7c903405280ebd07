"""A person's own password: changing it while signed in (/account/password), and
"Forgotten your password?" from the sign-in page, which emails a one-time link to the
set-password page invitations use. Here rather than in accounts because both send email.

The answer to a reset request is the same whether or not an account has the address, and
a disabled account is sent nothing."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.forms import ChangePasswordForm, ForgottenPasswordForm, allowed_password
from portal.accounts.limits import change_password_limits, reset_limits
from portal.accounts.links import request_reset
from portal.accounts.operations import change_password
from portal.accounts.passwords import HINT
from portal.administration import notices
from portal.common.access import public, signed_in
from portal.common.errors import DomainError, show_on_form
from portal.notifications.email import email_enabled

bp = Blueprint("passwords", __name__, template_folder="templates")


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
@change_password_limits
def change() -> Response | str:
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit() and (password := allowed_password(form.password, user)):
        try:
            ended = change_password(user, current=form.current_password.data or "", new=password)
        except DomainError as error:
            show_on_form(form, error)
        else:
            notices.password_changed(user)
            elsewhere = " You have been signed out everywhere else." if ended else ""
            flash(f"Your password has been changed.{elsewhere}", "success")
            return redirect(url_for("accounts.home"))
    return render_template("passwords/change.html", form=form, user=user, hint=HINT)


@bp.route("/forgotten-password", methods=["GET", "POST"])
@public
@reset_limits
def forgotten() -> Response | str:
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        asked = request_reset(form.email.data or "")
        if asked is not None:
            notices.password_reset(*asked)
        return redirect(url_for("passwords.link_sent"))
    return render_template("passwords/forgotten.html", form=form, email=email_enabled())


@bp.get("/forgotten-password/sent")
@public
def link_sent() -> str:
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    return render_template("passwords/sent.html", minutes=minutes)
