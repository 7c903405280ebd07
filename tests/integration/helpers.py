from __future__ import annotations

import datetime as dt

from portal.common.dates import today
from portal.outcomes.measures import MEASURES


def full_return_form(*, not_applicable: str | None = None) -> dict[str, object]:
    """Form data answering all nine measures as met, with evidence and a source each."""
    data: dict[str, object] = {}
    for measure in MEASURES:
        name = measure.field_name
        data[f"{name}_result"] = "met"
        data[f"{name}_evidence"] = f"Seen at the care review for {measure.code}."
        data[f"{name}_sources"] = [measure.sources[0].value]
        data[f"{name}_na_reason"] = ""
    if not_applicable:
        name = "m" + not_applicable.replace(".", "_")
        data[f"{name}_result"] = "not_applicable"
        data[f"{name}_evidence"] = ""
    return data


def date_parts(day: dt.date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def reduction_form(*, calls: int = 3, start: dt.date | None = None) -> dict[str, object]:
    start = start or today() + dt.timedelta(days=14)
    return {
        "kind": "reduce",
        "lines-0-calls_per_day": str(calls),
        "lines-0-minutes_per_call": "30",
        "lines-0-carers_per_call": "1",
        "lines-0-days_per_week": "7",
        "reason": "Margaret has regained the strength to make her own lunch.",
        "evidence": "Observed by the coordinator on three visits; OT assessment on file.",
        "person_consulted_and_agrees": "y",
        "family_consulted": "y",
        "risk_assessed": "y",
        "proposed_start_date": date_parts(start),
    }
