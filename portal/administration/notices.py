"""The invitation email, when the council has named an SMTP server. The link in it is the
only copy of the token: the outbox keeps the email's text until it is sent."""

from __future__ import annotations

from flask import current_app

from portal.accounts.models import User
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
