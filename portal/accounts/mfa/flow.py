"""The steps between the password and the rest of the portal, kept in the cookie session:
where to go once signed in, the key being enrolled (sealed) until a code confirms it, and
new recovery codes until the person says they have saved them."""

from __future__ import annotations

from flask import redirect, session, url_for
from werkzeug.wrappers import Response

from portal.accounts import sessions
from portal.accounts.lockout import forget_failures
from portal.accounts.mfa import keys
from portal.accounts.models import User
from portal.accounts.operations import record_sign_in

NEXT = "mfa_next"
ENROLLING = "mfa_enrolling"
SHOWN_CODES = "mfa_recovery_codes"


def start_second_step(user: User, target: str | None) -> Response:
    """The password was right: a password-only session, and on to the second step."""
    sessions.begin(user, password_only=True)
    if target:
        session[NEXT] = target
    return redirect(sessions.second_step_url(user))


def finish_sign_in(
    user: User, *, codes: list[str] | None = None, factor: str = "authenticator"
) -> Response:
    """The second factor is passed: the password-only session ends and a new one, with a
    new token and CSRF secret, signs the person in. New recovery codes are shown first."""
    target = session.get(NEXT)
    sessions.begin(user)
    forget_failures(user)
    record_sign_in(user, second_factor=factor)
    if codes:
        return show_codes(codes, then=target)
    return redirect(target or url_for("accounts.home"))


def show_codes(codes: list[str], *, then: str | None) -> Response:
    session[SHOWN_CODES] = codes
    if then:
        session[NEXT] = then
    return redirect(url_for("mfa.recovery_codes"))


def enrolling_secret() -> str:
    """The key offered for enrolment: the same on every try until it is confirmed, sealed in
    the cookie session (the database keeps a key only once a code confirms it)."""
    sealed = session.get(ENROLLING)
    secret = keys.unseal(sealed) if isinstance(sealed, str) else None
    if secret is None:
        secret = keys.new_secret()
        session[ENROLLING] = keys.seal(secret)
    return secret
