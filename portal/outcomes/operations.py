"""Changes to outcome returns. Each writes an audit event; the request commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.operations import AuditChange, record, record_many, snapshot
from portal.common.database import first_one_wins
from portal.common.dates import financial_quarter_label, format_date, quarter_bounds
from portal.common.errors import DomainError
from portal.common.models import lock, utcnow
from portal.extensions import db
from portal.outcomes import notices, owed, tallies
from portal.outcomes.models import (
    EDITABLE,
    OutcomeAnswer,
    OutcomeReturn,
    PeriodKind,
    ReportingPeriod,
    ReturnStatus,
)
from portal.outcomes.queries import find_period, find_return, previous_return
from portal.outcomes.rules import (
    AnswerData,
    KeptAnswer,
    check_answer,
    kept_answers,
    return_problems,
)
from portal.providers.models import ServiceUser


def _return_snapshot(outcome_return: OutcomeReturn) -> dict[str, object]:
    data = snapshot(
        outcome_return,
        (
            "status",
            "submitted_at",
            "submitted_by_id",
            "reviewed_at",
            "reviewed_by_id",
            "review_reason",
        ),
    )
    data["answers"] = _saved_answers(outcome_return.answers)
    return data


def _saved_answers(answers: Iterable[OutcomeAnswer]) -> dict[str, KeptAnswer]:
    """A return's saved answers, by measure, in the shape they are kept in."""
    return {
        answer.measure: {
            "result": answer.result,
            "evidence": answer.evidence,
            "not_applicable_reason": answer.not_applicable_reason,
            "evidence_sources": sorted(answer.evidence_sources),
        }
        for answer in answers
    }


def save_answers(
    *,
    period: ReportingPeriod,
    service_user: ServiceUser,
    answers: list[AnswerData],
    by: User,
    complete: bool = True,
) -> OutcomeReturn:
    """Create or update the person's return for the period with these answers. Answers may
    be incomplete (``complete=False``) while the return is a draft."""
    for answer in answers:
        check_answer(answer, complete=complete)
    outcome_return = find_return(period.id, service_user.id)
    if outcome_return is None:
        outcome_return = OutcomeReturn(
            period_id=period.id,
            service_user_id=service_user.id,
            provider_id=service_user.provider_id,
            status=ReturnStatus.DRAFT,
        )
        with first_one_wins(
            f"{service_user.full_name}’s return for {period.label} was started by someone else "
            "a moment ago: go back to the task list and open it again"
        ):
            db.session.add(outcome_return)
        before = None
        action = "outcome_return.created"
    else:
        if outcome_return.status not in EDITABLE:
            raise DomainError("This return has been submitted and can no longer be changed")
        before = _return_snapshot(outcome_return)
        action = "outcome_return.updated"

    existing = {a.measure: a for a in outcome_return.answers}
    for measure, kept in kept_answers(answers).items():
        row = existing.get(measure)
        if row is None:
            row = OutcomeAnswer(measure=measure)
            outcome_return.answers.append(row)
        row.result = kept["result"]
        row.evidence = kept["evidence"]
        row.not_applicable_reason = kept["not_applicable_reason"]
        row.evidence_sources = list(kept["evidence_sources"])
    db.session.flush()
    record(action, outcome_return, by=by, before=before, after=_return_snapshot(outcome_return))
    return outcome_return


def submit_return(outcome_return: OutcomeReturn, *, by: User) -> None:
    db.session.flush()
    lock(outcome_return)  # submitted twice at once: counted into Table F once
    if outcome_return.status not in EDITABLE:
        raise DomainError("This return has already been submitted")
    problems = return_problems(outcome_return.answers)
    if problems:
        raise DomainError("Before submitting: " + "; ".join(problems))
    before = _return_snapshot(outcome_return)
    outcome_return.status = ReturnStatus.SUBMITTED
    outcome_return.submitted_at = utcnow()
    outcome_return.submitted_by_id = by.id
    tallies.count_in(OutcomeReturn.id == outcome_return.id)
    record(
        "outcome_return.submitted",
        outcome_return,
        by=by,
        before=before,
        after=_return_snapshot(outcome_return),
    )


def start_from_previous(
    *, period: ReportingPeriod, service_user: ServiceUser, by: User
) -> OutcomeReturn:
    """Pre-fill a new draft from the person's latest earlier return, to be reviewed."""
    previous = previous_return(service_user.id, before=period.start_date)
    if previous is None:
        raise DomainError(f"{service_user.full_name} has no earlier return to start from")
    existing = find_return(period.id, service_user.id)
    if existing is not None and existing.answers:
        raise DomainError("This return already has answers: change them instead")
    outcome_return = save_answers(
        period=period,
        service_user=service_user,
        answers=[
            AnswerData(
                measure=a.measure,
                result=a.result,
                evidence=a.evidence,
                not_applicable_reason=a.not_applicable_reason,
                evidence_sources=list(a.evidence_sources),
            )
            for a in previous.answers
        ],
        by=by,
        complete=False,
    )
    record(
        "outcome_return.started_from_previous",
        outcome_return,
        by=by,
        after={"copied_from_return_id": previous.id},
    )
    return outcome_return


def accept_return(outcome_return: OutcomeReturn, *, by: User) -> None:
    lock(outcome_return)  # two reviewers at once: the second finds it already reviewed
    if outcome_return.status != ReturnStatus.SUBMITTED:
        raise DomainError("Only a submitted return can be accepted")
    before = _return_snapshot(outcome_return)
    outcome_return.status = ReturnStatus.ACCEPTED
    outcome_return.reviewed_at = utcnow()
    outcome_return.reviewed_by_id = by.id
    outcome_return.review_reason = ""
    record(
        "outcome_return.accepted",
        outcome_return,
        by=by,
        before=before,
        after=_return_snapshot(outcome_return),
    )


def return_for_correction(outcome_return: OutcomeReturn, *, by: User, reason: str) -> None:
    if not reason.strip():
        raise DomainError("Enter what the provider needs to correct", field="reason")
    lock(outcome_return)
    if outcome_return.status != ReturnStatus.SUBMITTED:
        raise DomainError("Only a submitted return can be returned for correction")
    before = _return_snapshot(outcome_return)
    tallies.count_out(OutcomeReturn.id == outcome_return.id)
    outcome_return.status = ReturnStatus.RETURNED
    outcome_return.reviewed_at = utcnow()
    outcome_return.reviewed_by_id = by.id
    outcome_return.review_reason = reason.strip()
    record(
        "outcome_return.returned_for_correction",
        outcome_return,
        by=by,
        before=before,
        after=_return_snapshot(outcome_return),
    )
    notices.return_for_correction(outcome_return)


def open_period(*, start_date: dt.date, due_date: dt.date, by: User) -> ReportingPeriod:
    """Open a quarter for Appendix A returns. Returns owed follow from the package lines."""
    start, end = quarter_bounds(start_date)
    if start != start_date:
        raise DomainError(
            "A reporting period starts on the first day of a quarter", field="quarter"
        )
    label = financial_quarter_label(start)
    if find_period(start) is not None:
        raise DomainError(f"{label} is already open", field="quarter")
    if due_date <= end:
        raise DomainError(
            f"The due date must be after the quarter ends on {format_date(end)}", field="due_date"
        )
    period = ReportingPeriod(
        kind=PeriodKind.OUTCOMES,
        label=label,
        start_date=start,
        end_date=end,
        due_date=due_date,
        opened_by_id=by.id,
    )
    with first_one_wins(f"{label} is already open", field="quarter"):
        db.session.add(period)
    owed.period_opened(period)
    record("reporting_period.opened", period, by=by)
    return period


@dataclass(frozen=True)
class ImportResult:
    submitted: int
    unchanged: int


def same_answers(outcome_return: OutcomeReturn, answers: list[AnswerData]) -> bool:
    """Whether ``answers``, stored, would be exactly what the return holds."""
    return _saved_answers(outcome_return.answers) == kept_answers(answers)


def import_returns(
    *,
    period: ReportingPeriod,
    rows: list[tuple[ServiceUser, list[AnswerData]]],
    existing: dict[int, OutcomeReturn],
    by: User,
) -> ImportResult:
    """Save and submit an uploaded file's returns, all checked beforehand (by
    ``plan_upload``, with the rules ``check_answer`` holds). A row matching a
    return already submitted is left alone, so uploading a file twice changes nothing.

    New returns, the bulk of a quarter's upload, are written with one insert each for the
    returns, their answers and their audit events; a draft already started is updated as
    the form would."""
    submitted = unchanged = 0
    new: list[tuple[ServiceUser, list[AnswerData]]] = []
    for person, answers in rows:
        current = existing.get(person.id)
        if current is not None and current.status not in EDITABLE:
            if not same_answers(current, answers):
                raise DomainError(
                    f"{person.case_reference}’s return has already been submitted: ask the "
                    "council to return it for correction before changing it"
                )
            unchanged += 1
            continue
        if current is None:
            new.append((person, answers))
            continue
        outcome_return = save_answers(period=period, service_user=person, answers=answers, by=by)
        submit_return(outcome_return, by=by)
        submitted += 1
    _insert_submitted(period, new, by=by)
    return ImportResult(submitted=submitted + len(new), unchanged=unchanged)


def _insert_submitted(
    period: ReportingPeriod, rows: list[tuple[ServiceUser, list[AnswerData]]], *, by: User
) -> None:
    """New returns, submitted as they are made, with their answers and audit events."""
    if not rows:
        return
    now = utcnow()
    db.session.execute(
        OutcomeReturn.__table__.insert(),
        [
            {
                "period_id": period.id,
                "service_user_id": person.id,
                "provider_id": person.provider_id,
                "status": ReturnStatus.SUBMITTED,
                "submitted_at": now,
                "submitted_by_id": by.id,
                "review_reason": "",
                "created_at": now,
                "updated_at": now,
            }
            for person, _ in rows
        ],
    )
    # Read the new ids back by their unique (period, person): RETURNING would send the
    # rows one at a time on SQLite to keep their order.
    found = db.session.execute(
        select(OutcomeReturn.service_user_id, OutcomeReturn.id).where(
            OutcomeReturn.period_id == period.id,
            OutcomeReturn.service_user_id.in_([person.id for person, _ in rows]),
        )
    )
    by_person = dict(found.tuples().all())
    ids = [by_person[person.id] for person, _ in rows]
    kept = [kept_answers(answers) for _, answers in rows]
    db.session.execute(
        OutcomeAnswer.__table__.insert(),
        [
            {"return_id": return_id, "measure": measure, **values}
            for return_id, answers in zip(ids, kept, strict=True)
            for measure, values in answers.items()
        ],
    )
    tallies.count_in(OutcomeReturn.id.in_(ids))  # with their answers, now they are in
    after = {
        "status": ReturnStatus.SUBMITTED.value,
        "submitted_at": now.isoformat(),
        "submitted_by_id": by.id,
        "source": "upload",
    }
    record_many(
        "outcome_return.submitted",
        OutcomeReturn.__tablename__,
        [
            AuditChange(
                entity_id=return_id,
                provider_id=person.provider_id,
                before=None,
                after=after | {"answers": answers},
            )
            for return_id, (person, _), answers in zip(ids, rows, kept, strict=True)
        ],
        by=by,
    )
