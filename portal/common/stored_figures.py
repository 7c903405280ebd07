"""Figures worked out once and kept: what a report counts for a whole month that is over,
so the dashboard and the committee report read a few hundred stored numbers rather than
counting every package line again each time they are drawn.

A figure is named (``"packages.people"``) under a topic (``"packages"``), and holds, for
each month (its first day), numbers by part (``"people"``, ``"patch:east"``). A month that
has been counted has a row under the part ``COUNTED`` even when every other number is
zero, so "counted, and nothing" is told from "not counted yet".

Stored figures are derived state and never the only copy: a reader counts for itself
whatever is not stored (``portal.reports.stored``). Whatever changes what they were
counted from calls ``forget`` for the topic from the first day it changed, in the same
transaction as the change, so nothing stale is ever read; ``flask reports refresh``, each
night, counts again what was forgotten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import BigInteger, Date, Index, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

COUNTED = ""  # the part that says a month was counted

# Topics: what the figures under each are counted from, and so who forgets them.
PACKAGES = "packages"  # the package lines and the register's contract history
OUTCOMES = "outcomes"  # the outcome returns handed in, by quarter (its first month)


class StoredFigure(db.Model):  # type: ignore[name-defined]
    """One number of one figure for one month."""

    __tablename__ = "stored_figures"
    __table_args__ = (
        UniqueConstraint("figure", "month", "part"),
        # Forgetting a topic from a month on.
        Index("ix_stored_figures_topic_month", "topic", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(20))
    figure: Mapped[str] = mapped_column(String(60))
    month: Mapped[dt.date] = mapped_column(Date)
    part: Mapped[str] = mapped_column(String(60))
    value: Mapped[int] = mapped_column(BigInteger)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def forget(topic: str, *, since: dt.date, until: dt.date | None = None) -> None:
    """Forget the topic's figures for the months from ``since``'s to ``until``'s (or every
    later month), because what they were counted from has changed."""
    table = StoredFigure.__table__
    statement = delete(table).where(table.c.topic == topic, table.c.month >= month_of(since))
    if until is not None:
        statement = statement.where(table.c.month <= month_of(until))
    db.session.execute(statement)


def forget_months(topic: str, months: Any) -> None:
    """Forget the topic's figures for the months a statement selects (their first days)."""
    table = StoredFigure.__table__
    db.session.execute(delete(table).where(table.c.topic == topic, table.c.month.in_(months)))


def forget_everything() -> None:
    db.session.execute(delete(StoredFigure.__table__))


def read(figure: str, months: Iterable[dt.date]) -> dict[dt.date, dict[str, int]]:
    """The stored numbers of ``figure`` for those of ``months`` that were counted."""
    wanted = sorted(set(months))
    if not wanted:
        return {}
    table = StoredFigure.__table__
    rows = db.session.connection().execute(
        select(table.c.month, table.c.part, table.c.value).where(
            table.c.figure == figure, table.c.month >= wanted[0], table.c.month <= wanted[-1]
        )
    )
    found: dict[dt.date, dict[str, int]] = {}
    for month, part, value in rows:
        found.setdefault(month, {})[part] = int(value)
    keep = set(wanted)
    return {
        month: {part: value for part, value in parts.items() if part != COUNTED}
        for month, parts in found.items()
        if month in keep and COUNTED in parts
    }


def store(topic: str, figure: str, counted: Mapping[dt.date, Mapping[str, int]]) -> None:
    """Keep ``figure``'s numbers for each month counted, in place of any kept before."""
    if not counted:
        return
    table = StoredFigure.__table__
    db.session.execute(
        delete(table).where(table.c.figure == figure, table.c.month.in_(list(counted)))
    )
    rows = [
        {"topic": topic, "figure": figure, "month": month, "part": part, "value": int(value)}
        for month, parts in counted.items()
        for part, value in {**parts, COUNTED: 1}.items()
        if value or part == COUNTED
    ]
    db.session.execute(table.insert(), rows)
