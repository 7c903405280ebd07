from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.capacity.rules import ReturnIndices, turnover_flagged
from portal.common.models import TimestampMixin
from portal.common.types import enum_type
from portal.extensions import db
from portal.providers.enums import Quadrant

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.providers.models import Provider


class CapacityKind(enum.StrEnum):
    FULL = "full"  # the provider's figures for the month
    UNCHANGED = "unchanged"  # last month's figures confirmed as this month's, in one step
    NIL = "nil"  # nothing to report: the provider supports no one

    @property
    def label(self) -> str:
        return {
            "full": "Return",
            "unchanged": "Nothing changed since last month",
            "nil": "Nil return",
        }[self.value]


class CapacityReturn(ReturnIndices, TimestampMixin, db.Model):  # type: ignore[name-defined]
    """A provider's capacity for one month, submitted once (a later correction is a new
    submission of the same month's return, audited). Hours are held in minutes, pay in
    pence and full-time equivalents in hundredths, so nothing is a float."""

    __tablename__ = "capacity_returns"
    __table_args__ = (
        UniqueConstraint("provider_id", "month"),
        CheckConstraint(
            "service_users >= 0 AND delivered_weekly_minutes >= 0 AND winter_weekly_minutes >= 0 "
            "AND festive_weekly_minutes >= 0 AND headcount >= 0 AND fte_hundredths >= 0 "
            "AND starters >= 0 AND leavers >= 0 AND vacancies >= 0 AND overseas_sponsored >= 0 "
            "AND agency_weekly_minutes >= 0 AND hourly_pay_pence >= 0",
            name="no_negative_figures",
        ),
        CheckConstraint("leavers <= headcount + starters", name="leavers_within_staff"),
        CheckConstraint("overseas_sponsored <= headcount", name="sponsored_within_headcount"),
        Index("ix_capacity_returns_month", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    month: Mapped[dt.date] = mapped_column(Date)  # the first of the month reported on
    kind: Mapped[CapacityKind] = mapped_column(enum_type(CapacityKind, "capacity_kind"))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    late: Mapped[bool] = mapped_column(Boolean, default=False)

    service_users: Mapped[int] = mapped_column(Integer, default=0)
    delivered_weekly_minutes: Mapped[int] = mapped_column(Integer, default=0)
    weekend_starts: Mapped[bool] = mapped_column(Boolean, default=False)
    seven_day_discharge: Mapped[bool] = mapped_column(Boolean, default=False)
    winter_weekly_minutes: Mapped[int] = mapped_column(Integer, default=0)
    festive_weekly_minutes: Mapped[int] = mapped_column(Integer, default=0)
    takes_children: Mapped[bool] = mapped_column(Boolean, default=False)
    takes_palliative: Mapped[bool] = mapped_column(Boolean, default=False)
    takes_double_handed: Mapped[bool] = mapped_column(Boolean, default=False)
    takes_dementia: Mapped[bool] = mapped_column(Boolean, default=False)
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    fte_hundredths: Mapped[int] = mapped_column(Integer, default=0)
    starters: Mapped[int] = mapped_column(Integer, default=0)
    leavers: Mapped[int] = mapped_column(Integer, default=0)
    vacancies: Mapped[int] = mapped_column(Integer, default=0)
    overseas_sponsored: Mapped[int] = mapped_column(Integer, default=0)
    agency_weekly_minutes: Mapped[int] = mapped_column(Integer, default=0)
    pays_travel_time: Mapped[bool] = mapped_column(Boolean, default=False)
    hourly_pay_pence: Mapped[int] = mapped_column(Integer, default=0)

    provider: Mapped[Provider] = relationship()
    submitted_by: Mapped[User] = relationship()
    quadrants: Mapped[list[CapacityByQuadrant]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CapacityByQuadrant.quadrant"
    )

    @property
    def spare_weekly_minutes(self) -> int:
        return sum(q.spare_weekly_minutes for q in self.quadrants)

    @property
    def new_packages(self) -> int:
        return sum(q.new_packages for q in self.quadrants)

    @property
    def turnover_flagged(self) -> bool:
        return turnover_flagged(self.turnover_percent)


class CapacityByQuadrant(db.Model):  # type: ignore[name-defined]
    """What a provider can take on in one quadrant: spare weekly hours, and how many new
    packages it could start in the next 7 days."""

    __tablename__ = "capacity_by_quadrant"
    __table_args__ = (
        UniqueConstraint("return_id", "quadrant"),
        CheckConstraint(
            "spare_weekly_minutes >= 0 AND new_packages >= 0", name="no_negative_figures"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("capacity_returns.id"))
    quadrant: Mapped[Quadrant] = mapped_column(enum_type(Quadrant, "quadrant"))
    spare_weekly_minutes: Mapped[int] = mapped_column(Integer, default=0)
    new_packages: Mapped[int] = mapped_column(Integer, default=0)
