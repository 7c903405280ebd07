"""Retention: what identifies a service user is removed once their care ended more than the
configured number of years ago (RETENTION_YEARS, 8 by default, as the records management
code of practice keeps adult social care records).

Their records stay, anonymised in place: every number, date of care, status and link is
kept, so Table F, the recommendations summary, the payments summaries and returns progress
add up exactly as before. What goes is their name (a fixed placeholder, "Name removed"), NHS number, date of
birth, sex and ethnicity, the case reference (replaced by ANON-<id>, since it finds them in
the council's case system), and the free text typed about them: outcome evidence and
reasons, the reasons a return was sent back, recommendations' reasons, evidence and
decisions, the questions and answers about them, and payments' reasons.

Care ended means every package line has ended (none is open) and the last ended before the
cutoff: exactly the retention period ago is still kept. A person with no package line at
all is never chosen, since nothing says when their care ended.

The audit trail is append-only (migration 0022's triggers), and its older events may hold
values recorded before. It is not rewritten here: it is kept for its own period, and
the command reports how many events about these people's records it still holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func, literal, select, update

from portal.audit.models import AuditEvent
from portal.audit.operations import AuditChange, record_many
from portal.casework.subject_access import about_people
from portal.common import stored_figures
from portal.common.models import utcnow
from portal.extensions import db
from portal.outcomes.models import OutcomeAnswer, OutcomeReturn
from portal.payments.models import Payment
from portal.providers.models import PackageLine, ServiceUser
from portal.recommendations.models import Recommendation, RecommendationMessage

ANONYMISED = "service_user.anonymised"
# What an anonymised person is called: their whole name, with no family name beside it.
PLACEHOLDER = "Name removed"
REFERENCE_PREFIX = "ANON-"
# How many people one UPDATE names, well inside either database's limit on parameters.
CHUNK = 500

# What each person loses: (model, its link to the person, the values it takes).
_PERSON = {
    "given_name": PLACEHOLDER,
    "family_name": "",
    "nhs_number": None,
    "date_of_birth": None,
    "sex": None,
    "ethnicity": None,
}
_TEXT: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (OutcomeReturn, ("review_reason",)),
    (Recommendation, ("reason", "evidence", "decision_reason")),
    (Payment, ("reason",)),
)
CLEARED = tuple(
    sorted(
        [f"service_users.{name}" for name in (*_PERSON, "case_reference")]
        + [f"{model.__tablename__}.{name}" for model, names in _TEXT for name in names]
        + ["outcome_answers.evidence", "outcome_answers.not_applicable_reason"]
        + ["recommendation_messages.text"]
    )
)


@dataclass(frozen=True)
class Due:
    """A person whose care ended before the cutoff, and when it ended."""

    service_user_id: int
    provider_id: int
    care_ended_on: dt.date


@dataclass(frozen=True)
class Outcome:
    cutoff: dt.date
    people: list[Due]
    # Events about these people's records the append-only trail still holds.
    audit_events: int


def cutoff(on: dt.date, years: int) -> dt.date:
    """The last day of care still kept ``years`` after ``on``'s date: care that ended
    before it is past retention. 29 February steps back to the 28th."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def due(on: dt.date, years: int) -> list[Due]:
    """Everyone not yet anonymised whose last package line ended before the cutoff, with
    no line still open, in id order."""
    ended = (
        select(
            PackageLine.service_user_id,
            func.max(PackageLine.end_date).label("ended_on"),
        )
        .group_by(PackageLine.service_user_id)
        # count(end_date) skips open lines: equal counts mean every line has ended.
        .having(func.count() == func.count(PackageLine.end_date))
        .subquery()
    )
    rows = db.session.execute(
        select(ServiceUser.id, ServiceUser.provider_id, ended.c.ended_on)
        .join(ended, ended.c.service_user_id == ServiceUser.id)
        .where(ServiceUser.anonymised_at.is_(None), ended.c.ended_on < cutoff(on, years))
        .order_by(ServiceUser.id)
    ).all()
    return [Due(*row) for row in rows]


def apply(on: dt.date, years: int, *, dry_run: bool) -> Outcome:
    """Find who is past retention and, unless ``dry_run``, anonymise them, with an audit
    event each. Changes are left in the session for the caller's one commit."""
    people = due(on, years)
    ids = [person.service_user_id for person in people]
    outcome = Outcome(cutoff(on, years), people, _audit_events_about(ids))
    if dry_run or not people:
        return outcome
    when = utcnow()
    for chunk in _chunks(ids):
        _anonymise(chunk, when)
    record_many(
        ANONYMISED,
        ServiceUser.__tablename__,
        [
            AuditChange(
                person.service_user_id,
                person.provider_id,
                before={
                    "care_ended_on": person.care_ended_on.isoformat(),
                    "retention_years": years,
                },
                after={
                    "cleared": list(CLEARED),
                    "case_reference": f"{REFERENCE_PREFIX}{person.service_user_id}",
                    "anonymised_at": when.isoformat(),
                },
            )
            for person in people
        ],
        by=None,
    )
    return outcome


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _anonymise(ids: Sequence[int], when: dt.datetime) -> None:
    session = db.session
    session.execute(
        update(ServiceUser)
        .where(ServiceUser.id.in_(ids))
        .values(
            **_PERSON,
            case_reference=literal(REFERENCE_PREFIX, String) + cast(ServiceUser.id, String),
            anonymised_at=when,
        )
        .execution_options(synchronize_session=False)
    )
    for model, names in _TEXT:
        session.execute(
            update(model)
            .where(model.service_user_id.in_(ids))
            .values(dict.fromkeys(names, ""))
            .execution_options(synchronize_session=False)
        )
    returns = select(OutcomeReturn.id).where(OutcomeReturn.service_user_id.in_(ids))
    session.execute(
        update(OutcomeAnswer)
        .where(OutcomeAnswer.return_id.in_(returns))
        .values(evidence="", not_applicable_reason="")
        .execution_options(synchronize_session=False)
    )
    recommendations = select(Recommendation.id).where(Recommendation.service_user_id.in_(ids))
    session.execute(
        update(RecommendationMessage)
        .where(RecommendationMessage.recommendation_id.in_(recommendations))
        .values(text="")
        .execution_options(synchronize_session=False)
    )
    # The dashboard's outcomes by age band, sex and ethnicity no longer know these people's:
    # counted again, as "Not recorded".
    stored_figures.forget(stored_figures.OUTCOMES, since=dt.date.min)
    # Objects already in the session read the anonymised values on their next use.
    session.expire_all()


def _audit_events_about(ids: list[int]) -> int:
    total = 0
    for chunk in _chunks(ids):
        total += (
            db.session.scalar(
                select(func.count()).select_from(AuditEvent).where(about_people(chunk))
            )
            or 0
        )
    return total
