"""Writing the audit trail. Every operation that changes state calls ``record``."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import (
    JSON,
    DateTime,
    Integer,
    Select,
    String,
    insert,
    inspect,
    literal,
    select,
)

from portal.audit.models import AuditEvent
from portal.common.bulk import insert_rows
from portal.common.models import utcnow
from portal.extensions import db


def snapshot(obj: Any, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The column values of a model instance, as JSON-safe values."""
    mapper = inspect(obj).mapper
    names = fields or tuple(c.key for c in mapper.column_attrs)
    return {name: _jsonable(getattr(obj, name)) for name in names}


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def client_address() -> str | None:
    """The address the request came from, as the trusted proxies report it (portal/app.py),
    or None outside a request (a command, a job)."""
    if not has_request_context():
        return None
    address = request.remote_addr
    return address[:45] if address else None


def through_api_key() -> int | None:
    """The API key this request came with, once the API has accepted it (portal/api)."""
    if not has_request_context():
        return None
    key_id: int | None = g.get("api_key_id")
    return key_id


def record(
    action: str,
    entity: Any,
    *,
    by: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    provider_id: int | None = None,
) -> AuditEvent:
    """Add an audit event for ``entity`` to the session; the request's commit saves both."""
    db.session.flush()  # so a new entity has its id
    event = AuditEvent(
        actor_id=getattr(by, "id", None),
        action=action,
        entity_type=type(entity).__tablename__,
        entity_id=entity.id,
        provider_id=provider_id
        if provider_id is not None
        else getattr(entity, "provider_id", None),
        before=before,
        after=after if after is not None else snapshot(entity),
        ip_address=client_address(),
        api_key_id=through_api_key(),
    )
    db.session.add(event)
    return event


# The columns a bulk write fills, in order (the id is the database's).
_WRITTEN = (
    "occurred_at",
    "actor_id",
    "action",
    "entity_type",
    "entity_id",
    "provider_id",
    "before",
    "after",
    "ip_address",
    "api_key_id",
)


def record_many(action: str, entity_type: str, changes: list[AuditChange], *, by: Any) -> None:
    """One audit event per change, written in one bulk insert straight through the driver
    (common/bulk.py): for operations on many records at once (an upload, a batch, an
    import), where adding them one by one would cost a round trip each."""
    if not changes:
        return
    actor_id = getattr(by, "id", None)
    occurred_at = utcnow()
    address = client_address()
    key_id = through_api_key()
    # The key's column is left to its default unless a key made the change: an upload's
    # thousands of events bind one value fewer each.
    through = (key_id,) if key_id is not None else ()
    insert_rows(
        AuditEvent.__table__,
        _WRITTEN if through else _WRITTEN[:-1],
        [
            (
                occurred_at,
                actor_id,
                action,
                entity_type,
                change.entity_id,
                change.provider_id,
                change.before,
                change.after,
                address,
                *through,
            )
            for change in changes
        ],
    )


@dataclass(frozen=True)
class AuditChange:
    entity_id: int
    provider_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def record_from_select(
    action: str,
    rows: Select[Any],
    *,
    entity_type: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    by: Any,
) -> None:
    """One audit event for each (entity id, provider id) that ``rows`` selects, all with the
    same before and after, written by the database in one INSERT ... SELECT: for a change
    made to many records by one statement."""
    picked = rows.subquery()
    entity_id, provider_id = picked.c
    db.session.execute(
        insert(AuditEvent).from_select(
            list(_WRITTEN),
            select(
                literal(utcnow(), DateTime(timezone=True)),
                literal(getattr(by, "id", None), Integer),
                literal(action, String),
                literal(entity_type, String),
                entity_id,
                provider_id,
                literal(before, JSON),
                literal(after, JSON),
                literal(client_address(), String),
                literal(through_api_key(), Integer),
            ),
        )
    )
