"""Outcome returns through the API: the quarters, the people a provider owes returns for
and the state of each, and one person's return to read, fill in as a draft and submit (or
resubmit, once the council has returned it for correction).

Every change goes through ``portal.outcomes.operations``, as the form's and the upload's
do, so a return is held to the same rules however it arrives. A return is addressed by its
quarter and its person, whom the key's provider must owe it for: anyone else's is a 404.

A change to a return that exists must say which version it changes (``If-Match`` with the
ETag last read), so two systems, or a system and a person on the form, never overwrite one
another unseen: a stale version is refused with 412."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from flask_smorest import Blueprint
from marshmallow import RAISE
from sqlalchemy import func, select

from portal.api.idempotency import idempotent
from portal.api.v1 import schemas
from portal.api.v1.auth import current_key, current_key_id, key_required
from portal.api.v1.documented import refused
from portal.api.v1.lists import page_of
from portal.api.v1.versions import answered, precondition
from portal.common.errors import DomainError
from portal.common.models import lock
from portal.common.problems import problem
from portal.extensions import db
from portal.outcomes import operations
from portal.outcomes.measures import MEASURES, MEASURES_BY_CODE, MeasureResult
from portal.outcomes.models import (
    EDITABLE,
    OutcomeReturn,
    OwedReturn,
    PeriodKind,
    ReportingPeriod,
)
from portal.outcomes.operations import same_answers
from portal.outcomes.queries import find_return
from portal.outcomes.rules import AnswerData, problems_by_measure
from portal.outcomes.tasks import (
    TaskState,
    owed_people,
    returns_by_person,
    task_list_statement,
    task_list_values,
)
from portal.providers.models import ServiceUser
from portal.providers.queries import people_by_id

blp = Blueprint(
    "outcome_returns",
    __name__,
    url_prefix="/api/v1",
    description="Appendix A returns, a quarter at a time",
)

IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "schema": {"type": "string"},
    "description": "The ETag of the version you are changing (needed once the return exists)",
}
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Any unique value, such as a UUID: the same call sent again with it is "
    "answered as the first was and changes nothing",
}
_PROBLEM_FIELD = {"result": "result", "evidence": "evidence", "na_reason": "not_applicable_reason"}


def _quarter(period_id: int) -> ReportingPeriod | None:
    period = db.session.get(ReportingPeriod, period_id)
    return period if period is not None and period.kind == PeriodKind.OUTCOMES else None


def quarter_out(period: ReportingPeriod) -> dict[str, Any]:
    return {
        "id": period.id,
        "label": period.label,
        "start_date": period.start_date,
        "end_date": period.end_date,
        "due_date": period.due_date,
    }


@blp.route("/quarters")
@key_required
@blp.arguments(schemas.PageQuery, location="query", unknown=RAISE, as_kwargs=True)
@blp.response(200, schemas.QuarterList)
@refused(blp)
def quarters(page: int, per_page: int) -> dict[str, Any]:
    """The quarters open for outcome returns, the latest first."""
    statement = (
        select(ReportingPeriod)
        .where(ReportingPeriod.kind == PeriodKind.OUTCOMES)
        .order_by(ReportingPeriod.start_date.desc(), ReportingPeriod.id.desc())
    )
    found = page_of(statement, per_page=per_page, scalars=True)
    return found.body([quarter_out(period) for period in found.page.items])


@blp.route("/quarters/<int:period_id>/returns")
@key_required
@blp.arguments(schemas.OwedReturnQuery, location="query", unknown=RAISE, as_kwargs=True)
@blp.response(200, schemas.OwedReturnList)
@refused(blp, 404)
def owed_returns(
    period_id: int,
    page: int,
    per_page: int,
    status: str | None = None,
    case_reference: str | None = None,
) -> dict[str, Any] | Response:
    """The people your agency owes a return for in the quarter, in name order, with the
    state of each return."""
    period = _quarter(period_id)
    if period is None:
        return _no_quarter()
    provider_id = current_key().provider_id
    state = TaskState(status) if status else None
    statement = task_list_statement(by_state=state is not None)
    if case_reference:
        statement = statement.where(
            func.upper(ServiceUser.case_reference) == case_reference.strip().upper()
        )
    found = page_of(
        statement,
        per_page=per_page,
        params=task_list_values(period, provider_id=provider_id, state=state),
    )
    items = [
        {
            "person": {
                "id": row.person_id,
                "case_reference": row.case_reference,
                "name": f"{row.given_name} {row.family_name}",
            },
            "status": row.state,
            "submitted_at": row.submitted_at,
            "url": _return_url(period.id, row.person_id),
        }
        for row in found.page.items
    ]
    return {"quarter": quarter_out(period), **found.body(items)}


def _return_url(period_id: int, person_id: int) -> str:
    return url_for("outcome_returns.outcome_return", period_id=period_id, service_user_id=person_id)


def _owed_person(period: ReportingPeriod, service_user_id: int) -> ServiceUser | None:
    """The person, if the key's provider owes their return for the quarter."""
    return db.session.scalar(
        select(ServiceUser)
        .join(OwedReturn, OwedReturn.service_user_id == ServiceUser.id)
        .where(
            OwedReturn.period_id == period.id,
            OwedReturn.service_user_id == service_user_id,
            OwedReturn.provider_id == current_key().provider_id,
        )
    )


def _found(period_id: int, service_user_id: int) -> tuple[ReportingPeriod, ServiceUser] | Response:
    period = _quarter(period_id)
    if period is None:
        return _no_quarter()
    person = _owed_person(period, service_user_id)
    if person is None:
        return problem(
            404,
            "Your agency owes no return for this person in this quarter: the list of returns "
            "owed gives each person’s id",
        )
    return period, person


def _no_quarter() -> Response:
    return problem(404, "There is no such quarter: the list of quarters gives their ids")


def return_out(
    period: ReportingPeriod, person: ServiceUser, outcome_return: OutcomeReturn | None
) -> dict[str, Any]:
    """The return as the API shows it (``not_started`` until it exists)."""
    answers = {a.measure: a for a in (outcome_return.answers if outcome_return else [])}
    status = outcome_return.status.value if outcome_return else TaskState.NOT_STARTED.value
    returned = outcome_return is not None and outcome_return.status.value == "returned"
    problems = [
        {
            "pointer": f"/answers/{found.measure}/{_PROBLEM_FIELD[found.part]}",
            "detail": found.message,
        }
        for found in problems_by_measure(answers.values())
    ]
    url = _return_url(period.id, person.id)
    return {
        "quarter": quarter_out(period),
        "person": {
            "id": person.id,
            "case_reference": person.case_reference,
            "name": person.full_name,
        },
        "status": status,
        "submitted_at": outcome_return.submitted_at if outcome_return else None,
        "late": bool(outcome_return and outcome_return.is_late),
        "correction": {
            "requested_at": outcome_return.reviewed_at,
            "reason": outcome_return.review_reason,
        }
        if returned and outcome_return is not None
        else None,
        "answers": {
            MEASURES_BY_CODE[code].field_name: {
                "result": answer.result.value,
                "evidence": answer.evidence,
                "not_applicable_reason": answer.not_applicable_reason,
                "evidence_sources": sorted(answer.evidence_sources),
            }
            for code, answer in answers.items()
        },
        "problems": problems,
        "links": {"self_": url, "submit": url + "/submit"},
    }


RETURN = schemas.OutcomeReturnOut()


def _answered(body: dict[str, Any], status: int = 200) -> Response:
    return answered(RETURN, body, status)


def _precondition(current: dict[str, Any], *, needed: bool) -> Response | None:
    return precondition(RETURN, current, needed=needed, what="this return")


@blp.route("/quarters/<int:period_id>/returns/<int:service_user_id>")
@key_required
@blp.response(200, schemas.OutcomeReturnOut, headers={"ETag": {"schema": {"type": "string"}}})
@refused(blp, 404)
def outcome_return(period_id: int, service_user_id: int) -> Response:
    """One person's return for the quarter: its state, its answers, any correction the
    council asked for, and what stops it being submitted."""
    found = _found(period_id, service_user_id)
    if isinstance(found, Response):
        return found
    period, person = found
    return _answered(return_out(period, person, find_return(period.id, person.id)))


@blp.route("/quarters/<int:period_id>/returns/<int:service_user_id>", methods=["PATCH"])
@key_required
@idempotent(current_key_id)
@blp.doc(parameters=[IF_MATCH, IDEMPOTENCY_KEY])
@blp.arguments(schemas.AnswersChange, as_kwargs=True)
@blp.response(200, schemas.OutcomeReturnOut, description="The draft, saved")
@blp.alt_response(201, schema=schemas.OutcomeReturnOut, description="The draft, started")
@refused(blp, 400, 404, 409, 412, 413, 428)
def save_draft(period_id: int, service_user_id: int, answers: dict[str, Any]) -> Response:
    """Save answers to the return as a draft, starting it if need be. The measures given
    replace what the return held for them; the others keep theirs. A draft may be
    incomplete. Once the return exists, send If-Match with its ETag."""
    found = _found(period_id, service_user_id)
    if isinstance(found, Response):
        return found
    period, person = found
    existing = find_return(period.id, person.id)
    if existing is not None:
        lock(existing)  # read and changed by one writer at a time
    refused = _precondition(return_out(period, person, existing), needed=existing is not None)
    if refused is not None:
        return refused
    given = _answers_given(answers)
    try:
        saved = operations.save_answers(
            period=period,
            service_user=person,
            answers=given,
            by=current_key().created_by,
            complete=False,
        )
    except DomainError as error:
        return problem(409, error.message)
    db.session.refresh(saved)
    return _answered(return_out(period, person, saved), 201 if existing is None else 200)


@blp.route("/quarters/<int:period_id>/returns/<int:service_user_id>/submit", methods=["POST"])
@key_required
@idempotent(current_key_id)
@blp.doc(parameters=[{**IF_MATCH, "required": True}, IDEMPOTENCY_KEY])
@blp.response(200, schemas.OutcomeReturnOut, description="The return, submitted")
@refused(blp, 400, 404, 409, 412, 422, 428)
def submit(period_id: int, service_user_id: int) -> Response:
    """Submit the return, as it stands, to the council; or resubmit it once the council
    has returned it for correction. Send If-Match with the ETag of the version you mean."""
    found = _found(period_id, service_user_id)
    if isinstance(found, Response):
        return found
    period, person = found
    existing = find_return(period.id, person.id)
    if existing is not None:
        lock(existing)
    current = return_out(period, person, existing)
    refused = _precondition(current, needed=True)
    if refused is not None:
        return refused
    if existing is None:
        return problem(409, "The return has no answers yet: save them first")
    if existing.status.value in ("draft", "returned") and current["problems"]:
        return problem(
            409,
            "The return cannot be submitted yet: put right each problem listed in errors",
            errors=current["problems"],
        )
    try:
        operations.submit_return(existing, by=current_key().created_by, source="api")
    except DomainError as error:
        return problem(409, error.message)
    db.session.refresh(existing)
    return _answered(return_out(period, person, existing))


def _status_after(before: OutcomeReturn | None) -> str:
    """A return's state once submitted with the others: submitted, unless it was handed in
    already (and so left as it was: submitted, or accepted)."""
    if before is not None and before.status not in EDITABLE:
        return before.status.value
    return "submitted"


def _answers_given(answers: dict[str, Any]) -> list[AnswerData]:
    """The measures' answers as the schema loaded them, in Appendix A order."""
    return [
        AnswerData(
            measure=measure.code,
            result=MeasureResult(answer["result"]),
            evidence=answer["evidence"],
            not_applicable_reason=answer["not_applicable_reason"],
            evidence_sources=tuple(answer["evidence_sources"]),
        )
        for measure in MEASURES
        if (answer := answers.get(measure.field_name)) is not None
    ]


@blp.route("/quarters/<int:period_id>/submissions", methods=["POST"])
@key_required
@idempotent(current_key_id)
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(schemas.Submissions, as_kwargs=True)
@blp.response(200, schemas.SubmissionsDone, description="Every return, submitted")
@refused(blp, 400, 404, 413)
def submit_many(period_id: int, returns: list[dict[str, Any]]) -> Response | dict[str, Any]:
    """Submit many people's returns for the quarter in one call, each with every measure's
    answers: what the portal's bulk upload does with a spreadsheet. All are submitted, or,
    if any has a problem, none (each problem is listed in errors, by pointer). A return
    already submitted with exactly the same answers is left as it is, so sending the same
    returns twice changes nothing; one submitted with other answers must be returned for
    correction first. Up to 500 returns a call."""
    period = _quarter(period_id)
    if period is None:
        return _no_quarter()
    provider_id = current_key().provider_id
    owed = set(owed_people(period, provider_id=provider_id).values())
    problems: list[dict[str, str]] = []
    seen: dict[int, int] = {}
    given: list[tuple[int, list[AnswerData]]] = []
    for index, item in enumerate(returns):
        person_id = item["person_id"]
        where = f"/returns/{index}"
        if person_id not in owed:
            problems.append(
                {
                    "pointer": f"{where}/person_id",
                    "detail": "Your agency owes no return for this person in this quarter",
                }
            )
            continue
        if person_id in seen:
            problems.append(
                {
                    "pointer": f"{where}/person_id",
                    "detail": f"This person’s return is also at /returns/{seen[person_id]}: "
                    "send each person’s once",
                }
            )
            continue
        seen[person_id] = index
        answers = _answers_given(item["answers"])
        problems += [
            {
                "pointer": f"{where}/answers/{found.measure}/{_PROBLEM_FIELD[found.part]}",
                "detail": found.message,
            }
            for found in problems_by_measure(answers)
        ]
        given.append((person_id, answers))
    existing = returns_by_person(period, [person_id for person_id, _ in given])
    for person_id, answers in given:
        current = existing.get(person_id)
        if (
            current is not None
            and current.status not in EDITABLE
            and not same_answers(current, answers)
        ):
            problems.append(
                {
                    "pointer": f"/returns/{seen[person_id]}",
                    "detail": "This return has already been submitted with other answers: ask "
                    "the council to return it for correction before changing it",
                }
            )
    if problems:
        return problem(
            422,
            "No return was submitted: put right each problem listed in errors",
            errors=problems,
        )
    people = people_by_id([person_id for person_id, _ in given])
    try:
        done = operations.import_returns(
            period=period,
            rows=[(people[person_id], answers) for person_id, answers in given],
            existing=existing,
            by=current_key().created_by,
            source="api",
        )
    except DomainError as error:
        return problem(409, error.message)
    return {
        "submitted": done.submitted,
        "unchanged": done.unchanged,
        "returns": [
            {
                "person_id": person_id,
                "status": _status_after(existing.get(person_id)),
                "url": _return_url(period.id, person_id),
            }
            for person_id, _ in given
        ],
    }
