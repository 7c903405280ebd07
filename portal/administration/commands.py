"""``flask accounts create-admin EMAIL``: the first administrator of a new install, or a
way back in when no administrator can sign in. Whoever can run commands on the server is
trusted with this; the command is audited as made by no one (the command line)."""

from __future__ import annotations

import click
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask.cli import AppGroup

from portal.accounts import administration
from portal.accounts.links import issue_link
from portal.accounts.models import AccountStatus, LinkPurpose
from portal.accounts.operations import find_user_by_email
from portal.administration.notices import invitation_link
from portal.common.errors import DomainError
from portal.common.roles import Role
from portal.extensions import db

accounts_cli = AppGroup("accounts", help="Portal accounts.")


@accounts_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="Their full name (asked for when not given).")
def create_admin(email: str, name: str) -> None:
    """Make an administrator account for EMAIL and print a one-time link to set its
    password. For an administrator who has not yet set one, print a new link."""
    try:  # the check the invitation form makes
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.ClickException(f"{email!r} is not an email address: {error}") from error
    existing = find_user_by_email(email)
    if existing is not None:
        if Role.ADMINISTRATOR not in existing.roles or existing.status is not AccountStatus.INVITED:
            raise click.ClickException(
                f"An account already has the email address {existing.email}: "
                "an administrator can change its roles in the portal"
            )
        user, token = (
            existing,
            issue_link(existing, purpose=LinkPurpose.FIRST_ADMINISTRATOR, by=None),
        )
    else:
        name = name.strip() or click.prompt("Their full name").strip()
        try:
            user, token = administration.invite(
                administration.Invitee(
                    email=email, name=name, roles=frozenset({Role.ADMINISTRATOR})
                ),
                by=None,
                purpose=LinkPurpose.FIRST_ADMINISTRATOR,
            )
        except DomainError as error:
            raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Administrator account for {user.email}.")
    hours = current_app.config["INVITATION_HOURS"]
    click.echo(f"Open this link to set its password. It works once, within {hours} hours:")
    click.echo(invitation_link(token))
