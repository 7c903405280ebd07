from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.models import TimestampMixin, utcnow
from portal.common.types import enum_type
from portal.extensions import db

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.providers.models import Provider, ServiceUser


class PaymentRule(TimestampMixin, db.Model):  # type: ignore[name-defined]
    """A version of the one-off payment rule for approved reductions.

    Amount = weekly hours removed x the package's hourly rate x ``weeks``, in whole pence,
    raised to ``minimum_pence`` and limited to ``cap_pence`` where those are set. Rules are
    never changed: a new version starts from its ``effective_from`` date.
    """

    __tablename__ = "payment_rules"
    __table_args__ = (
        CheckConstraint("weeks BETWEEN 1 AND 52", name="weeks_range"),
        CheckConstraint("minimum_pence IS NULL OR minimum_pence >= 0", name="minimum_positive"),
        CheckConstraint("cap_pence IS NULL OR cap_pence > 0", name="cap_positive"),
        CheckConstraint(
            "second_approval_threshold_pence IS NULL OR second_approval_threshold_pence >= 0",
            name="threshold_positive",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    weeks: Mapped[int] = mapped_column(Integer, default=4)
    minimum_pence: Mapped[int | None] = mapped_column(Integer)
    cap_pence: Mapped[int | None] = mapped_column(Integer)
    # Payments above this need a second approval by a different council officer.
    second_approval_threshold_pence: Mapped[int | None] = mapped_column(Integer)
    effective_from: Mapped[dt.date] = mapped_column(Date, unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PaymentStatus(enum.StrEnum):
    AWAITING_SECOND_APPROVAL = "awaiting_second_approval"
    APPROVED = "approved"  # ready to be batched
    BATCHED = "batched"
    EXPORTED = "exported"
    PAID = "paid"
    CANCELLED = "cancelled"  # before export, with a reason; kept on record

    @property
    def label(self) -> str:
        return {
            "awaiting_second_approval": "Awaiting second approval",
            "approved": "Ready to batch",
            "batched": "In a batch",
            "exported": "Exported",
            "paid": "Paid",
            "cancelled": "Cancelled",
        }[self.value]

    @property
    def can_cancel(self) -> bool:
        """Before export a payment can be cancelled; after it, only reversed."""
        return self in (
            PaymentStatus.AWAITING_SECOND_APPROVAL,
            PaymentStatus.APPROVED,
            PaymentStatus.BATCHED,
        )


class PaymentKind(enum.StrEnum):
    PAYMENT = "payment"  # the one-off payment an approved reduction earns
    REVERSAL = "reversal"  # takes back an exported payment, in a later batch

    @property
    def label(self) -> str:
        return {"payment": "Payment", "reversal": "Reversal"}[self.value]


class Payment(TimestampMixin, db.Model):  # type: ignore[name-defined]
    """A one-off payment to a provider, created when a reduction is approved.

    The payment keeps what its approval told it (the recommendation's reference, who approved
    it and when), so payments never read the recommendation itself."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'payment' AND amount_pence > 0 AND reverses_payment_id IS NULL) OR "
            "(kind = 'reversal' AND amount_pence < 0 AND reverses_payment_id IS NOT NULL)",
            name="amount_matches_kind",
        ),
        Index("ix_payments_status_created", "status", "created_at"),
        # A batch's payments, and whether a batch holds any of a provider's.
        Index("ix_payments_batch_provider", "batch_id", "provider_id"),
        # A provider's payments, newest first (and anything else by provider).
        Index("ix_payments_provider_created", "provider_id", "created_at", "id"),
        # One payment per recommendation; its reversal refers to the same recommendation.
        Index(
            "uq_payments_one_payment_per_recommendation",
            "recommendation_id",
            unique=True,
            sqlite_where=text("kind = 'payment'"),
            postgresql_where=text("kind = 'payment'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    service_user_id: Mapped[int] = mapped_column(ForeignKey("service_users.id"))
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"))
    recommendation_reference: Mapped[str] = mapped_column(String(20))  # TA000123
    # The care manager's approval of the reduction, as the recommendation recorded it; a
    # reversal repeats its payment's.
    first_approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    first_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[PaymentKind] = mapped_column(
        enum_type(PaymentKind, "payment_kind"),
        default=PaymentKind.PAYMENT,
        server_default=PaymentKind.PAYMENT.value,
    )
    # For a reversal, the exported payment it takes back (each is reversed at most once).
    reverses_payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), unique=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("payment_rules.id"))
    weekly_minutes_removed: Mapped[int] = mapped_column(Integer)
    hourly_rate_pence: Mapped[int] = mapped_column(Integer)
    weeks: Mapped[int] = mapped_column(Integer)
    amount_pence: Mapped[int] = mapped_column(Integer)
    status: Mapped[PaymentStatus] = mapped_column(
        enum_type(PaymentStatus, "payment_status"), default=PaymentStatus.APPROVED
    )
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payment_batches.id"))
    second_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    second_approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Why it was cancelled or, for a reversal, why the payment is taken back.
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    provider: Mapped[Provider] = relationship()
    second_approved_by: Mapped[User | None] = relationship(foreign_keys=[second_approved_by_id])
    service_user: Mapped[ServiceUser] = relationship()
    rule: Mapped[PaymentRule] = relationship()
    batch: Mapped[PaymentBatch | None] = relationship(back_populates="payments")
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])

    @property
    def can_be_cancelled(self) -> bool:
        """A payment (not a reversal) not yet in an exported batch."""
        return (
            self.kind == PaymentKind.PAYMENT
            and self.status.can_cancel
            and (self.batch is None or self.batch.status == BatchStatus.OPEN)
        )

    reverses: Mapped[Payment | None] = relationship(
        remote_side=[id], foreign_keys=[reverses_payment_id]
    )


class BatchStatus(enum.StrEnum):
    OPEN = "open"
    EXPORTED = "exported"  # its payment list is fixed and can be downloaded
    PAID = "paid"  # finance has recorded the date the money went

    @property
    def label(self) -> str:
        return self.value.capitalize()


class PaymentBatch(TimestampMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "payment_batches"
    __table_args__ = (UniqueConstraint("reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20))
    status: Mapped[BatchStatus] = mapped_column(
        enum_type(BatchStatus, "batch_status"), default=BatchStatus.OPEN
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    exported_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    exported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    paid_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    exported_by: Mapped[User | None] = relationship(foreign_keys=[exported_by_id])
    payments: Mapped[list[Payment]] = relationship(
        back_populates="batch", order_by="Payment.reference"
    )

    @staticmethod
    def reference_for(batch_id: int) -> str:
        return f"PB{batch_id:06d}"


class BatchFile(db.Model):  # type: ignore[name-defined]
    """A batch's payment list as exported, kept byte for byte: every later download is the
    same file, whatever has changed in the council's settings since."""

    __tablename__ = "batch_files"
    __table_args__ = (UniqueConstraint("batch_id", "format"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payment_batches.id"))
    format: Mapped[str] = mapped_column(String(10))  # "csv" or "xlsx"
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
