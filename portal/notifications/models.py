from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.common.models import utcnow
from portal.extensions import db


class OutgoingEmail(db.Model):  # type: ignore[name-defined]
    """An email waiting to be sent, or sent. It is written in the same transaction as the
    change it tells someone about, so the two stand or fall together; delivery happens after
    the commit, and anything that failed is tried again by ``flask email send``."""

    __tablename__ = "outgoing_emails"
    __table_args__ = (Index("ix_outgoing_emails_unsent", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
