from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.common.models import utcnow
from portal.extensions import db


class AuditEvent(db.Model):  # type: ignore[name-defined]
    """Who did what to which record, when, with the record's values before and after.

    Written by the operations in the same transaction as the change, never updated or
    deleted: triggers on the table (migration 0022) refuse both, whoever asks.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_entity", "entity_type", "entity_id"),
        Index("ix_audit_events_occurred_at", "occurred_at"),
        # The viewer's filters, each read newest first (migration 0022).
        Index("ix_audit_events_actor_occurred", "actor_id", "occurred_at"),
        Index("ix_audit_events_action_occurred", "action", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    # None only for an event about no record, such as a sign-in with an unknown email.
    entity_id: Mapped[int | None] = mapped_column(Integer)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Where the request came from: the client's address as the trusted proxy reports it
    # (TRUSTED_PROXIES, portal/app.py); None for a command or job run on the server.
    ip_address: Mapped[str | None] = mapped_column(String(45))
    # The API key the change came through (portal/api), when a care-planning system made
    # it in the name of the key's maker; None for a change made on a page or by a command.
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
