"""``flask import package-lines FILE``: the nightly job's way in, with the page's checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask.cli import AppGroup

from portal.caseload import operations
from portal.caseload.extract import LAYOUT, parse_date
from portal.caseload.plan import COUNTS
from portal.common.dates import today
from portal.common.sheets import UploadError, read_table
from portal.extensions import db

import_cli = AppGroup("import", help="Imports from the council's other systems.")


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date:
    if value is None:
        return today()
    try:
        return parse_date(value)
    except ValueError as error:
        raise click.BadParameter("use a date like 2026-04-01") from error


@import_cli.command("package-lines")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--extract-date", callback=_date, help="When the extract was taken (default: today).")
@click.option("--changes-only", is_flag=True, help="The file holds only new and changed lines.")
@click.option("--dry-run", is_flag=True, help="Check and preview; change nothing.")
def package_lines(file: Path, extract_date: dt.date, changes_only: bool, dry_run: bool) -> None:
    """Check the case system's extract FILE (CSV or xlsx), print what it would change and,
    unless --dry-run, apply it as a system import. Exits non-zero on any problem."""
    try:
        rows = read_table(file.name, file.read_bytes(), LAYOUT)
    except UploadError as error:
        raise click.ClickException(str(error)) from error
    full = not changes_only
    if dry_run:
        checked = operations.check_file(rows, extract_date=extract_date, full=full)
        applied = None
    else:
        checked, applied = operations.import_at_once(
            rows, file_name=file.name, extract_date=extract_date, full=full, by=None
        )
    for problem in checked.problems:
        click.echo(f"Row {problem.row}, {problem.column}: {problem.message}", err=True)
    if checked.problems or checked.plan is None:
        raise click.ClickException(
            f"{len(checked.problems)} problems in {checked.extract.rejected_rows} rows: "
            "nothing was changed"
        )
    for warning in checked.plan.warnings:
        click.echo(f"Warning: row {warning.row}, {warning.case_reference}: {warning.message}")
    counts = applied or checked.plan.counts
    click.echo(", ".join(f"{name.replace('_', ' ')}: {counts[name]}" for name in COUNTS))
    if applied is None:
        click.echo("Dry run: nothing was changed")
        return
    db.session.commit()
    click.echo("Applied")
