"""Submitting outcome returns: the one way a return is handed in, whether a provider
submits one on the form or a file of many on upload.

Whatever their number, ``submit_returns`` holds the returns with one locking read, checks
them with Appendix A's rules, marks them submitted with one UPDATE, adds them to Table F's
counts with one ``tallies.count_in`` (and the progress page's with
``progress.returns_changed``) and records one "outcome_return.submitted" event each
in one insert. Answers are read as plain rows, never as ORM objects, so a file's 2,000
returns cost the same handful of statements as the form's one.

A submitted event records what submitting changes, the return's own fields (status, when
and by whom), and where it came from ("form", "upload" or "api"). The answers handed in
are those of the return's latest "created" or "updated" event, which record every change to them:
repeating them here would triple what an upload writes to the audit trail."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal

from sqlalchemy import Row, select, update

from portal.accounts.models import User
from portal.audit.operations import AuditChange, record_many
from portal.common.errors import DomainError
from portal.common.models import utcnow
from portal.extensions import db
from portal.outcomes import progress, tallies
from portal.outcomes.models import EDITABLE, OutcomeAnswer, OutcomeReturn, ReturnStatus
from portal.outcomes.rules import Answer, return_problems
from portal.outcomes.snapshots import STATE_COLUMNS, ReturnState, state_snapshot
from portal.providers.models import ServiceUser

# Where a submission came from, kept on its audit event.
Source = Literal["form", "upload", "api"]


def submit_returns(
    return_ids: Collection[int],
    *,
    by: User,
    source: Source,
    made_now: Mapping[int, Sequence[Answer]] | None = None,
) -> None:
    """Submit these returns (drafts, or returns sent back for correction) together: all of
    them, or, if any is already handed in or incomplete, none (a DomainError saying why).

    The returns are read under a lock held until the request ends: a return submitted
    twice at once (two tabs, or the form and an upload) is read by the second only once
    the first has committed, is found already submitted and is refused, so Table F counts
    it once. (SQLite's writers take turns in any case.)

    ``made_now`` holds the answers of drafts this request has just made
    (``create_drafts``), by id: no one else can see those drafts until the request
    commits, so their answers are checked as given rather than read back."""
    if not return_ids:
        return
    ids = list(return_ids)
    known = made_now or {}
    db.session.flush()  # what this request has saved is what is checked
    held = db.session.execute(
        select(OutcomeReturn.id, OutcomeReturn.provider_id, ServiceUser.case_reference)
        .add_columns(*STATE_COLUMNS)
        .join(ServiceUser, ServiceUser.id == OutcomeReturn.service_user_id)
        .where(OutcomeReturn.id.in_(ids))
        .with_for_update(of=OutcomeReturn)
    ).all()
    assert len(held) == len(set(ids)), "a return to submit does not exist"
    answers = {**_saved_answers([i for i in ids if i not in known]), **known}
    refusal = _refusal(held, answers)
    if refusal is not None:
        raise DomainError(refusal)

    now = utcnow()
    db.session.execute(
        update(OutcomeReturn)
        .where(OutcomeReturn.id.in_(ids))
        .values(status=ReturnStatus.SUBMITTED, submitted_at=now, submitted_by_id=by.id)
    )
    tallies.count_in(OutcomeReturn.id.in_(ids))  # with their answers, now they are in
    progress.returns_changed(OutcomeReturn.id.in_(ids))
    # Returns in the same state share their snapshots: a file's new drafts are all alike.
    snapshots: dict[ReturnState, tuple[dict[str, Any], dict[str, Any]]] = {}
    changes = []
    for row in held:
        state = ReturnState._make(row[3:])
        if state not in snapshots:
            submitted = state._replace(
                status=ReturnStatus.SUBMITTED, submitted_at=now, submitted_by_id=by.id
            )
            snapshots[state] = (
                state_snapshot(state),
                state_snapshot(submitted) | {"source": source},
            )
        before, after = snapshots[state]
        changes.append(
            AuditChange(entity_id=row.id, provider_id=row.provider_id, before=before, after=after)
        )
    record_many("outcome_return.submitted", OutcomeReturn.__tablename__, changes, by=by)


def _saved_answers(ids: list[int]) -> dict[int, list[Row[Any]]]:
    """The returns' saved answers, by return, as rows."""
    by_return: dict[int, list[Row[Any]]] = {return_id: [] for return_id in ids}
    if ids:
        found = db.session.execute(
            select(
                OutcomeAnswer.return_id,
                OutcomeAnswer.measure,
                OutcomeAnswer.result,
                OutcomeAnswer.evidence,
                OutcomeAnswer.not_applicable_reason,
            ).where(OutcomeAnswer.return_id.in_(ids))
        )
        for answer in found:
            by_return[answer.return_id].append(answer)
    return by_return


def _refusal(held: Sequence[Row[Any]], answers: Mapping[int, Sequence[Answer]]) -> str | None:
    """Why these returns cannot be submitted, if they cannot: the form's words for its one
    return; for several, the people whose returns stop them."""
    one = len(held) == 1
    taken = [row.case_reference for row in held if row.status not in EDITABLE]
    if taken:
        if one:
            return "This return has already been submitted"
        return (
            f"{_whose(taken)} already been submitted by someone else a moment ago: nothing "
            "has been saved. Try again"
        )
    for row in held:
        problems = return_problems(answers[row.id])
        if problems:
            whose = "" if one else f" {row.case_reference}’s return"
            return f"Before submitting{whose}: " + "; ".join(problems)
    return None


def _whose(references: list[str]) -> str:
    if len(references) == 1:
        return f"{references[0]}’s return has"
    named = (
        references if len(references) <= 4 else [*references[:3], f"{len(references) - 3} others"]
    )
    return f"The returns for {', '.join(named[:-1])} and {named[-1]} have"
