from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.notifications.email import email_enabled, send_pending

email_cli = AppGroup("email", help="Email sent alongside the What needs you list.")


@email_cli.command("send")
def send() -> None:
    """Send emails not yet sent, retrying failures (run it from cron every few minutes)."""
    if not email_enabled():
        raise click.ClickException("Email is off: set PORTAL_SMTP_HOST to send email")
    sent, failed = send_pending()
    click.echo(f"{sent} sent, {failed} not sent (they are tried again next time)")
    if failed:
        raise SystemExit(1)
