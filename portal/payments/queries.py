from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from flask import abort
from sqlalchemy import Date, Select, bindparam, case, func, select
from sqlalchemy.orm import contains_eager

from portal.common.pagination import Recent, recent
from portal.common.sql_dates import london_date
from portal.extensions import db
from portal.payments.exports import PaymentListRow
from portal.payments.models import (
    BatchFile,
    BatchStatus,
    Payment,
    PaymentBatch,
    PaymentKind,
    PaymentRule,
    PaymentStatus,
)
from portal.providers.models import Provider, ServiceUser


@cache
def _rule_in_force_statement() -> Select[Any]:
    return (
        select(PaymentRule)
        .where(PaymentRule.effective_from <= bindparam("day", type_=Date))
        .order_by(PaymentRule.effective_from.desc())
        .limit(1)
    )


def rule_in_force(on: dt.date) -> PaymentRule | None:
    return db.session.scalar(_rule_in_force_statement(), {"day": on})


def _with_payee(statement: Select[Any]) -> Select[Any]:
    return (
        statement.join(Payment.provider)
        .join(Payment.service_user)
        .options(contains_eager(Payment.provider), contains_eager(Payment.service_user))
    )


_READY = (Payment.status == PaymentStatus.APPROVED, Payment.batch_id.is_(None))


@cache
def ready_payments_statement(*, by_provider: bool = False) -> Select[Any]:
    """Approved payments (and reversals) not yet in a batch, oldest first, as rows of the
    columns the list shows; only :provider's when ``by_provider``. Built once each way,
    with the provider bound when it runs."""
    statement = (
        select(
            Payment.id,
            Payment.reference,
            Payment.kind,
            Payment.created_at,
            Payment.amount_pence,
            Provider.name.label("provider_name"),
            ServiceUser.given_name,
            ServiceUser.family_name,
            ServiceUser.case_reference,
        )
        .join(Provider, Provider.id == Payment.provider_id)
        .join(ServiceUser, ServiceUser.id == Payment.service_user_id)
        .where(*_READY)
        .order_by(Payment.created_at, Payment.id)
    )
    if by_provider:
        statement = statement.where(Payment.provider_id == bindparam("provider"))
    return statement


@dataclass(frozen=True)
class ProviderTotal:
    provider_id: int
    name: str
    count: int
    total_pence: int


def _totals_by_provider_statement(*where: Any) -> Select[Any]:
    """Each provider's payments and their total among those ``where`` picks, by name: one
    grouped query."""
    return (
        select(Provider.id, Provider.name, func.count(Payment.id), func.sum(Payment.amount_pence))
        .join(Provider, Provider.id == Payment.provider_id)
        .where(*where)
        .group_by(Provider.id, Provider.name)
        .order_by(Provider.name)
    )


def _totals_by_provider(
    statement: Select[Any], values: dict[str, Any] | None = None
) -> list[ProviderTotal]:
    rows = db.session.execute(statement, values)
    return [
        ProviderTotal(pid, name, int(count), int(total or 0)) for pid, name, count, total in rows
    ]


@cache
def _ready_totals_statement() -> Select[Any]:
    return _totals_by_provider_statement(*_READY)


def ready_totals_by_provider() -> list[ProviderTotal]:
    """What each provider is owed in payments ready to batch."""
    return _totals_by_provider(_ready_totals_statement())


@cache
def batches_statement() -> Select[Any]:
    """Batches newest first: page it with ``with_totals`` around the page. Built once."""
    return select(
        PaymentBatch.id, PaymentBatch.reference, PaymentBatch.status, PaymentBatch.created_at
    ).order_by(PaymentBatch.created_at.desc(), PaymentBatch.id.desc())


@lru_cache(maxsize=8)
def with_totals(batches: Select[Any]) -> Select[Any]:
    """A page of ``batches_statement`` with each batch's payments counted and summed
    through the payments' batch index, for the page's batches only. Kept for the last few
    pages' statements, which are built once (their LIMIT and OFFSET bound when they run)."""
    page = batches.subquery()
    of_batch = Payment.batch_id == page.c.id
    return select(
        page,
        select(func.count()).where(of_batch).scalar_subquery().label("payment_count"),
        select(func.coalesce(func.sum(Payment.amount_pence), 0))
        .where(of_batch)
        .scalar_subquery()
        .label("total_pence"),
    ).order_by(page.c.created_at.desc(), page.c.id.desc())


@cache
def _batch_count_statement() -> Select[Any]:
    return select(func.count()).select_from(PaymentBatch)


def batch_count() -> int:
    return db.session.scalar(_batch_count_statement()) or 0


def get_batch(batch_id: int) -> PaymentBatch:
    batch = db.session.get(PaymentBatch, batch_id)
    if batch is None:
        abort(404)
    return batch


@cache
def batch_payments_statement() -> Select[Any]:
    """:batch's payments for its page, in provider order: the columns shown, no more. Built
    once, with the batch bound when it runs."""
    return (
        select(
            Payment.id,
            Payment.reference,
            Payment.kind,
            Payment.amount_pence,
            Provider.name.label("provider_name"),
            Provider.supplier_reference,
            ServiceUser.case_reference,
        )
        .join(Provider, Provider.id == Payment.provider_id)
        .join(ServiceUser, ServiceUser.id == Payment.service_user_id)
        .where(Payment.batch_id == bindparam("batch"))
        .order_by(Provider.name, Payment.reference)
    )


@cache
def _batch_totals_statement() -> Select[Any]:
    return _totals_by_provider_statement(Payment.batch_id == bindparam("batch"))


def batch_providers(batch_id: int) -> list[ProviderTotal]:
    """Each provider paid in the batch, with its payments and total."""
    return _totals_by_provider(_batch_totals_statement(), {"batch": batch_id})


def payment_list_rows(batch_id: int) -> Iterator[PaymentListRow]:
    """The batch's payment list, in provider order: one joined query, read in chunks, so a
    batch of any size is written out without holding it all.

    A payment is approved when its recommendation is (or at its second approval); a
    reversal when finance makes it: worked out in SQL, with the council's date of it."""
    approved = london_date(
        case(
            (
                Payment.kind == PaymentKind.PAYMENT,
                func.coalesce(
                    Payment.second_approved_at, Payment.first_approved_at, Payment.created_at
                ),
            ),
            else_=Payment.created_at,
        )
    )
    # Through the connection: plain rows, without the ORM's loading machinery.
    rows = db.session.connection().execute(
        select(
            Payment.reference,
            Payment.kind,
            Payment.amount_pence,
            approved.label("approved"),
            Provider.name,
            Provider.supplier_reference,
            ServiceUser.case_reference,
            Payment.recommendation_reference,
        )
        .join(Provider, Provider.id == Payment.provider_id)
        .join(ServiceUser, ServiceUser.id == Payment.service_user_id)
        .where(Payment.batch_id == batch_id)
        .order_by(Provider.name, Payment.reference)
        .execution_options(yield_per=2000)
    )
    for reference, kind, amount, approved_on, name, supplier, case_reference, rec_ref in rows:
        yield PaymentListRow(
            supplier_reference=supplier,
            provider_name=name,
            amount_pence=amount,
            payment_reference=reference,
            payment_type=kind.value,
            case_reference=case_reference,
            recommendation_reference=rec_ref,
            approval_date=approved_on,
        )


def rules_statement() -> Select[Any]:
    return select(PaymentRule).order_by(PaymentRule.version.desc())


def awaiting_second_approval_statement() -> Select[Any]:
    return (
        _with_payee(select(Payment))
        .where(Payment.status == PaymentStatus.AWAITING_SECOND_APPROVAL)
        .order_by(Payment.created_at, Payment.id)
    )


def get_payment(payment_id: int) -> Payment:
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        abort(404)
    return payment


def batch_file(batch_id: int, file_format: str) -> BatchFile | None:
    return db.session.scalar(
        select(BatchFile).where(BatchFile.batch_id == batch_id, BatchFile.format == file_format)
    )


def batch_file_sizes(batch_id: int) -> dict[str, int]:
    """Each kept payment list's size in bytes, by format, for the links that download it:
    the database's length of the content, so the files themselves are not read."""
    return {
        file_format: int(size)
        for file_format, size in db.session.execute(
            select(BatchFile.format, func.length(BatchFile.content)).where(
                BatchFile.batch_id == batch_id
            )
        )
    }


def reversal_of(payment_id: int) -> Payment | None:
    return db.session.scalar(select(Payment).where(Payment.reverses_payment_id == payment_id))


@cache
def provider_payments_statement() -> Select[Any]:
    """:provider's own payments and reversals, newest first, as rows of the columns its
    page shows, with the person's name and case reference and the batch's payment date.
    Built once, with the provider bound when it runs."""
    return (
        select(
            Payment.reference,
            Payment.kind,
            Payment.status,
            Payment.reason,
            Payment.amount_pence,
            Payment.recommendation_reference,
            Payment.service_user_id,
            (ServiceUser.given_name + " " + ServiceUser.family_name).label("full_name"),
            ServiceUser.case_reference,
            PaymentBatch.paid_on,
        )
        .join(ServiceUser, ServiceUser.id == Payment.service_user_id)
        .outerjoin(PaymentBatch, PaymentBatch.id == Payment.batch_id)
        .where(Payment.provider_id == bindparam("provider"))
        .order_by(Payment.created_at.desc(), Payment.id.desc())
    )


@cache
def _provider_payment_count_statement() -> Select[Any]:
    return select(func.count()).where(Payment.provider_id == bindparam("provider"))


def provider_payment_count(provider_id: int) -> int:
    """How many payments the provider has, from its index alone (each has its person, and
    the batch is an outer join: neither changes the count)."""
    return db.session.scalar(_provider_payment_count_statement(), {"provider": provider_id}) or 0


@dataclass(frozen=True)
class ProviderBatch:
    """One remittance advice: a batch and the provider's share of it."""

    id: int
    reference: str
    exported_at: dt.datetime | None
    paid_on: dt.date | None
    count: int
    total_pence: int


RECENT_REMITTANCES = 12  # a year of monthly batches; the rest are a link away


def _provider_batches(batches: Any) -> Select[Any]:
    """For each of ``batches``: the batch, and the count and total of :provider's payments
    in it, newest first."""
    return (
        select(
            PaymentBatch.id,
            PaymentBatch.reference,
            PaymentBatch.exported_at,
            PaymentBatch.paid_on,
            func.count(Payment.id),
            func.sum(Payment.amount_pence),
        )
        .join(Payment, Payment.batch_id == PaymentBatch.id)
        .where(Payment.provider_id == bindparam("provider"), batches)
        .group_by(PaymentBatch.id)
        .order_by(PaymentBatch.exported_at.desc(), PaymentBatch.id.desc())
    )


@cache
def provider_batches_statement() -> Select[Any]:
    """The exported batches holding :provider's payments, newest first, with the
    provider's share of each: one line per remittance advice. Built once, with the provider
    bound when it runs."""
    return _provider_batches(PaymentBatch.status != BatchStatus.OPEN)


@cache
def newest_provider_batches_statement() -> Select[Any]:
    """``provider_batches_statement`` for only the newest exported batches holding any of
    :provider's payments, one more than are shown: they are found first, through the batch
    and provider index, so only their payments are counted however many batches the
    provider has had."""
    holds_theirs = (
        select(Payment.id)
        .where(Payment.batch_id == PaymentBatch.id, Payment.provider_id == bindparam("provider"))
        .exists()
    )
    newest = (
        select(PaymentBatch.id)
        .where(PaymentBatch.status != BatchStatus.OPEN, holds_theirs)
        .order_by(PaymentBatch.exported_at.desc(), PaymentBatch.id.desc())
        .limit(RECENT_REMITTANCES + 1)
    )
    return _provider_batches(PaymentBatch.id.in_(newest.scalar_subquery()))


def provider_batches(rows: Iterable[Any]) -> list[ProviderBatch]:
    """Rows of ``provider_batches_statement`` as remittance lines."""
    return [
        ProviderBatch(batch_id, reference, exported_at, paid_on, int(count), int(total))
        for batch_id, reference, exported_at, paid_on, count, total in rows
    ]


def recent_provider_batches(provider_id: int) -> Recent[ProviderBatch]:
    """The provider's newest remittances, and whether there are older ones."""
    newest = recent(
        newest_provider_batches_statement(),
        RECENT_REMITTANCES,
        scalars=False,
        params={"provider": provider_id},
    )
    return Recent(items=provider_batches(newest.items), more=newest.more)
