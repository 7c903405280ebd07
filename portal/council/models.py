from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.common.care import CareCategory, PricingZone
from portal.common.models import TimestampMixin
from portal.common.types import enum_type
from portal.extensions import db

# The settings' columns holding the re-ranking's weights, in the order the page shows them.
RANKING_WEIGHTS = (
    "ranking_weight_cqc",
    "ranking_weight_qaf",
    "ranking_weight_outcomes",
    "ranking_weight_outcome_returns",
    "ranking_weight_capacity_returns",
)
MOST_WEIGHT = 100


class CouncilSettings(TimestampMixin, db.Model):  # type: ignore[name-defined]
    """The council's business settings: a single row, changed by commissioners.

    The council's name and brand are configuration (see portal/config.py), not data.
    """

    __tablename__ = "council_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(
            "capacity_opens_day BETWEEN 1 AND 28 AND capacity_closes_day BETWEEN 1 AND 28 "
            "AND capacity_opens_day <= capacity_closes_day",
            name="capacity_window_days",
        ),
        CheckConstraint(
            "smallest_comparable_sample BETWEEN 1 AND 1000", name="smallest_comparable_sample"
        ),
        CheckConstraint(
            " AND ".join(f"{name} BETWEEN 0 AND 100" for name in RANKING_WEIGHTS)
            + " AND "
            + " + ".join(RANKING_WEIGHTS)
            + " > 0",
            name="ranking_weights",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    # Working days (England bank holidays excluded) a care manager has to decide.
    decision_target_working_days: Mapped[int] = mapped_column(Integer, default=10)
    # Days after the quarter ends that an outcome return falls due.
    outcome_return_due_days: Mapped[int] = mapped_column(Integer, default=14)
    # The finance ledger codes one-off payments are charged to, on every payment list.
    cost_centre: Mapped[str] = mapped_column(String(20), default="", server_default="")
    nominal_code: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # The monthly capacity return's window: from this day of the month to that one (the
    # closing day moves to the next working day when it is not one).
    capacity_opens_day: Mapped[int] = mapped_column(Integer, default=8, server_default="8")
    capacity_closes_day: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    # Carer pay below this hourly rate is flagged (the National Living Wage from April 2026).
    wage_floor_pence: Mapped[int] = mapped_column(Integer, default=1271, server_default="1271")
    # Outcome figures from fewer returns than this are flagged as too small to compare, and
    # no change is reported between them.
    smallest_comparable_sample: Mapped[int] = mapped_column(
        Integer, default=30, server_default="30"
    )
    # The annual re-ranking's weights (portal.reports.ranking): how much each figure counts
    # towards a provider's score, 0 to 100, at least one above 0.
    ranking_weight_cqc: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    ranking_weight_qaf: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    ranking_weight_outcomes: Mapped[int] = mapped_column(Integer, default=20, server_default="20")
    ranking_weight_outcome_returns: Mapped[int] = mapped_column(
        Integer, default=10, server_default="10"
    )
    ranking_weight_capacity_returns: Mapped[int] = mapped_column(
        Integer, default=10, server_default="10"
    )


def get_settings() -> CouncilSettings:
    """The settings row, which the first migration creates with the defaults."""
    settings = db.session.get(CouncilSettings, 1)
    if settings is None:
        raise LookupError("council_settings has no row: run the migrations")
    return settings


class CardRate(TimestampMixin, db.Model):  # type: ignore[name-defined]
    """One hourly rate on the council's rate card: what it pays for an hour of a care
    category's care in a pricing zone, from ``effective_from`` until a later rate for the
    same zone and category starts. Rates are never changed: a new one supersedes."""

    __tablename__ = "card_rates"
    __table_args__ = (
        UniqueConstraint("pricing_zone", "care_category", "effective_from"),
        CheckConstraint("hourly_rate_pence > 0", name="hourly_rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pricing_zone: Mapped[PricingZone] = mapped_column(enum_type(PricingZone, "pricing_zone"))
    care_category: Mapped[CareCategory] = mapped_column(enum_type(CareCategory, "care_category"))
    hourly_rate_pence: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
