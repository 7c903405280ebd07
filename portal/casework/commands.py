"""``flask retention apply [--dry-run]``: anonymise the people whose care ended more than
RETENTION_YEARS ago (portal/casework/retention.py), all in one transaction or not at all.
Meant to run nightly or monthly, like the package-line import."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from portal.casework import retention
from portal.common.dates import today
from portal.extensions import db

retention_cli = AppGroup("retention", help="Personal data kept no longer than it is needed.")


@retention_cli.command("apply")
@click.option("--dry-run", is_flag=True, help="Say who would be anonymised; change nothing.")
def apply(dry_run: bool) -> None:
    """Anonymise every service user whose care ended more than PORTAL_RETENTION_YEARS
    ago: their figures stay, what identifies them goes. Prints ids and counts, never names."""
    years = current_app.config["RETENTION_YEARS"]
    try:
        outcome = retention.apply(today(), years, dry_run=dry_run)
        ids = ", ".join(str(person.service_user_id) for person in outcome.people)
        verb = "would be" if dry_run else "were"
        click.echo(
            f"Care ended before {outcome.cutoff.isoformat()} ({years} years' retention): "
            f"{len(outcome.people)} {'person' if len(outcome.people) == 1 else 'people'} "
            f"{verb} anonymised" + (f": service user ids {ids}" if ids else "")
        )
        if outcome.people:
            click.echo(
                f"The audit trail holds {outcome.audit_events} events about their records, "
                "kept unchanged for the trail's own retention period"
            )
        if dry_run:
            db.session.rollback()
            click.echo("Dry run: nothing was changed")
            return
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
