"""The emails about an account's password, when the council has named an SMTP server: the
invitation, a reset link, and the notice that a password was changed. A link in them is
the only copy of its token: the outbox keeps the email's text until it is sent."""

from __future__ import annotations

from flask import current_app

from portal.accounts.models import User
from portal.common.dates import format_moment
from portal.common.models import utcnow
from portal.notifications.email import email_enabled, portal_link, queue_email


def invitation_link(token: str) -> str:
    return portal_link("accounts.set_password", token=token)


def invitation(user: User, token: str) -> bool:
    """Queue ``user``'s invitation; False when email is not configured (the administrator
    is then shown the link to pass on)."""
    if not email_enabled():
        return False
    queue_email(
        [user],
        "account_invitation",
        user=user,
        link=invitation_link(token),
        hours=current_app.config["INVITATION_HOURS"],
    )
    return True


def password_reset(user: User, token: str) -> None:
    """Queue the link ``user`` asked for on "Forgotten your password?"."""
    queue_email(
        [user],
        "password_reset",
        user=user,
        link=invitation_link(token),
        minutes=current_app.config["PASSWORD_RESET_MINUTES"],
    )


def password_changed(user: User) -> None:
    """Tell ``user`` their password was changed, so a change they did not make is noticed."""
    queue_email(
        [user],
        "password_changed",
        user=user,
        when=format_moment(utcnow()),
        reset_link=portal_link("passwords.forgotten"),
    )
