"""Reductions in the demo year that did not hold, so "Do reductions hold?" has a story to
tell: the case system's changes-only imports, each as at its day, record an extra call for
a few people some weeks after their reduction (went back up), one much later (held at 91
days, back up at 12 months), and the end of two people's care in the last few months (ended).

Only people with no other recommendation are chosen, so no later change of theirs is
written over."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import func, select

from portal.caseload.extract import COLUMNS, OPTIONAL
from portal.common.dates import today
from portal.common.weekdays import EVERY_DAY
from portal.demo import churn
from portal.extensions import db
from portal.providers.models import PackageLine, Provider, ServiceUser
from portal.providers.queries import current_lines
from portal.recommendations.models import ChangeKind, Recommendation, RecommendationStatus

BACK_UP_SOON = 3  # an extra call 45 days after the reduction
BACK_UP_LATE = 1  # an extra call after 200 days
ENDED = 2


def _alone() -> list[Recommendation]:
    """Approved reductions at least 91 days old, of people with no other recommendation,
    the oldest first."""
    only_one = (
        select(Recommendation.service_user_id)
        .group_by(Recommendation.service_user_id)
        .having(func.count() == 1)
    )
    return list(
        db.session.scalars(
            select(Recommendation)
            .where(
                Recommendation.status == RecommendationStatus.APPROVED,
                Recommendation.kind == ChangeKind.REDUCE,
                Recommendation.service_user_id.in_(only_one),
                Recommendation.agreed_start_date <= today() - dt.timedelta(days=92),
            )
            .order_by(Recommendation.agreed_start_date, Recommendation.id)
        )
    )


def _row(person: ServiceUser, line: PackageLine, **changed: object) -> list[object]:
    provider = db.session.get(Provider, line.provider_id)
    assert provider is not None
    values: dict[str, object] = {
        "case_reference": person.case_reference,
        "nhs_number": person.nhs_number or "",
        "given_name": person.given_name,
        "family_name": person.family_name,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else "",
        "funding": person.funding.value,
        "quadrant": person.quadrant.value,
        "pricing_zone": person.pricing_zone.value,
        "care_category": line.care_category.label,
        "supplier_reference": provider.supplier_reference,
        "line_id": line.case_system_line_id,
        "calls_per_day": line.calls_per_day,
        "minutes_per_call": line.minutes_per_call,
        "carers_per_call": line.carers_per_call,
        "days_of_week": "7",
        "hourly_rate": f"{line.hourly_rate_pence / 100:.2f}",
        "start_date": line.start_date.isoformat(),
        "end_date": "",
        "sex": person.sex.value if person.sex else "",
        "ethnicity": person.ethnicity.value if person.ethnicity else "",
    }
    values.update(changed)
    return [values[name] for name in (*COLUMNS, *OPTIONAL)]


def _import(day: dt.date, rows: list[list[object]]) -> None:
    churn.import_changes(rows, extracted=day, by=None)


def _lines_on(reduction: Recommendation, day: dt.date) -> list[PackageLine]:
    lines = current_lines(reduction.service_user_id, on=day)
    fits = all(line.days_of_week == EVERY_DAY and line.case_system_line_id for line in lines)
    return lines if lines and fits else []


def _extra_call(reduction: Recommendation, after: int) -> bool:
    """An extra 30-minute call a day from ``after`` days into the reduction."""
    assert reduction.agreed_start_date is not None
    day = reduction.agreed_start_date + dt.timedelta(days=after)
    lines = _lines_on(reduction, day)
    if not lines or day > today() - dt.timedelta(days=11):
        return False
    person = reduction.service_user
    extra = _row(
        person,
        lines[0],
        line_id=f"{lines[0].case_system_line_id}-X",
        calls_per_day=1,
        minutes_per_call=30,
        carers_per_call=1,
        start_date=day.isoformat(),
    )
    _import(day, [extra])
    return True


def _care_ended(reduction: Recommendation) -> bool:
    """Every line ends 60 days into the reduction, for one that started 92 to 150 days ago:
    the ending falls this quarter or late in the last, after its returns were handed in."""
    assert reduction.agreed_start_date is not None
    start = reduction.agreed_start_date
    if start <= today() - dt.timedelta(days=150):
        return False
    day = start + dt.timedelta(days=60)
    lines = _lines_on(reduction, day)
    if not lines:
        return False
    person = reduction.service_user
    _import(day, [_row(person, line, end_date=day.isoformat()) for line in lines])
    return True


def _tell(
    chosen: list[Recommendation], count: int, story: Callable[[Recommendation], bool]
) -> None:
    """The story for up to ``count`` of the chosen reductions it fits; those told leave."""
    for reduction in list(chosen):
        if count and story(reduction):
            chosen.remove(reduction)
            count -= 1


def _year_old(reduction: Recommendation) -> bool:
    assert reduction.agreed_start_date is not None
    return reduction.agreed_start_date <= today() - dt.timedelta(days=366) and _extra_call(
        reduction, 200
    )


def reductions_that_did_not_hold() -> None:
    chosen = _alone()
    _tell(chosen, ENDED, _care_ended)
    _tell(chosen, BACK_UP_LATE, _year_old)
    _tell(chosen[::3], BACK_UP_SOON, lambda reduction: _extra_call(reduction, 45))
