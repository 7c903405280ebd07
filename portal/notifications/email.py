"""Email alongside the "What needs you" list, when the council has named an SMTP server.

Emails carry no personal details beyond a case reference: the link takes the reader to the
portal, where they sign in to see the rest."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, g
from flask_mail import Mail, Message
from sqlalchemy import select

from portal.accounts.models import User, UserRole
from portal.common.database import after_commit
from portal.common.models import utcnow
from portal.common.roles import Role
from portal.extensions import db
from portal.notifications.models import OutgoingEmail

log = logging.getLogger(__name__)
mail = Mail()

MAX_ATTEMPTS = 5


def email_enabled() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def portal_link(endpoint: str, **values: Any) -> str:
    """An address in the portal for an email, on the configured public address: the same
    whether the change came through a web request or a command."""
    public = urlsplit(str(current_app.config["PUBLIC_URL"]))
    adapter = current_app.url_map.bind(
        public.netloc, script_name=public.path or "/", url_scheme=public.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def queue_email(recipients: Iterable[User], template: str, **context: Any) -> None:
    """Write one email per active recipient from ``emails/<template>.txt``, whose first line
    is the subject. Nothing is written when email is not configured."""
    if not email_enabled():
        return
    addresses = list(dict.fromkeys(user.email for user in recipients if user.active))
    if not addresses:
        return
    # Rendered without the page layout's context, so a command can send email too.
    text = current_app.jinja_env.get_template(f"emails/{template}.txt").render(
        council=current_app.config["COUNCIL_NAME"],
        service=current_app.config["SERVICE_NAME"],
        **context,
    )
    subject, _, body = text.partition("\n")
    emails = [
        OutgoingEmail(recipient=address, subject=subject.strip(), body=body.strip())
        for address in addresses
    ]
    db.session.add_all(emails)
    db.session.flush()
    # Once a request: send what it wrote after it commits.
    ids: list[int] = []
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if after_commit("email", partial(deliver_after_response, app, ids)):
        g.queued_email_ids = ids
    g.queued_email_ids.extend(email.id for email in emails)


def users_with_role(role: Role, *, provider_id: int | None = None) -> list[User]:
    statement = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == role, User.active.is_(True))
        .order_by(User.id)
    )
    if provider_id is not None:
        statement = statement.where(User.provider_id == provider_id)
    return list(db.session.scalars(statement))


def send_pending(ids: list[int] | None = None) -> tuple[int, int]:
    """Send unsent emails (those named, or all still worth trying), each at most once:
    rows are locked while they are sent, so two senders never send the same email.
    Returns (sent, failed)."""
    statement = (
        select(OutgoingEmail)
        .where(OutgoingEmail.sent_at.is_(None), OutgoingEmail.attempts < MAX_ATTEMPTS)
        .order_by(OutgoingEmail.id)
        .with_for_update(skip_locked=True)
    )
    if ids is not None:
        statement = statement.where(OutgoingEmail.id.in_(ids))
    emails = list(db.session.scalars(statement))
    tried: set[int] = set()
    if emails:
        try:
            with mail.connect() as connection:
                for email in emails:
                    tried.add(email.id)
                    try:
                        connection.send(
                            Message(email.subject, recipients=[email.recipient], body=email.body)
                        )
                    except Exception as error:
                        _failed(email, error)
                    else:
                        email.sent_at = utcnow()
                        email.attempts += 1
        except Exception as error:
            for email in emails:
                if email.id not in tried:
                    _failed(email, error)
    sent = sum(1 for email in emails if email.sent_at is not None)
    db.session.commit()
    return sent, len(emails) - sent


def _failed(email: OutgoingEmail, error: Exception) -> None:
    email.attempts += 1
    email.last_error = f"{type(error).__name__}: {error}"[:1000]
    log.warning("email %s to %s not sent: %s", email.id, email.recipient, email.last_error)


def deliver_after_response(app: Flask, ids: list[int]) -> None:
    """Send this request's emails once its response has gone, so no one waits on SMTP."""
    with app.app_context():
        try:
            send_pending(ids)
        except Exception:
            log.exception("sending emails %s failed; `flask email send` will retry", ids)
            db.session.rollback()
