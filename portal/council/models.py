from __future__ import annotations

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.common.models import TimestampMixin
from portal.extensions import db


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


def get_settings() -> CouncilSettings:
    """The settings row, which the first migration creates with the defaults."""
    settings = db.session.get(CouncilSettings, 1)
    if settings is None:
        raise LookupError("council_settings has no row: run the migrations")
    return settings
