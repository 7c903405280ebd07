"""What needs the signed-in person's attention, worked out from the records themselves, so
the list is never out of date: a count for each kind of item, all in one statement."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import url_for
from sqlalchemy import Date, Select, bindparam, func, select

from portal.accounts.models import User
from portal.capacity.models import CapacityReturn
from portal.common.dates import format_date, today
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes.models import OutcomeReturn, ReturnStatus
from portal.payments.models import BatchStatus, Payment, PaymentBatch, PaymentStatus
from portal.providers.models import Provider
from portal.recommendations.models import Recommendation, RecommendationStatus

RECENT_DAYS = 30


@dataclass(frozen=True)
class Notice:
    text: str
    href: str
    count: int


def _count_of(column: Any, *criteria: Any) -> Any:
    return select(func.count(column)).where(*criteria)


def _plural(count: int, word: str, plural: str = "s") -> str:
    return f"{count} {word}{'' if count == 1 else plural}"


@cache
def _counts_statement(
    *, provider: bool, care_manager: bool, second_approver: bool, finance: bool
) -> Select[Any]:
    """Every count the page needs for this mix of roles, in one statement of scalar
    subqueries. Built once for each mix, with :provider, :user, :today, :since and :month
    bound when it runs."""
    wanted: dict[str, Any] = {}
    if provider:
        wanted |= _provider_counts()
    if care_manager:
        waiting = Recommendation.status == RecommendationStatus.SUBMITTED
        wanted |= {
            "waiting": _count_of(Recommendation.id, waiting),
            "overdue": _count_of(
                Recommendation.id,
                waiting,
                Recommendation.decision_due_date < bindparam("today", type_=Date),
            ),
            "mine": _count_of(
                Recommendation.id, waiting, Recommendation.assigned_to_id == bindparam("user")
            ),
        }
    if second_approver:
        wanted["second"] = _count_of(
            Payment.id,
            Payment.status == PaymentStatus.AWAITING_SECOND_APPROVAL,
            Payment.first_approved_by_id != bindparam("user"),
        )
    if finance:
        wanted |= {
            "ready": _count_of(
                Payment.id, Payment.status == PaymentStatus.APPROVED, Payment.batch_id.is_(None)
            ),
            "open": _count_of(PaymentBatch.id, PaymentBatch.status == BatchStatus.OPEN),
            "unpaid": _count_of(PaymentBatch.id, PaymentBatch.status == BatchStatus.EXPORTED),
        }
    return select(*(statement.scalar_subquery().label(key) for key, statement in wanted.items()))


def notices_for(user: User) -> list[Notice]:
    provider_id = user.provider_id if user.has_role(Role.PROVIDER_MANAGER) else None
    care_manager = user.has_role(Role.CARE_MANAGER)
    second_approver = user.has_any_role({Role.CARE_MANAGER, Role.COMMISSIONER})
    finance = user.has_role(Role.FINANCE_OFFICER)
    counts: dict[str, int] = {}
    if provider_id is not None or care_manager or second_approver or finance:
        statement = _counts_statement(
            provider=provider_id is not None,
            care_manager=care_manager,
            second_approver=second_approver,
            finance=finance,
        )
        since = dt.datetime.combine(
            today() - dt.timedelta(days=RECENT_DAYS), dt.time.min, tzinfo=dt.UTC
        )
        values = {
            "provider": provider_id,
            "user": user.id,
            "today": today(),
            "since": since,
            "month": _capacity_month(),
        }
        row = db.session.execute(statement, values).one()
        counts = {key: int(value or 0) for key, value in row._mapping.items()}

    notices: list[Notice] = []
    if provider_id is not None and user.provider is not None:
        notices += _provider_notices(user.provider, counts)
    if care_manager:
        notices += [
            Notice(
                f"{_plural(counts['waiting'], 'recommendation')} awaiting a decision, "
                f"{counts['overdue']} overdue",
                url_for("recommendations.queue"),
                counts["waiting"],
            ),
            Notice(
                f"{counts['mine']} assigned to you",
                url_for("recommendations.queue", assigned="me"),
                counts["mine"],
            ),
        ]
    if second_approver:
        notices.append(
            Notice(
                f"{_plural(counts['second'], 'payment')} waiting for your second approval",
                url_for("payments.second_approvals"),
                counts["second"],
            )
        )
    if finance:
        notices += [
            Notice(
                f"{_plural(counts['ready'], 'payment')} ready to put in a batch",
                url_for("payments.payment_list"),
                counts["ready"],
            ),
            Notice(
                f"{_plural(counts['open'], 'batch', 'es')} not yet exported",
                url_for("payments.batch_list"),
                counts["open"],
            ),
            Notice(
                f"{_plural(counts['unpaid'], 'exported batch', 'es')} not yet marked paid",
                url_for("payments.batch_list"),
                counts["unpaid"],
            ),
        ]
    return notices


def _capacity_month() -> dt.date:
    return today().replace(day=1)


def _capacity_sent() -> Any:
    """Whether :provider has sent its return for :month."""
    return _count_of(
        CapacityReturn.id,
        CapacityReturn.provider_id == bindparam("provider"),
        CapacityReturn.month == bindparam("month", type_=Date),
    )


def capacity_notice(provider: Provider, *, sent: bool | None = None) -> Notice:
    """This month's capacity return, once its window has opened and until it is sent (none
    for a month after the provider left the register); ``sent`` when the caller has
    already counted it."""
    from portal.capacity.operations import window_for

    month = _capacity_month()
    window = window_for(month)
    if sent is None:
        sent = bool(db.session.scalar(_capacity_sent(), {"provider": provider.id, "month": month}))
    due = provider.on_register(month) and today() >= window.opens and not sent
    when = (
        f"overdue since {format_date(window.closes)}"
        if today() > window.closes
        else f"due by {format_date(window.closes)}"
    )
    return Notice(
        f"Capacity return for {month:%B %Y}, {when}" if due else "No capacity return to send",
        url_for("capacity.overview"),
        1 if due else 0,
    )


def _provider_counts() -> dict[str, Any]:
    mine = Recommendation.provider_id == bindparam("provider")
    return {
        "capacity_sent": _capacity_sent(),
        "questions": _count_of(
            Recommendation.id, mine, Recommendation.status == RecommendationStatus.MORE_INFORMATION
        ),
        "returned": _count_of(
            OutcomeReturn.id,
            OutcomeReturn.provider_id == bindparam("provider"),
            OutcomeReturn.status == ReturnStatus.RETURNED,
        ),
        "decided": _count_of(
            Recommendation.id,
            mine,
            Recommendation.decided_at >= bindparam("since", type_=Recommendation.decided_at.type),
        ),
    }


def _provider_notices(provider: Provider, counts: dict[str, int]) -> list[Notice]:
    questions, returned, decided = counts["questions"], counts["returned"], counts["decided"]
    return [
        capacity_notice(provider, sent=bool(counts["capacity_sent"])),
        Notice(
            f"{_plural(questions, 'recommendation')} where the council needs more information from you",
            url_for("recommendations.provider_list"),
            questions,
        ),
        Notice(
            f"{_plural(returned, 'outcome return')} returned to you for correction",
            url_for("periods.period_list"),
            returned,
        ),
        Notice(
            f"{_plural(decided, 'recommendation')} decided in the last {RECENT_DAYS} days",
            url_for("recommendations.provider_list"),
            decided,
        ),
    ]
