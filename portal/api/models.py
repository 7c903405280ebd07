"""API keys: how an agency's care-planning system signs its calls to ``/api/v1/``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.dates import as_utc
from portal.common.models import utcnow
from portal.extensions import db

if TYPE_CHECKING:
    from portal.accounts.models import User


class ApiKey(db.Model):  # type: ignore[name-defined]
    """One provider's key, named by the agency's administrator who made it.

    The key itself is shown once, when it is made; the portal keeps only its SHA-256
    hash (the key is 256 random bits, so a hash too fast to slow a guesser costs nothing)
    and its first characters, to tell keys apart. It acts in the name of the person who
    made it, at their provider only, and stops working when it is revoked, when it
    expires, or when that person's account is disabled. Keys are never
    deleted: a revoked key stays on the list, and in the audit trail."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_provider_created", "provider_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    name: Mapped[str] = mapped_column(String(80))
    # The start of the key as shown ("hcp_Ab12Cd"), to tell keys apart; not a secret.
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    def state(self, now: dt.datetime) -> str:
        """Active, Revoked or Expired, as the list shows it."""
        if self.revoked_at is not None:
            return "Revoked"
        if as_utc(self.expires_at) <= now:
            return "Expired"
        return "Active"


class IdempotentRequest(db.Model):  # type: ignore[name-defined]
    """A change sent with an ``Idempotency-Key`` header, and what the portal answered: the
    same key sent again with the same request is answered the same, and changes nothing.

    The row is written in the same transaction as the change: a request that fails leaves
    no row (and nothing else), so it may be sent again; one that succeeds leaves both.
    Kept for ``KEPT_HOURS`` (portal/api/idempotency.py); after that the key is new again,
    and the row is cleared the next time its API key sends one."""

    __tablename__ = "api_idempotent_requests"
    __table_args__ = (
        UniqueConstraint("api_key_id", "idempotency_key"),
        # A key's answers past keeping, cleared as the key makes its next change.
        Index("ix_api_idempotent_requests_key_created", "api_key_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    # SHA-256 of the method, path and body: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
