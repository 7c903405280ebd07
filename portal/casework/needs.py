"""What needs the signed-in person's attention, worked out from the records themselves, so
the list is never out of date: a count for each kind of item, all in one statement."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import url_for
from sqlalchemy import Date, Select, bindparam, select

from portal.accounts.models import User
from portal.casework.notice import Notice, count_of, plural, some
from portal.casework.provider_needs import (
    RECENT_DAYS,
    capacity_sent,
    coming_next,
    provider_counts,
    provider_notices,
)
from portal.common.dates import format_date, today
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes.acceptance import waiting_count
from portal.payments.models import BatchStatus, Payment, PaymentBatch, PaymentStatus
from portal.providers.models import Provider
from portal.recommendations.models import Recommendation, RecommendationStatus

__all__ = ["Needs", "Notice", "capacity_notice", "needs_for", "notices_for"]

# The values of the one statement that are not counts: a quarter's id, label and dates.
NOT_COUNTS = frozenset({"period_label", "period_due", "unsent_since", "latest_quarter_ends"})


@dataclass(frozen=True)
class Needs:
    """The home page's lines, and for a provider with nothing owed, what comes next."""

    notices: list[Notice]
    coming: list[str]


@cache
def _counts_statement(
    *, provider: bool, care_manager: bool, accepter: bool, second_approver: bool, finance: bool
) -> Select[Any]:
    """Every count the page needs for this mix of roles, in one statement of scalar
    subqueries. Built once for each mix, with :provider, :user, :today, :since and :month
    bound when it runs."""
    wanted: dict[str, Any] = {}
    if provider:
        wanted |= provider_counts()
    if care_manager:
        waiting = Recommendation.status == RecommendationStatus.SUBMITTED
        wanted |= {
            "waiting": count_of(Recommendation.id, waiting),
            "overdue": count_of(
                Recommendation.id,
                waiting,
                Recommendation.decision_due_date < bindparam("today", type_=Date),
            ),
            "mine": count_of(
                Recommendation.id, waiting, Recommendation.assigned_to_id == bindparam("user")
            ),
        }
    if accepter:
        wanted["to_accept"] = waiting_count()
    if second_approver:
        wanted["second"] = count_of(
            Payment.id,
            Payment.status == PaymentStatus.AWAITING_SECOND_APPROVAL,
            Payment.first_approved_by_id != bindparam("user"),
        )
    if finance:
        wanted |= {
            "ready": count_of(
                Payment.id, Payment.status == PaymentStatus.APPROVED, Payment.batch_id.is_(None)
            ),
            "open": count_of(PaymentBatch.id, PaymentBatch.status == BatchStatus.OPEN),
            "unpaid": count_of(PaymentBatch.id, PaymentBatch.status == BatchStatus.EXPORTED),
        }
    return select(*(statement.scalar_subquery().label(key) for key, statement in wanted.items()))


def notices_for(user: User) -> list[Notice]:
    return needs_for(user).notices


def needs_for(user: User) -> Needs:
    provider_id = user.provider_id if user.has_role(Role.PROVIDER_MANAGER) else None
    care_manager = user.has_role(Role.CARE_MANAGER)
    accepter = user.has_role(Role.COMMISSIONER)
    second_approver = user.has_any_role({Role.CARE_MANAGER, Role.COMMISSIONER})
    finance = user.has_role(Role.FINANCE_OFFICER)
    counts: dict[str, int] = {}
    if provider_id is not None or care_manager or accepter or second_approver or finance:
        statement = _counts_statement(
            provider=provider_id is not None,
            care_manager=care_manager,
            accepter=accepter,
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
        counts = {
            key: value if key in NOT_COUNTS else int(value or 0)
            for key, value in row._mapping.items()
        }

    notices: list[Notice] = []
    coming: list[str] = []
    if provider_id is not None and user.provider is not None:
        notices += provider_notices(user.provider, counts, today())
        if not any(notice.count for notice in notices):
            coming = coming_next(user.provider, counts, today())
    if care_manager:
        notices += [
            Notice(
                f"{plural(counts['waiting'], 'recommendation')} awaiting a decision, "
                f"{counts['overdue']} overdue"
                if counts["waiting"]
                else "No recommendations awaiting a decision",
                url_for("recommendations.queue"),
                counts["waiting"],
            ),
            Notice(
                f"{counts['mine']} assigned to you"
                if counts["mine"]
                else "No recommendations assigned to you",
                url_for("recommendations.queue", assigned="me"),
                counts["mine"],
            ),
        ]
    if accepter:
        notices.append(
            Notice(
                f"{some(counts['to_accept'], 'outcome return')} waiting to be accepted",
                url_for("outcomes.returns_to_accept"),
                counts["to_accept"],
            )
        )
    if second_approver:
        notices.append(
            Notice(
                f"{some(counts['second'], 'payment')} waiting for your second approval",
                url_for("payments.second_approvals"),
                counts["second"],
            )
        )
    if finance:
        notices += [
            Notice(
                f"{some(counts['ready'], 'payment')} ready to put in a batch",
                url_for("payments.payment_list"),
                counts["ready"],
            ),
            Notice(
                f"{some(counts['open'], 'batch', 'es')} waiting to be exported",
                url_for("payments.batch_list"),
                counts["open"],
            ),
            Notice(
                f"{some(counts['unpaid'], 'exported batch', 'es')} waiting to be marked paid",
                url_for("payments.batch_list"),
                counts["unpaid"],
            ),
        ]
    return Needs(notices, coming)


def _capacity_month() -> dt.date:
    return today().replace(day=1)


def capacity_notice(provider: Provider, *, sent: bool | None = None) -> Notice:
    """This month's capacity return, once its window has opened and until it is sent (none
    for a month after the provider left the register); ``sent`` when the caller has
    already counted it."""
    from portal.capacity.operations import window_for

    month = _capacity_month()
    window = window_for(month)
    if sent is None:
        sent = bool(db.session.scalar(capacity_sent(), {"provider": provider.id, "month": month}))
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
