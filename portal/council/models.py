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
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    # Working days (England bank holidays excluded) a care manager has to decide.
    decision_target_working_days: Mapped[int] = mapped_column(Integer, default=10)
    # Days after the quarter ends that an outcome return falls due.
    outcome_return_due_days: Mapped[int] = mapped_column(Integer, default=14)
    # The finance ledger codes one-off payments are charged to, on every payment list.
    cost_centre: Mapped[str] = mapped_column(String(20), default="", server_default="")
    nominal_code: Mapped[str] = mapped_column(String(20), default="", server_default="")


def get_settings() -> CouncilSettings:
    """The settings row, which the first migration creates with the defaults."""
    settings = db.session.get(CouncilSettings, 1)
    if settings is None:
        raise LookupError("council_settings has no row: run the migrations")
    return settings
