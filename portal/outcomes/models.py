from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.models import TimestampMixin
from portal.common.types import enum_type
from portal.extensions import db
from portal.outcomes.measures import MeasureResult
from portal.providers.enums import Quadrant

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.providers.models import ServiceUser


class PeriodKind(enum.StrEnum):
    OUTCOMES = "outcomes"  # a quarter of Appendix A returns
    CAPACITY = "capacity"  # a month of capacity returns


class ReturnStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # returned to the provider for correction
    ACCEPTED = "accepted"

    @property
    def label(self) -> str:
        return {
            "draft": "Draft",
            "submitted": "Submitted",
            "returned": "Returned for correction",
            "accepted": "Accepted",
        }[self.value]


# Handed in: what Table F counts, what "in" means on the progress page, the history shows.
HANDED_IN = (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED)
# Still the provider's to change, and to submit.
EDITABLE = (ReturnStatus.DRAFT, ReturnStatus.RETURNED)


class ReportingPeriod(TimestampMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "reporting_periods"
    __table_args__ = (
        UniqueConstraint("kind", "start_date"),
        CheckConstraint("end_date >= start_date", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PeriodKind] = mapped_column(enum_type(PeriodKind, "period_kind"))
    label: Mapped[str] = mapped_column(String(40))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class OutcomeReturn(TimestampMixin, db.Model):  # type: ignore[name-defined]
    """One service user's Appendix A return for one quarter."""

    __tablename__ = "outcome_returns"
    __table_args__ = (
        UniqueConstraint("period_id", "service_user_id"),
        Index("ix_outcome_returns_provider_period_status", "provider_id", "period_id", "status"),
        # The returns waiting to be accepted, by quarter and provider, the oldest first:
        # the acceptance queue reads only these, however many were accepted before.
        Index("ix_outcome_returns_waiting", "status", "period_id", "provider_id", "submitted_at"),
        # A person's returns, and one provider's returns for the person.
        Index("ix_outcome_returns_service_user_provider", "service_user_id", "provider_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_periods.id"))
    service_user_id: Mapped[int] = mapped_column(ForeignKey("service_users.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    status: Mapped[ReturnStatus] = mapped_column(
        enum_type(ReturnStatus, "return_status"), default=ReturnStatus.DRAFT
    )
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Why the council returned it for correction; the provider sees this.
    review_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    period: Mapped[ReportingPeriod] = relationship()
    service_user: Mapped[ServiceUser] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    answers: Mapped[list[OutcomeAnswer]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="OutcomeAnswer.measure"
    )

    @property
    def is_late(self) -> bool:
        """Sent after the period's due date: marked, never refused."""
        return self.submitted_at is not None and self.submitted_at.date() > self.period.due_date

    def answer_for(self, code: str) -> OutcomeAnswer | None:
        return next((a for a in self.answers if a.measure == code), None)


class OutcomeAnswer(db.Model):  # type: ignore[name-defined]
    """The provider's answer for one Appendix A measure."""

    __tablename__ = "outcome_answers"
    __table_args__ = (UniqueConstraint("return_id", "measure"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("outcome_returns.id"))
    measure: Mapped[str] = mapped_column(String(5))
    result: Mapped[MeasureResult] = mapped_column(enum_type(MeasureResult, "measure_result"))
    evidence: Mapped[str] = mapped_column(Text, default="")
    not_applicable_reason: Mapped[str] = mapped_column(Text, default="")
    # Evidence source codes (EvidenceSource values) ticked from Appendix A's list.
    evidence_sources: Mapped[list[str]] = mapped_column(JSON, default=list)


class OutcomeTally(db.Model):  # type: ignore[name-defined]
    """Table F's counts for one period, provider and service users' quadrant, kept as
    returns are handed in and taken back (``portal.outcomes.tallies``), so Table F reads a
    few thousand rows rather than every answer of the quarter.

    ``code`` is an outcome ("1"), a measure ("1.1") or ``RETURNS_CODE``, whose ``sample``
    counts the returns themselves. The quadrant is the person's when the return came in."""

    __tablename__ = "outcome_tallies"
    __table_args__ = (
        UniqueConstraint("period_id", "provider_id", "quadrant", "code"),
        # Covers Table F's query, which sums met and sample by code for one or two periods.
        Index(
            "ix_outcome_tallies_period_code",
            "period_id",
            "code",
            "provider_id",
            "quadrant",
            "met",
            "sample",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_periods.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    quadrant: Mapped[Quadrant] = mapped_column(enum_type(Quadrant, "quadrant"))
    code: Mapped[str] = mapped_column(String(10))
    met: Mapped[int] = mapped_column(Integer, default=0)
    sample: Mapped[int] = mapped_column(Integer, default=0)


class OutcomePairTally(db.Model):  # type: ignore[name-defined]
    """Table F for the same people: for one quarter, provider and quadrant, the people with
    a return handed in both this quarter and the quarter before, kept as returns are handed
    in and taken back (``portal.outcomes.tallies``) as ``OutcomeTally`` is.

    A pair is filed under the later quarter (``period_id``), the provider of its later
    return and the person's quadrant. For an outcome or a measure, ``pairs`` counts the
    people for whom it applied in both quarters; ``met_before`` and ``met_now`` how many of
    them met it in each; ``improved`` those who met it only now, ``declined`` those who met
    it only before. For ``RETURNS_CODE``, ``pairs`` counts the people with both returns."""

    __tablename__ = "outcome_pair_tallies"
    __table_args__ = (
        UniqueConstraint("period_id", "provider_id", "quadrant", "code"),
        # Covers Table F's query, which sums the figures by code for one period.
        Index(
            "ix_outcome_pair_tallies_period_code",
            "period_id",
            "code",
            "provider_id",
            "quadrant",
            "pairs",
            "met_before",
            "met_now",
            "improved",
            "declined",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_periods.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    quadrant: Mapped[Quadrant] = mapped_column(enum_type(Quadrant, "quadrant"))
    code: Mapped[str] = mapped_column(String(10))
    pairs: Mapped[int] = mapped_column(Integer, default=0)
    met_before: Mapped[int] = mapped_column(Integer, default=0)
    met_now: Mapped[int] = mapped_column(Integer, default=0)
    improved: Mapped[int] = mapped_column(Integer, default=0)
    declined: Mapped[int] = mapped_column(Integer, default=0)


RETURNS_CODE = "returns"


class OwedReturn(db.Model):  # type: ignore[name-defined]
    """Who owes a period's return for each person: one row per person who had a line with
    a strategic-tier provider during the quarter, naming the provider of their latest such
    line. Worked out from the package lines and kept in step with them whenever lines or
    periods are written (``portal.outcomes.owed``), so the task lists and the progress page
    read an index rather than ranking every line in the council."""

    __tablename__ = "outcome_owed"
    __table_args__ = (
        # The task list and state counts read one provider's people in a period; the
        # progress page counts every provider's.
        Index("ix_outcome_owed_period_provider", "period_id", "provider_id", "service_user_id"),
    )

    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_periods.id"), primary_key=True)
    service_user_id: Mapped[int] = mapped_column(ForeignKey("service_users.id"), primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))


class OutcomeProgress(db.Model):  # type: ignore[name-defined]
    """The returns progress page's figures for one period and one provider owing returns in
    it: how many it owes, and how many of those are handed in (submitted or accepted),
    accepted, and handed in after the due date. Kept as returns and owed rows change
    (``portal.outcomes.progress``), so the page reads a row a provider rather than joining
    every return of the quarter to who owes it. A provider that no longer owes any keeps
    its row with ``owed`` 0."""

    __tablename__ = "outcome_progress"

    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_periods.id"), primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), primary_key=True)
    owed: Mapped[int] = mapped_column(Integer, default=0)
    handed_in: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)
