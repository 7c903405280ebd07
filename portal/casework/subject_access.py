"""A subject access request: everything the portal holds about one service user, as JSON
(these marshmallow schemas) and as a PDF (subject_access_pdf.py) made from the same data.

A person's record is small (a few dozen package lines, a return a quarter, a handful of
recommendations and payments, and the audit events about them), so it is read whole and
the document built in memory: a request never holds more than one person's record.

The JSON is stable: keys sorted, dates and times in ISO 8601, money in whole pence.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.common.dates import today
from portal.extensions import db
from portal.outcomes.measures import MeasureResult
from portal.outcomes.models import OutcomeReturn, ReturnStatus
from portal.payments.models import Payment, PaymentKind, PaymentStatus
from portal.providers.enums import CareCategory, Funding, PricingZone, Quadrant
from portal.providers.equalities import Ethnicity, Sex
from portal.providers.models import PackageLine, Provider, ServiceUser
from portal.recommendations.models import (
    ChangeKind,
    MessageKind,
    ReasonCategory,
    Recommendation,
    RecommendationStatus,
)


def _name(attribute: str) -> fields.Function:
    """The name of the account an attribute refers to, as the portal shows it now."""
    return fields.Function(lambda obj: getattr(getattr(obj, attribute), "name", None))


def _enum(enum: Any) -> fields.Enum:
    return fields.Enum(enum, by_value=True, allow_none=True)


class PersonSchema(Schema):
    id = fields.Integer()
    case_reference = fields.String()
    nhs_number = fields.String(allow_none=True)
    given_name = fields.String()
    family_name = fields.String()
    date_of_birth = fields.Date(allow_none=True)
    funding = _enum(Funding)
    quadrant = _enum(Quadrant)
    pricing_zone = _enum(PricingZone)
    sex = _enum(Sex)
    ethnicity = _enum(Ethnicity)
    provider = fields.Function(lambda person: person.provider.name)
    created_at = fields.DateTime()
    anonymised_at = fields.DateTime(allow_none=True)


class PackageLineSchema(Schema):
    id = fields.Integer()
    provider = fields.Function(lambda line: line.provider_name)
    start_date = fields.Date()
    end_date = fields.Date(allow_none=True)
    description = fields.String()
    calls_per_day = fields.Integer()
    minutes_per_call = fields.Integer()
    carers_per_call = fields.Integer()
    days_of_week = fields.Integer()
    care_category = _enum(CareCategory)
    weekly_minutes = fields.Integer()
    hourly_rate_pence = fields.Integer()
    weekly_cost_pence = fields.Integer()
    recommendation_id = fields.Integer(allow_none=True)
    case_system_line_id = fields.String(allow_none=True)


class AnswerSchema(Schema):
    measure = fields.String()
    result = _enum(MeasureResult)
    evidence = fields.String()
    not_applicable_reason = fields.String()
    evidence_sources = fields.List(fields.String())


class OutcomeReturnSchema(Schema):
    id = fields.Integer()
    quarter = fields.Function(lambda r: r.period.label)
    provider = fields.Function(lambda r: r.provider_name)
    status = _enum(ReturnStatus)
    submitted_at = fields.DateTime(allow_none=True)
    submitted_by = _name("submitted_by")
    reviewed_at = fields.DateTime(allow_none=True)
    reviewed_by = _name("reviewed_by")
    review_reason = fields.String()
    answers = fields.List(fields.Nested(AnswerSchema))


class ProposedLineSchema(Schema):
    replaces_line_id = fields.Integer(allow_none=True)
    description = fields.String()
    weekly_minutes = fields.Integer()
    hourly_rate_pence = fields.Integer()
    weekly_cost_pence = fields.Integer()


class MessageSchema(Schema):
    kind = _enum(MessageKind)
    text = fields.String()
    author = _name("author")
    created_at = fields.DateTime()


class RecommendationSchema(Schema):
    reference = fields.String()
    provider = fields.Function(lambda r: r.provider.name)
    kind = _enum(ChangeKind)
    status = _enum(RecommendationStatus)
    reason_category = _enum(ReasonCategory)
    reason = fields.String()
    evidence = fields.String()
    person_consulted_and_agrees = fields.Boolean()
    family_consulted = fields.Boolean()
    risk_assessed = fields.Boolean()
    proposed_start_date = fields.Date()
    created_by = _name("created_by")
    created_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    decision_due_date = fields.Date(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decided_by = _name("decided_by")
    decision_reason = fields.String()
    agreed_start_date = fields.Date(allow_none=True)
    proposed_lines = fields.List(fields.Nested(ProposedLineSchema), attribute="lines")
    messages = fields.List(fields.Nested(MessageSchema))


class PaymentSchema(Schema):
    reference = fields.String()
    kind = _enum(PaymentKind)
    provider = fields.Function(lambda p: p.provider.name)
    recommendation_reference = fields.String()
    reverses = fields.Function(lambda p: p.reverses.reference if p.reverses else None)
    weekly_minutes_removed = fields.Integer()
    hourly_rate_pence = fields.Integer()
    weeks = fields.Integer()
    amount_pence = fields.Integer()
    status = _enum(PaymentStatus)
    batch = fields.Function(lambda p: p.batch.reference if p.batch else None)
    created_at = fields.DateTime()
    reason = fields.String()
    cancelled_at = fields.DateTime(allow_none=True)


class AuditEventSchema(Schema):
    occurred_at = fields.DateTime()
    action = fields.String()
    record_type = fields.String(attribute="entity_type")
    record_id = fields.Integer(attribute="entity_id")
    by = fields.Function(lambda e: e.actor_name)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)


class RequestSchema(Schema):
    council = fields.String()
    made_on = fields.Date()
    made_by = fields.String()


class SubjectAccessSchema(Schema):
    request = fields.Nested(RequestSchema)
    person = fields.Nested(PersonSchema)
    package_lines = fields.List(fields.Nested(PackageLineSchema))
    outcome_returns = fields.List(fields.Nested(OutcomeReturnSchema))
    recommendations = fields.List(fields.Nested(RecommendationSchema))
    payments = fields.List(fields.Nested(PaymentSchema))
    audit_events = fields.List(fields.Nested(AuditEventSchema))


@dataclass(frozen=True)
class Request:
    council: str
    made_on: dt.date
    made_by: str


@dataclass
class SubjectAccess:
    """What the portal holds about one person, read for one request."""

    request: Request
    person: ServiceUser
    package_lines: list[Any]
    outcome_returns: list[Any]
    recommendations: list[Recommendation]
    payments: list[Payment]
    audit_events: list[Any]


def gather(person: ServiceUser, *, council: str, by: User) -> SubjectAccess:
    """Everything held about ``person``: a handful of statements whatever the record."""
    held = SubjectAccess(
        request=Request(council=council, made_on=today(), made_by=by.name),
        person=person,
        package_lines=_named(
            select(PackageLine)
            .where(PackageLine.service_user_id == person.id)
            .order_by(PackageLine.start_date, PackageLine.id),
            PackageLine.provider_id,
        ),
        outcome_returns=_named(
            select(OutcomeReturn)
            .where(OutcomeReturn.service_user_id == person.id)
            .options(
                selectinload(OutcomeReturn.period),
                selectinload(OutcomeReturn.submitted_by),
                selectinload(OutcomeReturn.reviewed_by),
            )
            .order_by(OutcomeReturn.period_id),
            OutcomeReturn.provider_id,
        ),
        recommendations=_of_person(
            Recommendation,
            person,
            (Recommendation.provider, Recommendation.created_by, Recommendation.decided_by),
        ),
        payments=_of_person(Payment, person, (Payment.provider, Payment.batch, Payment.reverses)),
        audit_events=[],
    )
    held.audit_events = _audit_events(held)
    return held


def _of_person(model: Any, person: ServiceUser, loads: tuple[Any, ...]) -> list[Any]:
    """The person's records of one kind, oldest first, with the records they name."""
    return list(
        db.session.scalars(
            select(model)
            .where(model.service_user_id == person.id)
            .options(*(selectinload(load) for load in loads))
            .order_by(model.created_at, model.id)
        )
    )


def _named(statement: Any, provider_id: Any) -> list[Any]:
    """Records with their provider's name beside them (``provider_name``)."""
    rows = db.session.execute(
        statement.add_columns(Provider.name).join(Provider, Provider.id == provider_id)
    ).all()
    records = []
    for record, provider_name in rows:
        setattr(record, "provider_name", provider_name)  # noqa: B010 - not a mapped column
        records.append(record)
    return records


def about_people(people: Any) -> ColumnElement[bool]:
    """Audit events about the records of the people ``people`` selects (their ids): their
    own, their package lines, outcome returns, recommendations and payments."""
    owned = (PackageLine, OutcomeReturn, Recommendation, Payment)
    return or_(
        and_(AuditEvent.entity_type == ServiceUser.__tablename__, AuditEvent.entity_id.in_(people)),
        *(
            and_(
                AuditEvent.entity_type == model.__tablename__,
                AuditEvent.entity_id.in_(select(model.id).where(model.service_user_id.in_(people))),
            )
            for model in owned
        ),
    )


def _audit_events(held: SubjectAccess) -> list[Any]:
    """The audit events about the person's records, oldest first, each with who did it."""
    return list(
        db.session.execute(
            select(
                AuditEvent.occurred_at,
                AuditEvent.action,
                AuditEvent.entity_type,
                AuditEvent.entity_id,
                AuditEvent.before,
                AuditEvent.after,
                User.name.label("actor_name"),
            )
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .where(about_people([held.person.id]))
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        ).all()
    )


def as_json(held: SubjectAccess) -> str:
    return json.dumps(
        SubjectAccessSchema().dump(held), sort_keys=True, indent=2, ensure_ascii=False
    )
