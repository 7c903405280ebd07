"""``flask reductions checkpoints [--all]``: the nightly job that fills in each approved
reduction's 91-day and 12-month checkpoint once its day has come
(portal/recommendations/checkpoints.py). Safe to run at any time and more than once."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.extensions import db
from portal.recommendations import checkpoints

reductions_cli = AppGroup("reductions", help="Whether approved reductions held.")


@reductions_cli.command("checkpoints")
@click.option(
    "--all", "everything", is_flag=True, help="Work out every reduction again (a repair)."
)
def checkpoints_command(everything: bool) -> None:
    """Judge each approved reduction whose 91-day or 12-month checkpoint has come since it
    was last judged (with --all, every one) from the package lines, and commit."""
    try:
        if everything:
            checkpoints.refresh_everything()
            click.echo("Every approved reduction was judged again from the package lines")
        else:
            judged = checkpoints.refresh_due()
            click.echo(f"Reductions that reached a checkpoint, judged again: {judged}")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
