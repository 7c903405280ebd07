from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from portal.demo.data import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_data_present, load_demo_data
from portal.extensions import db

demo_cli = AppGroup("demo", help="Demo data for trying the portal out.")


@demo_cli.command("load")
def load() -> None:
    """Load the demo council's providers, service users and accounts, unless already there."""
    if demo_data_present():
        click.echo("Demo data is already loaded.")
    else:
        load_demo_data()
        db.session.commit()
        click.echo("Demo data loaded.")


@demo_cli.command("accounts")
def accounts() -> None:
    """Print the demo sign-ins."""
    click.echo("Demo sign-ins (password for each: " + DEMO_PASSWORD + "):")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.email:42} {account.note}")
    if current_app.config["MFA_REQUIRED"]:
        click.echo("Multi-factor sign-in is required: each account sets up an authenticator app.")
    else:
        click.echo(
            "Multi-factor sign-in is off (PORTAL_MFA_REQUIRED=false): the password is enough, "
            "unless an account sets it up from 'Multi-factor sign-in'. "
            "PORTAL_MFA_REQUIRED=true make run asks for it."
        )
