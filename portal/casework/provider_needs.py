"""A provider manager's share of "What needs you", their home page: what the provider owes,
each line with its count, its deadline in words and a link straight to the work, and what
comes next when nothing is owed.

Its counts are scalar subqueries that ``portal.casework.needs`` puts in its one statement,
with :provider, :today and :month bound when it runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import url_for
from sqlalchemy import Date, bindparam, func, select

from portal.capacity.models import CapacityReturn
from portal.casework.notice import Notice, count_of, due_by, in_days, plural
from portal.common.dates import financial_quarter_label, format_date, quarter_bounds
from portal.outcomes.models import OutcomeProgress, PeriodKind, ReportingPeriod
from portal.outcomes.tasks import TaskState, state_count
from portal.providers.models import Provider
from portal.recommendations.models import Recommendation, RecommendationStatus

RECENT_DAYS = 30


def capacity_sent() -> Any:
    """Whether :provider has sent its return for :month."""
    return count_of(
        CapacityReturn.id,
        CapacityReturn.provider_id == bindparam("provider"),
        CapacityReturn.month == bindparam("month", type_=Date),
    )


def _outstanding_periods() -> Any:
    """The quarters in which :provider owes returns not yet handed in, the earliest due
    first: the progress figures count what is owed and what is handed in."""
    return (
        select(ReportingPeriod.id, ReportingPeriod.label, ReportingPeriod.due_date)
        .join(OutcomeProgress, OutcomeProgress.period_id == ReportingPeriod.id)
        .where(
            OutcomeProgress.provider_id == bindparam("provider"),
            OutcomeProgress.owed > OutcomeProgress.handed_in,
        )
        .order_by(ReportingPeriod.due_date, ReportingPeriod.start_date)
        .limit(1)
    )


def provider_counts() -> dict[str, Any]:
    mine = Recommendation.provider_id == bindparam("provider")
    earliest = _outstanding_periods()
    period = earliest.with_only_columns(ReportingPeriod.id).scalar_subquery()
    return {
        "capacity_sent": capacity_sent(),
        "questions": count_of(
            Recommendation.id, mine, Recommendation.status == RecommendationStatus.MORE_INFORMATION
        ),
        "unsent": count_of(
            Recommendation.id, mine, Recommendation.status == RecommendationStatus.DRAFT
        ),
        "unsent_since": select(func.min(Recommendation.created_at)).where(
            mine, Recommendation.status == RecommendationStatus.DRAFT
        ),
        "decided": count_of(
            Recommendation.id,
            mine,
            Recommendation.decided_at >= bindparam("since", type_=Recommendation.decided_at.type),
        ),
        "period": earliest.with_only_columns(ReportingPeriod.id),
        "period_label": earliest.with_only_columns(ReportingPeriod.label),
        "period_due": earliest.with_only_columns(ReportingPeriod.due_date),
        "periods_outstanding": count_of(
            OutcomeProgress.period_id,
            OutcomeProgress.provider_id == bindparam("provider"),
            OutcomeProgress.owed > OutcomeProgress.handed_in,
        ),
        **{
            f"outcomes_{state.value}": state_count(period, bindparam("provider"), state)
            for state in (TaskState.NOT_STARTED, TaskState.DRAFT, TaskState.RETURNED)
        },
        "latest_quarter_ends": select(func.max(ReportingPeriod.end_date)).where(
            ReportingPeriod.kind == PeriodKind.OUTCOMES
        ),
    }


OUTCOME_LINES = {
    TaskState.NOT_STARTED: ("outcome return", "not started"),
    TaskState.DRAFT: ("outcome return draft", "to finish and send"),
    TaskState.RETURNED: ("outcome return", "returned to you for correction"),
}


def _outcome_notices(counts: dict[str, Any], on: dt.date) -> list[Notice]:
    if not counts["period"]:  # nothing owed in any quarter
        return []
    hint, status, colour = due_by(counts["period_due"], on)
    notices = [
        Notice(
            f"{plural(counts[f'outcomes_{state.value}'], word)} {what}",
            url_for("periods.period", period_id=counts["period"], state=state.value),
            counts[f"outcomes_{state.value}"],
            f"{counts['period_label']}, {hint}",
            status,
            colour,
        )
        for state, (word, what) in OUTCOME_LINES.items()
    ]
    others = counts["periods_outstanding"] - 1
    if others > 0:
        notices.append(
            Notice(
                f"Outcome returns still owed for {plural(others, 'other quarter')}",
                url_for("periods.period_list"),
                others,
            )
        )
    return notices


def capacity_line(provider: Provider, *, sent: bool, on: dt.date) -> Notice | None:
    """This month's capacity return while the provider owes it: before its window opens,
    while it is open, and once it is overdue."""
    from portal.capacity.operations import window_for

    month = on.replace(day=1)
    if sent or not provider.on_register(month):
        return None
    window = window_for(month)
    href = url_for("capacity.edit", year=month.year, month=month.month)
    text = f"Capacity return for {month:%B %Y}"
    if on < window.opens:
        return Notice(
            text,
            href,
            1,
            f"window opens {window.opens.day} {window.opens:%B}, due by {format_date(window.closes)}",
            f"Opens {in_days((window.opens - on).days)}",
            "grey",
        )
    if on <= window.closes:
        days = (window.closes - on).days
        return Notice(
            text,
            href,
            1,
            f"due by {format_date(window.closes)}, the window closes {in_days(days)}",
            f"Due {in_days(days)}",
            "orange" if days <= 3 else "blue",
        )
    hint, status, colour = due_by(window.closes, on)
    return Notice(text, href, 1, hint, status, colour)


def provider_notices(provider: Provider, counts: dict[str, Any], on: dt.date) -> list[Notice]:
    questions, unsent, decided = counts["questions"], counts["unsent"], counts["decided"]
    capacity = capacity_line(provider, sent=bool(counts["capacity_sent"]), on=on)
    since = counts["unsent_since"]
    return [
        *_outcome_notices(counts, on),
        *([capacity] if capacity else []),
        Notice(
            f"{plural(questions, 'recommendation')} where the council needs more information from you",
            url_for("recommendations.provider_list", status=RecommendationStatus.MORE_INFORMATION),
            questions,
            "the care manager's decision waits for your answer",
            "To answer" if questions else "",
            "red",
        ),
        Notice(
            f"{plural(unsent, 'recommendation draft')} not yet sent",
            url_for("recommendations.provider_list", status=RecommendationStatus.DRAFT),
            unsent,
            f"the oldest saved on {format_date(since)}" if since else "",
            "Not sent" if unsent else "",
            "yellow",
        ),
        Notice(
            f"{plural(decided, 'recommendation')} decided in the last {RECENT_DAYS} days",
            url_for("recommendations.provider_list"),
            decided,
        ),
    ]


def coming_next(provider: Provider, counts: dict[str, Any], on: dt.date) -> list[str]:
    """What the provider will owe next, and when, for a page with nothing owed now."""
    from portal.capacity.operations import window_for

    lines = []
    month = on.replace(day=1)
    if counts["capacity_sent"]:
        month = (month + dt.timedelta(days=31)).replace(day=1)
    if provider.on_register(month):  # none once the provider has left the register
        window = window_for(month)
        lines.append(
            f"The capacity return for {month:%B %Y}: its window opens on "
            f"{format_date(window.opens)} and closes on {format_date(window.closes)}."
        )
    ended = counts["latest_quarter_ends"]
    start = (ended + dt.timedelta(days=1)) if ended else quarter_bounds(on)[0]
    if provider.strategic_tier and provider.on_register(start):
        end = quarter_bounds(start)[1]
        lines.append(
            f"Outcome returns for {financial_quarter_label(start)} ({start:%B} to "
            f"{end:%B %Y}), once the council opens the quarter; the quarter ends on "
            f"{format_date(end)}."
        )
    return lines
