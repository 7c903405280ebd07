"""Multi-factor sign-in's pages: the second step of signing in (setting up an authenticator
app, or typing its code or a recovery code), and the person's own page about it."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.limits import code_limits
from portal.accounts.mfa import keys, operations
from portal.accounts.mfa.flow import (
    ENROLLING,
    NEXT,
    SHOWN_CODES,
    enrolling_secret,
    finish_sign_in,
    show_codes,
)
from portal.accounts.mfa.forms import CodeForm, RecoveryCodeForm, SavedCodesForm
from portal.accounts.models import User
from portal.accounts.sessions import pending_user
from portal.common.access import second_step, signed_in
from portal.common.database import write_of_its_own
from portal.common.errors import DomainError, show_on_form

bp = Blueprint("mfa", __name__, template_folder="templates")


def _pending() -> User:
    user = pending_user()
    assert user is not None  # second_step lets no one else in
    return user


def _me() -> User:
    return current_user._get_current_object()


@bp.route("/sign-in/authenticator", methods=["GET", "POST"])
@second_step
@code_limits
def enrol() -> Response | str:
    user = _pending()
    if operations.enrolled(user):
        return redirect(url_for("mfa.challenge"))
    return _enrol(user, lambda codes: finish_sign_in(user, codes=codes), signing_in=True)


@bp.route("/account/multi-factor/set-up", methods=["GET", "POST"])
@signed_in
@code_limits
def set_up() -> Response | str:
    """Where multi-factor sign-in is not required, a person may still turn it on."""
    user = _me()
    if operations.enrolled(user):
        return redirect(url_for("mfa.account"))

    def done(codes: list[str]) -> Response:
        session.pop(ENROLLING, None)
        flash(
            "Multi-factor sign-in is set up: you will be asked for a code each time you sign in",
            "success",
        )
        return show_codes(codes, then=url_for("mfa.account"))

    return _enrol(user, done, signing_in=False)


def _enrol(
    user: User, done: Callable[[list[str]], Response], *, signing_in: bool
) -> Response | str:
    secret = enrolling_secret()
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = operations.enrol(user, secret, form.code.data or "")
        except DomainError as error:
            _refused(user, form, error, kind="enrolment")
        else:
            return done(codes)
    uri = keys.provisioning_uri(secret, user.email)
    return render_template(
        "mfa/enrol.html",
        form=form,
        qr=keys.qr_code(uri),
        key=keys.grouped(secret),
        signing_in=signing_in,
        required=current_app.config["MFA_REQUIRED"],
    )


@bp.route("/sign-in/code", methods=["GET", "POST"])
@second_step
@code_limits
def challenge() -> Response | str:
    def accept(user: User, code: str) -> Response:
        operations.check_code(user, code)
        return finish_sign_in(user)

    return _take_code(CodeForm(), accept, kind="code", template="mfa/challenge.html")


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
@second_step
@code_limits
def recovery() -> Response | str:
    def accept(user: User, code: str) -> Response:
        left = operations.use_recovery_code(user, code)
        response = finish_sign_in(user, factor="recovery_code")
        _tell_codes_left(left)  # after signing in, which starts a new cookie session
        return response

    return _take_code(
        RecoveryCodeForm(), accept, kind="recovery_code", template="mfa/recovery.html"
    )


def _take_code(
    form: CodeForm | RecoveryCodeForm,
    accept: Callable[[User, str], Response],
    *,
    kind: str,
    template: str,
) -> Response | str:
    """The second step for someone enrolled: a code typed, accepted or refused."""
    user = _pending()
    if not operations.enrolled(user):
        return redirect(url_for("mfa.enrol"))
    if form.validate_on_submit():
        try:
            return accept(user, form.code.data or "")
        except DomainError as error:
            _refused(user, form, error, kind=kind)
    return render_template(template, form=form)


def _tell_codes_left(left: int) -> None:
    codes = "1 recovery code" if left == 1 else f"{left} recovery codes"
    if left <= operations.FEW_CODES_LEFT:
        flash(
            f"You have used a recovery code and have {codes} left. Make new ones from "
            "‘Multi-factor sign-in’ at the top of the page, and find your authenticator app "
            "or set it up again.",
            "warning",
        )
    else:
        flash(f"You have used a recovery code: you have {codes} left.", "info")


def _refused(
    user: User, form: CodeForm | RecoveryCodeForm, error: DomainError, *, kind: str
) -> None:
    """A wrong code: shown beside the field, and kept (audited, counted towards the
    lockout) in a transaction of its own, as the refused request rolls back."""
    show_on_form(form, error)
    with write_of_its_own():
        operations.note_wrong_code(user, kind=kind)


@bp.get("/account/multi-factor")
@signed_in
def account() -> str:
    user = _me()
    return render_template(
        "mfa/account.html",
        user=user,
        enrolled=operations.enrolled(user),
        left=operations.codes_left(user),
        few=operations.FEW_CODES_LEFT,
        required=current_app.config["MFA_REQUIRED"],
    )


@bp.route("/account/multi-factor/new-recovery-codes", methods=["GET", "POST"])
@signed_in
@code_limits
def new_codes() -> Response | str:
    user = _me()
    if not operations.enrolled(user):
        return redirect(url_for("mfa.account"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = operations.new_recovery_codes(user, form.code.data or "")
        except DomainError as error:
            _refused(user, form, error, kind="new_recovery_codes")
        else:
            return show_codes(codes, then=url_for("mfa.account"))
    return render_template("mfa/new_codes.html", form=form)


@bp.route("/account/multi-factor/recovery-codes", methods=["GET", "POST"])
@signed_in
def recovery_codes() -> Response | str:
    """New recovery codes, shown until the person says they have saved them; then gone."""
    codes = session.get(SHOWN_CODES)
    if not isinstance(codes, list) or not codes:
        return redirect(url_for("mfa.account"))
    form = SavedCodesForm()
    if form.validate_on_submit():
        session.pop(SHOWN_CODES, None)
        return redirect(session.pop(NEXT, None) or url_for("accounts.home"))
    return render_template("mfa/codes.html", form=form, codes=codes)
