from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.models import TimestampMixin, utcnow
from portal.common.types import enum_type
from portal.extensions import db
from portal.providers.models import describe_line, weekly_cost_pence, weekly_minutes

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.payments.models import Payment
    from portal.providers.models import PackageLine, Provider, ServiceUser


class ChangeKind(enum.StrEnum):
    REDUCE = "reduce"
    INCREASE = "increase"
    REFRAME = "reframe"  # same hours, a different shape

    @property
    def label(self) -> str:
        return {"reduce": "Reduce", "increase": "Increase", "reframe": "Reframe"}[self.value]


class ReasonCategory(enum.StrEnum):
    SKILLS_REGAINED = "skills_regained"
    REABLEMENT = "reablement"
    ASSISTIVE_TECHNOLOGY = "assistive_technology"
    MORE_FAMILY_SUPPORT = "more_family_support"
    NEEDS_INCREASED = "needs_increased"
    HEALTH_CHANGED = "health_changed"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "skills_regained": "Skills regained",
            "reablement": "Reablement",
            "assistive_technology": "Assistive technology",
            "more_family_support": "More support from family",
            "needs_increased": "Needs have increased",
            "health_changed": "Health has changed",
            "other": "Another reason",
        }[self.value]


class RecommendationStatus(enum.StrEnum):
    DRAFT = "draft"  # saved, not yet confirmed on the check answers page
    SUBMITTED = "submitted"
    MORE_INFORMATION = "more_information"  # the care manager asked the provider a question
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # by the provider, before a decision

    @property
    def label(self) -> str:
        return {
            "draft": "Draft",
            "submitted": "Awaiting decision",
            "more_information": "More information needed",
            "approved": "Approved",
            "rejected": "Rejected",
            "withdrawn": "Withdrawn",
        }[self.value]

    @property
    def is_open(self) -> bool:
        """Still to be decided: the provider may withdraw it, and may not start another."""
        return self in (
            RecommendationStatus.DRAFT,
            RecommendationStatus.SUBMITTED,
            RecommendationStatus.MORE_INFORMATION,
        )


class Recommendation(TimestampMixin, db.Model):  # type: ignore[name-defined]
    """A trusted assessor provider's recommendation to change a person's package."""

    __tablename__ = "recommendations"
    __table_args__ = (
        Index("ix_recommendations_status_submitted", "status", "submitted_at"),
        # A provider's recommendations in one state, the oldest first (What needs you's
        # questions, drafts and when the oldest draft was saved).
        Index("ix_recommendations_provider_status", "provider_id", "status", "created_at"),
        # A provider's recommendations, newest first.
        Index("ix_recommendations_provider_created", "provider_id", "created_at", "id"),
        # A person's recommendations, and one provider's for the person newest first.
        Index(
            "ix_recommendations_service_user_provider_created",
            "service_user_id",
            "provider_id",
            "created_at",
            "id",
        ),
        # A care manager's decisions, newest first ("Decided by you").
        Index("ix_recommendations_decided_by", "decided_by_id", "decided_at", "id"),
        # A provider's recommendations decided since a day (What needs you's last 30 days).
        Index("ix_recommendations_provider_decided", "provider_id", "decided_at"),
        # Reductions approved in a year or quarter, by the decision's date (the contract
        # dashboard's hours released).
        Index("ix_recommendations_status_kind_decided", "status", "kind", "decided_at"),
        # A provider's recommendations sent in a year, by kind and what became of them (the
        # scorecard): covering, so only that year's are read.
        Index(
            "ix_recommendations_provider_submitted", "provider_id", "submitted_at", "status", "kind"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_user_id: Mapped[int] = mapped_column(ForeignKey("service_users.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    kind: Mapped[ChangeKind] = mapped_column(enum_type(ChangeKind, "change_kind"))
    status: Mapped[RecommendationStatus] = mapped_column(
        enum_type(RecommendationStatus, "recommendation_status"),
        default=RecommendationStatus.DRAFT,
    )
    reason_category: Mapped[ReasonCategory] = mapped_column(
        enum_type(ReasonCategory, "reason_category"),
        default=ReasonCategory.OTHER,
        server_default=ReasonCategory.OTHER.value,
    )
    reason: Mapped[str] = mapped_column(Text)  # the strengths-based reason
    evidence: Mapped[str] = mapped_column(Text)
    person_consulted_and_agrees: Mapped[bool] = mapped_column(Boolean)
    family_consulted: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_assessed: Mapped[bool] = mapped_column(Boolean)
    proposed_start_date: Mapped[dt.date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decision_due_date: Mapped[dt.date | None] = mapped_column(Date)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # London calendar days from sending to the decision, kept when it is made: the
    # commissioners' summary adds them up for a year rather than working each one out.
    decision_days: Mapped[int | None] = mapped_column(Integer)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    agreed_start_date: Mapped[dt.date | None] = mapped_column(Date)
    # The care manager who has taken the item from the queue, if one has.
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    service_user: Mapped[ServiceUser] = relationship()
    provider: Mapped[Provider] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    lines: Mapped[list[ProposedLine]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProposedLine.id"
    )
    messages: Mapped[list[RecommendationMessage]] = relationship(
        lazy="selectin", order_by="RecommendationMessage.id"
    )
    # The one-off payment an approved reduction earned, if any.
    payment: Mapped[Payment | None] = relationship(
        primaryjoin="and_(Payment.recommendation_id == Recommendation.id, "
        "Payment.kind == 'payment')",
        foreign_keys="Payment.recommendation_id",
        viewonly=True,
        uselist=False,
    )

    @staticmethod
    def reference_for(recommendation_id: int) -> str:
        return f"TA{recommendation_id:06d}"

    @property
    def reference(self) -> str:
        """How finance and providers refer to a recommendation: TA000123."""
        return self.reference_for(self.id)

    @property
    def current_weekly_minutes(self) -> int:
        return sum(line.current_weekly_minutes for line in self.lines)

    @property
    def proposed_weekly_minutes(self) -> int:
        return sum(line.weekly_minutes for line in self.lines)

    @property
    def current_weekly_cost_pence(self) -> int:
        return sum(line.current_weekly_cost_pence for line in self.lines)

    @property
    def proposed_weekly_cost_pence(self) -> int:
        return sum(line.weekly_cost_pence for line in self.lines)


class ProposedLine(db.Model):  # type: ignore[name-defined]
    """One line of the proposed package: what a current line becomes (``calls_per_day`` 0
    ends it), or, with no line to replace, a new line."""

    __tablename__ = "proposed_lines"
    __table_args__ = (
        CheckConstraint("calls_per_day BETWEEN 0 AND 12", name="calls_per_day_range"),
        CheckConstraint(
            "replaces_line_id IS NOT NULL OR calls_per_day >= 1", name="new_line_has_calls"
        ),
        CheckConstraint("minutes_per_call BETWEEN 5 AND 720", name="minutes_per_call_range"),
        CheckConstraint("carers_per_call IN (1, 2)", name="carers_per_call_range"),
        CheckConstraint("days_of_week BETWEEN 1 AND 127", name="days_of_week_range"),
        CheckConstraint("hourly_rate_pence > 0", name="hourly_rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), index=True)
    replaces_line_id: Mapped[int | None] = mapped_column(ForeignKey("package_lines.id"))
    calls_per_day: Mapped[int] = mapped_column(Integer)
    minutes_per_call: Mapped[int] = mapped_column(Integer)
    carers_per_call: Mapped[int] = mapped_column(Integer)
    days_of_week: Mapped[int] = mapped_column(Integer)
    # The replaced line's rate, or for a new line the package's: a change of shape keeps
    # the rate the council agreed with the provider.
    hourly_rate_pence: Mapped[int] = mapped_column(Integer)

    replaces: Mapped[PackageLine | None] = relationship(lazy="joined")

    @property
    def ends_line(self) -> bool:
        return self.calls_per_day == 0

    @property
    def unchanged(self) -> bool:
        """Proposes the replaced line exactly as it is."""
        old = self.replaces
        return old is not None and (
            old.calls_per_day,
            old.minutes_per_call,
            old.carers_per_call,
            old.days_of_week,
        ) == (self.calls_per_day, self.minutes_per_call, self.carers_per_call, self.days_of_week)

    @property
    def days_per_week(self) -> int:
        return self.days_of_week.bit_count()

    @property
    def weekly_minutes(self) -> int:
        if self.ends_line:
            return 0
        return weekly_minutes(
            self.calls_per_day, self.minutes_per_call, self.carers_per_call, self.days_per_week
        )

    @property
    def current_weekly_minutes(self) -> int:
        return self.replaces.weekly_minutes if self.replaces is not None else 0

    @property
    def weekly_cost_pence(self) -> int:
        return weekly_cost_pence(self.weekly_minutes, self.hourly_rate_pence)

    @property
    def current_weekly_cost_pence(self) -> int:
        return self.replaces.weekly_cost_pence if self.replaces is not None else 0

    @property
    def description(self) -> str:
        if self.ends_line:
            return "Line ends"
        return describe_line(
            self.calls_per_day, self.minutes_per_call, self.carers_per_call, self.days_of_week
        )


class MessageKind(enum.StrEnum):
    QUESTION = "question"  # the care manager asks for more information
    ANSWER = "answer"  # the provider replies

    @property
    def label(self) -> str:
        return {"question": "Question from the council", "answer": "Answer from the provider"}[
            self.value
        ]


class RecommendationMessage(db.Model):  # type: ignore[name-defined]
    """A question about a recommendation and the provider's answer, kept as a thread."""

    __tablename__ = "recommendation_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), index=True)
    kind: Mapped[MessageKind] = mapped_column(enum_type(MessageKind, "message_kind"))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")


class Verdict(enum.StrEnum):
    """What became of an approved reduction's package at a checkpoint."""

    HELD = "held"  # lines in force, no more weekly minutes than the reduction left
    WENT_BACK_UP = "went_back_up"  # more weekly minutes than the reduction left
    ENDED = "ended"  # no line in force
    NOT_YET_KNOWN = "not_yet_known"  # the checkpoint day is still to come

    @property
    def label(self) -> str:
        return {
            "held": "Held",
            "went_back_up": "Went back up",
            "ended": "Ended",
            "not_yet_known": "Not yet known",
        }[self.value]


class ReductionCheckpoint(db.Model):  # type: ignore[name-defined]
    """Whether an approved reduction held: the person's weekly minutes on the agreed start
    (the package the reduction left), 91 days and 365 days later (null until that day has
    come), and the verdict at each. Worked out from the package lines and kept in step with
    them (``portal.recommendations.checkpoints``): on approval, whenever the person's lines
    change, and each night for a checkpoint whose day has come. The summary and the
    dashboard count these rows rather than the lines."""

    __tablename__ = "reduction_checkpoints"
    __table_args__ = (
        # Each checkpoint's verdicts by provider for a span of days: a covered range each.
        Index("ix_reduction_checkpoints_91", "checkpoint_91_on", "provider_id", "verdict_91"),
        Index("ix_reduction_checkpoints_365", "checkpoint_365_on", "provider_id", "verdict_365"),
        CheckConstraint("weekly_minutes_agreed >= 0", name="weekly_minutes_agreed_not_negative"),
    )

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id"), primary_key=True
    )
    # The trusted assessor that recommended it: the summary's "by provider".
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    service_user_id: Mapped[int] = mapped_column(ForeignKey("service_users.id"), index=True)
    agreed_start_date: Mapped[dt.date] = mapped_column(Date)
    weekly_minutes_agreed: Mapped[int] = mapped_column(Integer)
    checkpoint_91_on: Mapped[dt.date] = mapped_column(Date)
    weekly_minutes_91: Mapped[int | None] = mapped_column(Integer)
    verdict_91: Mapped[Verdict] = mapped_column(enum_type(Verdict, "verdict_91"))
    checkpoint_365_on: Mapped[dt.date] = mapped_column(Date)
    weekly_minutes_365: Mapped[int | None] = mapped_column(Integer)
    verdict_365: Mapped[Verdict] = mapped_column(enum_type(Verdict, "verdict_365"))
