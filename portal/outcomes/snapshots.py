"""What the audit trail keeps of a return before and after each change: one shape for
every event, whether the return was read as a model (the form's operations) or as plain
rows (a file's thousands of returns), so the trail reads the same however it was changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from portal.outcomes.models import OutcomeAnswer, OutcomeReturn, ReturnStatus
from portal.outcomes.rules import KeptAnswer


class ReturnState(NamedTuple):
    """A return's own fields that its audit events keep, read without the ORM."""

    status: ReturnStatus
    submitted_at: dt.datetime | None
    submitted_by_id: int | None
    reviewed_at: dt.datetime | None
    reviewed_by_id: int | None
    review_reason: str


# A return as it is first made, before anyone has submitted or reviewed it.
NEW_DRAFT = ReturnState(ReturnStatus.DRAFT, None, None, None, None, "")
# The columns to select to read a ReturnState.
STATE_COLUMNS = tuple(getattr(OutcomeReturn, name) for name in ReturnState._fields)


def return_snapshot(
    state: ReturnState | OutcomeReturn, answers: Mapping[str, KeptAnswer]
) -> dict[str, Any]:
    """The return's fields and its answers by measure, as JSON."""
    return state_snapshot(state) | {"answers": answers}


def state_snapshot(state: ReturnState | OutcomeReturn) -> dict[str, Any]:
    """The return's own fields, as JSON."""
    return {
        "status": ReturnStatus(state.status).value,
        "submitted_at": _iso(state.submitted_at),
        "submitted_by_id": state.submitted_by_id,
        "reviewed_at": _iso(state.reviewed_at),
        "reviewed_by_id": state.reviewed_by_id,
        "review_reason": state.review_reason,
    }


def saved_answers(answers: Iterable[OutcomeAnswer]) -> dict[str, KeptAnswer]:
    """A return's saved answers, by measure, in the shape they are kept in."""
    return {
        answer.measure: {
            "result": answer.result.value,
            "evidence": answer.evidence,
            "not_applicable_reason": answer.not_applicable_reason,
            "evidence_sources": tuple(sorted(answer.evidence_sources)),
        }
        for answer in answers
    }


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
