"""A person's outcome story: each measure's result quarter by quarter, and whether each
outcome was met, from the returns providers submitted."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select

from portal.extensions import db
from portal.outcomes.measures import OUTCOMES, MeasureResult
from portal.outcomes.models import HANDED_IN, OutcomeAnswer, OutcomeReturn, ReportingPeriod
from portal.providers.queries import confined

QUARTERS_SHOWN = 8


@dataclass(frozen=True)
class StoryRow:
    code: str
    text: str
    is_outcome: bool
    cells: list[str | None]  # per quarter: a MeasureResult value, "met"/"not_met" for outcomes


@dataclass(frozen=True)
class Story:
    quarters: list[str]
    rows: list[StoryRow]


@cache
def _answers_statement(by_provider: bool) -> Select[Any]:
    """The answers of the person's latest returns handed in (by the provider, if given),
    oldest quarter first. Built once each way, :person and :provider bound when it runs: a
    statement reused is not built or keyed for the cache again on every page."""
    latest = (
        select(OutcomeReturn.id)
        .join(ReportingPeriod, ReportingPeriod.id == OutcomeReturn.period_id)
        .where(
            OutcomeReturn.service_user_id == bindparam("person"),
            OutcomeReturn.status.in_(HANDED_IN),
        )
        .order_by(ReportingPeriod.start_date.desc())
        .limit(QUARTERS_SHOWN)
    )
    shown = confined(latest, OutcomeReturn.provider_id, by_provider).subquery()
    return (
        select(ReportingPeriod.label, OutcomeAnswer.measure, OutcomeAnswer.result)
        .join(OutcomeReturn, OutcomeReturn.period_id == ReportingPeriod.id)
        .join(shown, shown.c.id == OutcomeReturn.id)
        .join(OutcomeAnswer, OutcomeAnswer.return_id == OutcomeReturn.id)
        .order_by(ReportingPeriod.start_date)
    )


def outcome_story(service_user_id: int, *, provider_id: int | None) -> Story | None:
    """The last eight quarters' returned answers in one query; None when there are none.
    Older quarters are never read, so the story costs the same however long the history."""
    statement = _answers_statement(provider_id is not None)
    values = {"person": service_user_id, "provider": provider_id}
    results: dict[str, dict[str, MeasureResult]] = {}
    # Through the connection: plain rows, without the ORM's loading machinery.
    for label, measure, result in db.session.connection().execute(statement, values):
        results.setdefault(label, {})[measure] = result
    if not results:
        return None
    quarters = list(results)
    rows: list[StoryRow] = []
    for outcome in OUTCOMES:
        outcome_cells: list[str | None] = []
        for quarter in quarters:
            answers = [results[quarter].get(m.code) for m in outcome.measures]
            applicable = [a for a in answers if a not in (None, MeasureResult.NOT_APPLICABLE)]
            if not applicable:
                outcome_cells.append(None)
            else:
                met = all(a == MeasureResult.MET for a in applicable)
                outcome_cells.append("met" if met else "not_met")
        rows.append(StoryRow(str(outcome.number), outcome.text, True, outcome_cells))
        for measure in outcome.measures:
            cells: list[str | None] = []
            for quarter in quarters:
                value = results[quarter].get(measure.code)
                cells.append(value.value if value else None)
            rows.append(StoryRow(measure.code, measure.text, False, cells))
    return Story(quarters=quarters, rows=rows)
