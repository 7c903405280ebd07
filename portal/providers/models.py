from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from sqlalchemy.sql.elements import ColumnElement

from portal.common.models import TimestampMixin, utcnow
from portal.common.money import divide_round_half_up
from portal.common.nhs import is_valid_nhs_number, normalise_nhs_number
from portal.common.types import enum_type
from portal.common.weekdays import EVERY_DAY, describe_days
from portal.extensions import db
from portal.providers.enums import (
    CareCategory,
    ContractType,
    CqcRating,
    Funding,
    PricingZone,
    ProviderStatus,
    QafLevel,
    Quadrant,
    RegisterFact,
)
from portal.providers.equalities import Ethnicity, Sex


class Provider(TimestampMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "providers"
    __table_args__ = (
        CheckConstraint(
            "contract_type != 'patch' OR quadrant IS NOT NULL", name="patch_has_quadrant"
        ),
        # Exited is final and dated: the date is what ends what the provider owes.
        CheckConstraint("(status = 'exited') = (exited_on IS NOT NULL)", name="exited_has_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # The council's supplier number for the agency, used on payment lists.
    supplier_reference: Mapped[str] = mapped_column(String(40), unique=True)
    contract_type: Mapped[ContractType] = mapped_column(enum_type(ContractType, "contract_type"))
    quadrant: Mapped[Quadrant | None] = mapped_column(enum_type(Quadrant, "quadrant"))
    status: Mapped[ProviderStatus] = mapped_column(
        enum_type(ProviderStatus, "provider_status"), default=ProviderStatus.ACTIVE
    )
    strategic_tier: Mapped[bool] = mapped_column(Boolean, default=False)
    trusted_assessor: Mapped[bool] = mapped_column(Boolean, default=False)
    cqc_rating: Mapped[CqcRating] = mapped_column(enum_type(CqcRating, "cqc_rating"))
    qaf_level: Mapped[QafLevel | None] = mapped_column(enum_type(QafLevel, "qaf_level"))
    # The CQC's id for the agency's registered location, e.g. 1-123456789. Providers on the
    # register before it was asked for may not have one yet.
    cqc_location_id: Mapped[str | None] = mapped_column(String(20), unique=True)
    # The current values' dates; every change, with its date, is a ProviderChange.
    status_since: Mapped[dt.date | None] = mapped_column(Date)
    exited_on: Mapped[dt.date | None] = mapped_column(Date)
    cqc_rated_on: Mapped[dt.date | None] = mapped_column(Date)
    qaf_assessed_on: Mapped[dt.date | None] = mapped_column(Date)

    category_rows: Mapped[list[ProviderCategory]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProviderCategory.category"
    )

    @property
    def categories(self) -> list[CareCategory]:
        return [row.category for row in self.category_rows]

    def on_register(self, day: dt.date) -> bool:
        """Whether it was still on the register on ``day``: a provider that has left owes
        nothing for a period starting after its exit date."""
        return self.exited_on is None or day <= self.exited_on

    @property
    def may_recommend(self) -> bool:
        """Whether it may make new recommendations: a trusted assessor, and active (a
        suspended or exited provider may not)."""
        return self.trusted_assessor and self.status == ProviderStatus.ACTIVE


class ProviderCategory(db.Model):  # type: ignore[name-defined]
    """A care category the provider is awarded under its contract."""

    __tablename__ = "provider_categories"
    __table_args__ = (UniqueConstraint("provider_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    category: Mapped[CareCategory] = mapped_column(enum_type(CareCategory, "care_category"))


class ProviderChange(db.Model):  # type: ignore[name-defined]
    """One dated change to the register: what changed, from what to what, from when, why,
    and who recorded it when. Never edited; the provider row holds the current values."""

    __tablename__ = "provider_changes"
    __table_args__ = (
        Index("ix_provider_changes_provider_fact", "provider_id", "fact", "effective_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    fact: Mapped[RegisterFact] = mapped_column(enum_type(RegisterFact, "register_fact"))
    # The values as stored (an enum's value, "yes"/"no", categories joined by commas).
    value_before: Mapped[str | None] = mapped_column(String(200))
    value_after: Mapped[str | None] = mapped_column(String(200))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(1000))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Who recorded it, as they were named then (the register reads no accounts).
    recorded_by_name: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def before_label(self) -> str:
        return describe_value(self.fact, self.value_before)

    @property
    def after_label(self) -> str:
        return describe_value(self.fact, self.value_after)


def describe_value(fact: RegisterFact, value: str | None) -> str:
    """A register value as stored in its history, in words."""
    if value is None:
        return "Not assessed" if fact == RegisterFact.QAF_LEVEL else ""
    if fact == RegisterFact.STATUS:
        return ProviderStatus(value).label
    if fact == RegisterFact.CQC_RATING:
        return CqcRating(value).label
    if fact == RegisterFact.QAF_LEVEL:
        return QafLevel(value).label
    if fact in (RegisterFact.STRATEGIC_TIER, RegisterFact.TRUSTED_ASSESSOR):
        return "Yes" if value == "yes" else "No"
    if fact == RegisterFact.CARE_CATEGORIES:
        return "; ".join(CareCategory(v).label for v in value.split(",") if v)
    if fact == RegisterFact.CONTRACT:
        return describe_contract(*contract_parts(value))
    return value


def contract_value(contract_type: ContractType, quadrant: Quadrant | None) -> str:
    """A contract as its history keeps it: "patch:east", "framework"."""
    return f"{contract_type.value}:{quadrant.value}" if quadrant else contract_type.value


def contract_parts(value: str) -> tuple[ContractType, Quadrant | None]:
    contract_type, _, quadrant = value.partition(":")
    return ContractType(contract_type), Quadrant(quadrant) if quadrant else None


def describe_contract(contract_type: ContractType, quadrant: Quadrant | None) -> str:
    return f"{contract_type.label}, {quadrant.label} quadrant" if quadrant else contract_type.label


class ServiceUser(TimestampMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "service_users"
    __table_args__ = (Index("ix_service_users_provider_family_name", "provider_id", "family_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The council's case reference from its social care case system.
    case_reference: Mapped[str] = mapped_column(String(20), unique=True)
    nhs_number: Mapped[str | None] = mapped_column(String(10), unique=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    # None only once the person's record is anonymised after the retention period.
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    funding: Mapped[Funding] = mapped_column(enum_type(Funding, "funding"))
    quadrant: Mapped[Quadrant] = mapped_column(enum_type(Quadrant, "quadrant"))
    pricing_zone: Mapped[PricingZone] = mapped_column(enum_type(PricingZone, "pricing_zone"))
    # The provider supporting the person now. Moves between providers are recorded by
    # ending one provider's package lines and starting another's.
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    # For equalities monitoring, when the case system holds them (see equalities.py).
    sex: Mapped[Sex | None] = mapped_column(enum_type(Sex, "sex"))
    ethnicity: Mapped[Ethnicity | None] = mapped_column(enum_type(Ethnicity, "ethnicity"))
    # When `flask retention apply` removed what identifies the person, care long ended
    # (portal/casework/retention.py); their figures stay, their name and numbers do not.
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    provider: Mapped[Provider] = relationship()

    @property
    def full_name(self) -> str:
        # An anonymised person has a placeholder given name and no family name.
        return f"{self.given_name} {self.family_name}".strip()

    @validates("nhs_number")
    def _check_nhs_number(self, _key: str, value: str | None) -> str | None:
        """Optional, but when given it must pass the modulus 11 check digit."""
        if value is None or not value.strip():
            return None
        if not is_valid_nhs_number(value):
            raise ValueError(f"{value!r} is not a valid NHS number")
        return normalise_nhs_number(value)


class PackageLine(TimestampMixin, db.Model):  # type: ignore[name-defined]
    """One line of a care package, e.g. 4 calls a day, 30 minutes, 7 days a week.

    Lines are never edited: a change ends a line (end_date, the last day it applies) and
    starts a new one, so any past week's package can be reconstructed.
    """

    __tablename__ = "package_lines"
    __table_args__ = (
        CheckConstraint("calls_per_day BETWEEN 1 AND 12", name="calls_per_day_range"),
        CheckConstraint("minutes_per_call BETWEEN 5 AND 720", name="minutes_per_call_range"),
        CheckConstraint("carers_per_call IN (1, 2)", name="carers_per_call_range"),
        CheckConstraint("days_of_week BETWEEN 1 AND 127", name="days_of_week_range"),
        CheckConstraint("hourly_rate_pence > 0", name="hourly_rate_positive"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),
        Index("ix_package_lines_service_user_dates", "service_user_id", "start_date", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_user_id: Mapped[int] = mapped_column(ForeignKey("service_users.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    calls_per_day: Mapped[int] = mapped_column(Integer)
    minutes_per_call: Mapped[int] = mapped_column(Integer)
    carers_per_call: Mapped[int] = mapped_column(Integer, default=1)
    # Which days the calls happen on: see portal.common.weekdays.
    days_of_week: Mapped[int] = mapped_column(Integer, default=EVERY_DAY)
    hourly_rate_pence: Mapped[int] = mapped_column(Integer)
    care_category: Mapped[CareCategory] = mapped_column(
        enum_type(CareCategory, "care_category"),
        default=CareCategory.STANDARD_ADULT,
        server_default=CareCategory.STANDARD_ADULT.value,
    )
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    # The case system's id for the line, when it came from there: a line and the successors
    # that change it share it (portal/caseload matches an extract's lines by it).
    case_system_line_id: Mapped[str | None] = mapped_column(String(40), index=True)
    # The approved recommendation that started this line, when one did.
    recommendation_id: Mapped[int | None] = mapped_column(ForeignKey("recommendations.id"))

    @hybrid_property
    def days_per_week(self) -> int:
        return self.days_of_week.bit_count()

    @days_per_week.inplace.expression
    @classmethod
    def _days_per_week_expression(cls) -> ColumnElement[int]:
        return days_count_expression(cls.days_of_week)

    @property
    def weekly_minutes(self) -> int:
        """Care hours bought a week, in minutes: a double-handed call counts both carers."""
        return weekly_minutes(
            self.calls_per_day, self.minutes_per_call, self.carers_per_call, self.days_per_week
        )

    @property
    def weekly_cost_pence(self) -> int:
        return weekly_cost_pence(self.weekly_minutes, self.hourly_rate_pence)

    @property
    def description(self) -> str:
        return describe_line(
            self.calls_per_day, self.minutes_per_call, self.carers_per_call, self.days_of_week
        )

    def is_active_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


def weekly_minutes(calls_per_day: int, minutes_per_call: int, carers: int, days: int) -> int:
    return calls_per_day * minutes_per_call * carers * days


def weekly_cost_pence(minutes: int, hourly_rate_pence: int) -> int:
    """A week's care at an hourly rate, rounded once to whole pence."""
    return divide_round_half_up(minutes * hourly_rate_pence, 60)


def days_count_expression(days_of_week: Any) -> ColumnElement[int]:
    """How many days a week a mask column holds, in SQL both databases run."""
    total: Any = days_of_week.bitwise_and(1)
    for day in range(1, 7):
        total = total + days_of_week.bitwise_rshift(day).bitwise_and(1)
    return cast(ColumnElement[int], total)


def describe_line(calls_per_day: int, minutes_per_call: int, carers: int, days_of_week: int) -> str:
    calls = "1 call a day" if calls_per_day == 1 else f"{calls_per_day} calls a day"
    handed = ", double-handed" if carers == 2 else ""
    return f"{calls}, {minutes_per_call} minutes{handed}, {describe_days(days_of_week)}"
