from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.common.dates import today
from portal.extensions import db
from portal.outcomes.measures import MEASURES
from portal.outcomes.models import OwedReturn, ReportingPeriod
from portal.outcomes.owed import owed_rows


def outcome_page_form(outcome_number: int, **overrides: str) -> dict[str, object]:
    """One outcome page answered: every measure met, with evidence and a source each.
    ``overrides`` replace fields by name, e.g. m1_1_result="not_applicable"."""
    data: dict[str, object] = {"save_and_continue": "Save and continue"}
    for measure in MEASURES:
        if measure.outcome_number != outcome_number:
            continue
        name = measure.field_name
        data[f"{name}_result"] = "met"
        data[f"{name}_evidence"] = f"Seen at the care review for {measure.code}."
        data[f"{name}_sources"] = [measure.sources[0].value]
        data[f"{name}_na_reason"] = ""
    data.update(overrides)
    return data


def return_url(person_id: int, period_id: int, outcome_number: int | None = None) -> str:
    url = f"/service-users/{person_id}/outcome-returns/{period_id}"
    return f"{url}/outcomes/{outcome_number}" if outcome_number else url


def complete_return(client: Any, person_id: int, period_id: int) -> str:
    """Answer all five outcome pages; returns the check answers page's address."""
    response = None
    for number in range(1, 6):
        response = client.post(
            return_url(person_id, period_id, number), data=outcome_page_form(number)
        )
        assert response.status_code == 302, f"outcome {number} was not saved"
    assert response is not None
    assert response.location.endswith("/check")
    return str(response.location)


def date_parts(day: dt.date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def reduction_form(*, calls: int = 3, start: dt.date | None = None) -> dict[str, object]:
    start = start or today() + dt.timedelta(days=14)
    return {
        "kind": "reduce",
        "reason_category": "skills_regained",
        "lines-0-calls_per_day": str(calls),
        "lines-0-minutes_per_call": "30",
        "lines-0-carers_per_call": "1",
        "lines-0-days": [str(day) for day in range(7)],
        "reason": "Margaret has regained the strength to make her own lunch.",
        "evidence": "Observed by the coordinator on three visits; OT assessment on file.",
        "person_consulted_and_agrees": "y",
        "family_consulted": "y",
        "risk_assessed": "y",
        "proposed_start_date": date_parts(start),
    }


def owed_in(period: ReportingPeriod) -> set[tuple[int, int]]:
    """(person, provider) for each return owed in the period, as kept; checked against the
    rule applied to the lines as they stand."""
    db.session.flush()
    kept = set(
        db.session.execute(
            select(OwedReturn.period_id, OwedReturn.service_user_id, OwedReturn.provider_id)
        ).tuples()
    )
    assert kept == set(db.session.execute(owed_rows()).tuples())
    return {(person, provider) for period_id, person, provider in kept if period_id == period.id}


def new_provider_form(**changes: Any) -> dict[str, Any]:
    """The add-a-provider form, filled in for a Patch provider in the West."""
    form: dict[str, Any] = {
        "name": "Harbour Lights Care",
        "supplier_reference": "sup-20417",
        "cqc_location_id": "1-123456789",
        "contract_type": "patch",
        "quadrant": "west",
        "categories": ["standard_adult", "palliative"],
        "strategic_tier": "yes",
        "trusted_assessor": "no",
        "cqc_rating": "good",
        "cqc_rated_on": ["4", "3", "2025"],
        "qaf_level": "B",
        "qaf_assessed_on": ["14", "1", "2026"],
    }
    return {**form, **changes}


def audit_events(user: User, action: str) -> list[AuditEvent]:
    """The audit trail's ``action`` events about ``user``'s account, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.action == action,
                AuditEvent.entity_type == "users",
                AuditEvent.entity_id == user.id,
            )
            .order_by(AuditEvent.id)
        )
    )


def copy_of_cookie(app: Flask, browser: Any) -> Any:
    """Someone else's browser holding a copy of ``browser``'s session cookie, as a thief
    would replay it."""
    cookie = browser.get_cookie("session")
    assert cookie is not None, "no session cookie"
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief
