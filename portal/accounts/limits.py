"""Rate limits on the forms that take a password or send one (Flask-Limiter): per address,
and per account (the email address typed, the password link's token, or the person signed
in). They count only what is
sent (POST); reading the page is free. The counts live in RATELIMIT_STORAGE_URI, shared by
every worker when it is Redis. Past a limit the person gets the 429 page, with Retry-After.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_login import current_user

from portal.extensions import limiter


def _setting(name: str) -> Callable[[], str]:
    return lambda: str(current_app.config[name])


def _email_typed() -> str:
    email = request.form.get("email", "")
    return "email:" + email.strip().lower()[:254]


def _link_token() -> str:
    token = (request.view_args or {}).get("token", "")
    return "link:" + hashlib.sha256(str(token).encode()).hexdigest()


def _signed_in_account() -> str:
    return f"user:{current_user.get_id()}"


def _second_factor_account() -> str:
    """The person typing a one-time or recovery code: past their password, or signed in."""
    from portal.accounts.sessions import pending_user

    user = pending_user() or current_user
    return f"code:{user.get_id()}"


def guarded(account: Callable[[], str]) -> Callable[[Any], Any]:
    """Both limits on a password form, its account told apart by ``account``."""
    per_address = limiter.limit(
        _setting("SIGN_IN_LIMIT_PER_ADDRESS"), methods=["POST"], scope="address"
    )
    per_account = limiter.limit(
        _setting("SIGN_IN_LIMIT_PER_ACCOUNT"), methods=["POST"], key_func=account, scope="account"
    )

    def decorator(view: Any) -> Any:
        return per_address(per_account(view))

    return decorator


sign_in_limits = guarded(_email_typed)
set_password_limits = guarded(_link_token)
# "Forgotten your password?" sends email to the address typed: limited as sign-in is, so it
# can be neither a way to flood someone's inbox nor to test addresses quickly.
reset_limits = guarded(_email_typed)
# Changing a password checks the current one: a stolen session must not guess it freely.
change_password_limits = guarded(_signed_in_account)
# One-time and recovery codes: six digits are guessed far sooner than a password, so a
# session past the password must not try them freely, nor from many sessions at once.
code_limits = guarded(_second_factor_account)
