"""``flask reports annual-report --year 2025 --output report.pdf``: the committee's annual
report for a financial year, written to a file (for the demo data, or a scheduled run).

``flask reports refresh [--all]``: the nightly job that counts and keeps the dashboard's
monthly figures for each month that is over and not kept (``portal.reports.stored``)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from portal.common.dates import FinancialYear, today
from portal.extensions import db
from portal.reports import stored
from portal.reports.annual_report import annual_report_pdf, file_name

reports_cli = AppGroup("reports", help="The commissioner's reports.")


@reports_cli.command("annual-report")
@click.option(
    "--year",
    "start_year",
    type=click.IntRange(2000, None),
    help="The financial year by its first year: 2025 for 2025/26. "
    "By default the last complete year.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the PDF; by default its usual name in the current folder.",
)
def annual_report(start_year: int | None, output: Path | None) -> None:
    """Write the annual monitoring report for the scrutiny committee as PDF."""
    current = FinancialYear.containing(today())
    if start_year is not None and start_year > current.start_year:
        raise click.BadParameter(
            f"{start_year}/{(start_year + 1) % 100:02d} has not started yet", param_hint="--year"
        )
    year = (
        FinancialYear(start_year)
        if start_year is not None
        else FinancialYear(current.start_year - 1)
    )
    path = output or Path(file_name(year))
    pdf = annual_report_pdf(year)
    path.write_bytes(pdf)
    click.echo(f"The annual report for {year.label} is in {path} ({len(pdf):,} bytes)")


@reports_cli.command("refresh")
@click.option("--all", "everything", is_flag=True, help="Count every month again (a repair).")
def refresh(everything: bool) -> None:
    """Count and keep the dashboard's figures for each month that is over and not kept
    (with --all, every month), and commit. Safe to run at any time and more than once."""
    try:
        counted = stored.refresh(everything=everything)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    months = max(counted.values(), default=0)
    click.echo(f"Months counted and kept: {months} (of {len(counted)} figures)")
