"""Reading the audit trail for the viewer: one statement for a filtered page of events,
newest first, served by the indexes migration 0022 adds (actor, action, record, time)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select, text

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.common.dates import LONDON
from portal.extensions import db
from portal.providers.models import Provider, ServiceUser


@dataclass(frozen=True)
class EventFilters:
    service_user_id: int | None = None
    record_type: str = ""
    record_id: int | None = None
    action: str = ""
    actor: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def in_use(self) -> dict[str, Any]:
        """The filters set, as JSON-safe values (for the audit event of a download)."""
        values = {
            name: value.isoformat() if isinstance(value, dt.date) else value
            for name, value in vars(self).items()
        }
        return {name: value for name, value in values.items() if value not in (None, "")}


def _london_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(dt.UTC)


def events_statement(filters: EventFilters) -> Select[Any]:
    """The events the filters find, newest first, with who did each and for which provider."""
    statement = (
        select(
            AuditEvent.id,
            AuditEvent.occurred_at,
            AuditEvent.action,
            AuditEvent.entity_type,
            AuditEvent.entity_id,
            AuditEvent.ip_address,
            User.name.label("actor_name"),
            User.email.label("actor_email"),
            Provider.name.label("provider_name"),
        )
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .outerjoin(Provider, Provider.id == AuditEvent.provider_id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    if filters.service_user_id is not None:
        statement = statement.where(
            AuditEvent.entity_type == ServiceUser.__tablename__,
            AuditEvent.entity_id == filters.service_user_id,
        )
    if filters.record_type:
        statement = statement.where(AuditEvent.entity_type == filters.record_type)
    if filters.record_id is not None:
        statement = statement.where(AuditEvent.entity_id == filters.record_id)
    if filters.action:
        statement = statement.where(AuditEvent.action == filters.action)
    if filters.actor:
        pattern = f"%{filters.actor.strip().lower()}%"
        people = select(User.id).where(
            or_(func.lower(User.name).like(pattern), func.lower(User.email).like(pattern))
        )
        statement = statement.where(AuditEvent.actor_id.in_(people))
    if filters.date_from is not None:
        statement = statement.where(AuditEvent.occurred_at >= _london_midnight(filters.date_from))
    if filters.date_to is not None:
        next_day = filters.date_to + dt.timedelta(days=1)
        statement = statement.where(AuditEvent.occurred_at < _london_midnight(next_day))
    return statement


def service_user_by_case_reference(reference: str) -> int | None:
    return db.session.scalar(
        select(ServiceUser.id).where(ServiceUser.case_reference == reference.strip())
    )


# Each value of an indexed column, found by one index seek per value (a "loose index scan")
# rather than by reading the whole index as SELECT DISTINCT would: the trail grows without
# end, its actions and record types stay a few dozen. Both databases run it as written.
_EACH_VALUE = """
WITH RECURSIVE seen(value) AS (
    SELECT MIN({column}) FROM audit_events
    UNION ALL
    SELECT (SELECT MIN({column}) FROM audit_events WHERE {column} > seen.value)
    FROM seen WHERE seen.value IS NOT NULL
)
SELECT value FROM seen WHERE value IS NOT NULL
"""
_EACH_ACTION = text(_EACH_VALUE.format(column="action"))
_EACH_TYPE = text(_EACH_VALUE.format(column="entity_type"))


def recorded_actions() -> list[str]:
    return list(db.session.scalars(_EACH_ACTION))


def recorded_types() -> list[str]:
    return list(db.session.scalars(_EACH_TYPE))


def get_event(event_id: int) -> AuditEvent | None:
    return db.session.get(AuditEvent, event_id)


def actor_of(event: AuditEvent) -> User | None:
    return db.session.get(User, event.actor_id) if event.actor_id is not None else None


def provider_of(event: AuditEvent) -> Provider | None:
    return db.session.get(Provider, event.provider_id) if event.provider_id is not None else None
