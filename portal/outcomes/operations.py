"""Changes to outcome returns. Each writes an audit event; the request commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from portal.accounts.models import User
from portal.audit.operations import AuditChange, record, record_many
from portal.common.database import first_one_wins
from portal.common.dates import financial_quarter_label, format_date, quarter_bounds
from portal.common.errors import DomainError
from portal.common.models import lock, utcnow
from portal.extensions import db
from portal.outcomes import notices, owed, progress, tallies
from portal.outcomes.measures import MeasureResult
from portal.outcomes.models import (
    EDITABLE,
    OutcomeAnswer,
    OutcomeReturn,
    PeriodKind,
    ReportingPeriod,
    ReturnStatus,
)
from portal.outcomes.queries import find_period, find_return, previous_return
from portal.outcomes.rules import AnswerData, check_answer, kept_answers
from portal.outcomes.snapshots import (
    NEW_DRAFT,
    STATE_COLUMNS,
    ReturnState,
    return_snapshot,
    saved_answers,
    state_snapshot,
)
from portal.outcomes.submission import Source, submit_returns
from portal.providers.models import ServiceUser


def _snapshot(outcome_return: OutcomeReturn) -> dict[str, Any]:
    return return_snapshot(outcome_return, saved_answers(outcome_return.answers))


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
        before = _snapshot(outcome_return)
        action = "outcome_return.updated"

    existing = {a.measure: a for a in outcome_return.answers}
    for measure, kept in kept_answers(answers).items():
        row = existing.get(measure)
        if row is None:
            row = OutcomeAnswer(measure=measure)
            outcome_return.answers.append(row)
        row.result = MeasureResult(kept["result"])
        row.evidence = kept["evidence"]
        row.not_applicable_reason = kept["not_applicable_reason"]
        row.evidence_sources = list(kept["evidence_sources"])
    db.session.flush()
    record(action, outcome_return, by=by, before=before, after=_snapshot(outcome_return))
    return outcome_return


def create_drafts(
    period: ReportingPeriod, rows: Sequence[tuple[ServiceUser, list[AnswerData]]], *, by: User
) -> dict[int, list[AnswerData]]:
    """Start many people's returns at once, each a draft holding its answers: what
    ``save_answers`` does with one person's first answers, for a file's new rows. One insert
    each for the returns, their answers and their "outcome_return.created" events (the
    form's shape), so thousands cost a handful of statements. Gives each new draft's
    answers by its id, in the order of ``rows``."""
    if not rows:
        return {}
    for _, answers in rows:
        for answer in answers:
            check_answer(answer, complete=False)
    now = utcnow()
    new_draft = NEW_DRAFT._asdict()
    with first_one_wins(
        "Someone else started some of these returns a moment ago: nothing has been saved. Try again"
    ):
        db.session.execute(
            OutcomeReturn.__table__.insert(),
            [
                {
                    "period_id": period.id,
                    "service_user_id": person.id,
                    "provider_id": person.provider_id,
                    **new_draft,
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
    # Each answer is made once into the dictionary its event keeps, which its row is
    # written from.
    kept = [kept_answers(answers) for _, answers in rows]
    db.session.execute(
        OutcomeAnswer.__table__.insert(),
        [
            {"return_id": return_id, "measure": measure, **values}
            for return_id, answers in zip(ids, kept, strict=True)
            for measure, values in answers.items()
        ],
    )
    created = state_snapshot(NEW_DRAFT)  # the same for every new draft, answers apart
    record_many(
        "outcome_return.created",
        OutcomeReturn.__tablename__,
        [
            AuditChange(
                entity_id=return_id,
                provider_id=person.provider_id,
                before=None,
                after={**created, "answers": answers},
            )
            for return_id, (person, _), answers in zip(ids, rows, kept, strict=True)
        ],
        by=by,
    )
    return {return_id: answers for return_id, (_, answers) in zip(ids, rows, strict=True)}


def submit_return(outcome_return: OutcomeReturn, *, by: User, source: Source = "form") -> None:
    """Submit the return from the form (or the API): ``submit_returns`` with one."""
    submit_returns([outcome_return.id], by=by, source=source)


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
    before = _snapshot(outcome_return)
    outcome_return.status = ReturnStatus.ACCEPTED
    outcome_return.reviewed_at = utcnow()
    outcome_return.reviewed_by_id = by.id
    outcome_return.review_reason = ""
    progress.returns_changed(OutcomeReturn.id == outcome_return.id)
    record(
        "outcome_return.accepted",
        outcome_return,
        by=by,
        before=before,
        after=_snapshot(outcome_return),
    )


@dataclass(frozen=True)
class Accepted:
    """What accepting several returns at once did: how many it accepted, and how many of
    those chosen someone else had reviewed first (accepted or sent back a moment ago)."""

    accepted: int
    already_reviewed: int


def accept_returns(
    return_ids: Sequence[int], *, period_id: int, provider_id: int, by: User
) -> Accepted:
    """Accept these of one provider's returns for the quarter, together: those still
    waiting are accepted, each with its own audit event, in a handful of statements
    whatever their number. The returns are held with one locking read, so a return someone
    else reviews at the same moment is reviewed once; those no longer waiting are counted,
    not refused. Ids of another provider's or quarter's returns are ignored."""
    ids = sorted(set(return_ids))
    if not ids:
        return Accepted(0, 0)
    held = db.session.execute(
        select(OutcomeReturn.id, OutcomeReturn.provider_id)
        .add_columns(*STATE_COLUMNS)
        .where(
            OutcomeReturn.id.in_(ids),
            OutcomeReturn.period_id == period_id,
            OutcomeReturn.provider_id == provider_id,
        )
        .with_for_update(of=OutcomeReturn)
    ).all()
    waiting = [row for row in held if row.status == ReturnStatus.SUBMITTED]
    if waiting:
        now = utcnow()
        accepted_ids = [row.id for row in waiting]
        db.session.execute(
            update(OutcomeReturn)
            .where(OutcomeReturn.id.in_(accepted_ids))
            .values(
                status=ReturnStatus.ACCEPTED,
                reviewed_at=now,
                reviewed_by_id=by.id,
                review_reason="",
            )
        )
        progress.returns_changed(OutcomeReturn.id.in_(accepted_ids))
        changes = []
        for row in waiting:
            state = ReturnState._make(row[2:])
            accepted = state._replace(
                status=ReturnStatus.ACCEPTED, reviewed_at=now, reviewed_by_id=by.id
            )
            changes.append(
                AuditChange(
                    entity_id=row.id,
                    provider_id=row.provider_id,
                    before=state_snapshot(state),
                    after=state_snapshot(accepted) | {"how": "several at once"},
                )
            )
        record_many("outcome_return.accepted", OutcomeReturn.__tablename__, changes, by=by)
    return Accepted(len(waiting), len(held) - len(waiting))


def return_for_correction(outcome_return: OutcomeReturn, *, by: User, reason: str) -> None:
    if not reason.strip():
        raise DomainError("Enter what the provider needs to correct", field="reason")
    lock(outcome_return)
    if outcome_return.status != ReturnStatus.SUBMITTED:
        raise DomainError("Only a submitted return can be returned for correction")
    before = _snapshot(outcome_return)
    tallies.count_out(OutcomeReturn.id == outcome_return.id)
    outcome_return.status = ReturnStatus.RETURNED
    outcome_return.reviewed_at = utcnow()
    outcome_return.reviewed_by_id = by.id
    outcome_return.review_reason = reason.strip()
    progress.returns_changed(OutcomeReturn.id == outcome_return.id)
    record(
        "outcome_return.returned_for_correction",
        outcome_return,
        by=by,
        before=before,
        after=_snapshot(outcome_return),
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
    tallies.period_opened(period.id)  # the same people's pairs across it
    record("reporting_period.opened", period, by=by)
    return period


@dataclass(frozen=True)
class ImportResult:
    submitted: int
    unchanged: int


def same_answers(outcome_return: OutcomeReturn, answers: list[AnswerData]) -> bool:
    """Whether ``answers``, stored, would be exactly what the return holds."""
    return saved_answers(outcome_return.answers) == kept_answers(answers)


def import_returns(
    *,
    period: ReportingPeriod,
    rows: list[tuple[ServiceUser, list[AnswerData]]],
    existing: dict[int, OutcomeReturn],
    by: User,
    source: Source = "upload",
) -> ImportResult:
    """Save and submit an uploaded file's returns, all checked beforehand (by
    ``plan_upload``, with the rules ``check_answer`` holds). A row matching a
    return already submitted is left alone, so uploading a file twice changes nothing.

    A draft already started is updated as the form would; the new returns, the bulk of a
    quarter's upload, are started together (``create_drafts``); then all are submitted at
    once, as the form submits one (``submit_returns``)."""
    ready: list[int] = []
    new: list[tuple[ServiceUser, list[AnswerData]]] = []
    unchanged = 0
    for person, answers in rows:
        current = existing.get(person.id)
        if current is None:
            new.append((person, answers))
        elif current.status in EDITABLE:
            save_answers(period=period, service_user=person, answers=answers, by=by)
            ready.append(current.id)
        elif same_answers(current, answers):
            unchanged += 1
        else:
            raise DomainError(
                f"{person.case_reference}’s return has already been submitted: ask the "
                "council to return it for correction before changing it"
            )
    made = create_drafts(period, new, by=by)
    ready += made
    submit_returns(ready, by=by, source=source, made_now=made)
    return ImportResult(submitted=len(ready), unchanged=unchanged)
