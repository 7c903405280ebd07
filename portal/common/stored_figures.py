"""Figures worked out once and kept: what a report counts for a whole month that is over,
so the dashboard and the committee report read a few hundred stored numbers rather than
counting every package line again each time they are drawn.

A figure is named (``"packages.people_and_lines"``) under a topic (``"packages"``), and
holds, for each month counted (its first day), its numbers by part (``{"people": 812,
"lines": 1040}``) as one JSON object: a month's row is there once it was counted, even if
every number in it is zero, so "counted, and nothing" is told from "not counted yet".

Stored figures are derived state and never the only copy: a reader counts for itself
whatever is not stored (``portal.reports.stored``). Whatever changes what they were
counted from calls ``forget`` for the topic from the first day it changed, in the same
transaction as the change, so nothing stale is ever read; ``flask reports refresh``, each
night, counts again what was forgotten.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import (
    Date,
    Index,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    delete,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

# Topics: what the figures under each are counted from, and so who forgets them.
PACKAGES = "packages"  # the package lines and the register's contract history
OUTCOMES = "outcomes"  # the outcome returns handed in, by quarter (its first month)


class StoredFigure(db.Model):  # type: ignore[name-defined]
    """One figure's numbers for one month."""

    __tablename__ = "stored_figures"
    __table_args__ = (
        # Reading a figure's months, in order.
        UniqueConstraint("figure", "month"),
        # Forgetting a topic from a month on.
        Index("ix_stored_figures_topic_month", "topic", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(20))
    figure: Mapped[str] = mapped_column(String(60))
    month: Mapped[dt.date] = mapped_column(Date)
    # A JSON object of whole numbers by part, written and read here only.
    numbers: Mapped[str] = mapped_column(Text)


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


_TABLE = StoredFigure.__table__
# Built once: a figure's numbers for the months between two.
_READ = select(_TABLE.c.month, _TABLE.c.numbers).where(
    _TABLE.c.figure == bindparam("figure"),
    _TABLE.c.month >= bindparam("first"),
    _TABLE.c.month <= bindparam("last"),
)


def read(figure: str, months: Iterable[dt.date]) -> dict[dt.date, dict[str, int]]:
    """The stored numbers of ``figure`` for those of ``months`` that were counted."""
    wanted = set(months)
    if not wanted:
        return {}
    rows = db.session.connection().execute(
        _READ, {"figure": figure, "first": min(wanted), "last": max(wanted)}
    )
    return {month: json.loads(numbers) for month, numbers in rows if month in wanted}


def store(topic: str, figure: str, counted: Mapping[dt.date, Mapping[str, int]]) -> None:
    """Keep ``figure``'s numbers for each month counted, in place of any kept before."""
    if not counted:
        return
    db.session.execute(
        delete(_TABLE).where(_TABLE.c.figure == figure, _TABLE.c.month.in_(list(counted)))
    )
    db.session.execute(
        _TABLE.insert(),
        [
            {
                "topic": topic,
                "figure": figure,
                "month": month,
                "numbers": json.dumps(
                    {part: int(value) for part, value in parts.items() if value}, sort_keys=True
                ),
            }
            for month, parts in counted.items()
        ],
    )
