"""Who owes which outcome returns for a period, and how far each provider has got.

A return is owed for every service user who had a package line with a strategic-tier
provider at any time in the quarter; the provider of the person's latest such line owes it.
That is derived from the package lines, never typed: ``OwedReturn`` holds it, kept in step
with the lines by ``portal.outcomes.owed``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    Select,
    String,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
)

from portal.extensions import db
from portal.outcomes.models import (
    OutcomeProgress,
    OutcomeReturn,
    OwedReturn,
    ReportingPeriod,
)
from portal.providers.models import Provider, ServiceUser


class TaskState(enum.StrEnum):
    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"

    @property
    def label(self) -> str:
        return {
            "not_started": "Not started",
            "draft": "In progress",
            "submitted": "Submitted",
            "returned": "Returned for correction",
            "accepted": "Accepted",
        }[self.value]

    @property
    def tag_colour(self) -> str:
        return {
            "not_started": "grey",
            "draft": "yellow",
            "submitted": "blue",
            "returned": "red",
            "accepted": "green",
        }[self.value]


def _owed_subquery(period_id: Any, provider_id: Any) -> Any:
    """(service_user_id, provider_id) for every return owed in the period, or only the
    provider's (``provider_id`` None: every provider's), from the rows
    ``portal.outcomes.owed`` keeps in step with the lines. The period and provider are values,
    or parameters bound when the statement runs."""
    statement = select(OwedReturn.service_user_id, OwedReturn.provider_id).where(
        OwedReturn.period_id == period_id
    )
    if provider_id is not None:
        statement = statement.where(OwedReturn.provider_id == provider_id)
    return statement.subquery("owed")


def _state_expression() -> Any:
    # Read the status as plain text: "not started" is no return at all, not a status.
    # The constant is written into the SQL, not bound, so PostgreSQL sees the same
    # expression in SELECT and GROUP BY.
    return func.coalesce(
        type_coerce(OutcomeReturn.status, String),
        literal_column(f"'{TaskState.NOT_STARTED.value}'", String),
    )


def owed_people_statement(period: ReportingPeriod, *columns: Any, provider_id: int) -> Select[Any]:
    """``columns`` for each of the provider's people owed a return, joined to any return
    they have for the period, in name order."""
    return _owed_people_statement(period.id, provider_id, *columns)


def _owed_people_statement(period_id: Any, provider_id: Any, *columns: Any) -> Select[Any]:
    owed = _owed_subquery(period_id, provider_id)
    return (
        select(*columns)
        .select_from(ServiceUser)
        .join(owed, owed.c.service_user_id == ServiceUser.id)
        .outerjoin(
            OutcomeReturn,
            and_(
                OutcomeReturn.service_user_id == ServiceUser.id,
                OutcomeReturn.period_id == period_id,
            ),
        )
        .where(owed.c.provider_id == provider_id)
        .order_by(ServiceUser.family_name, ServiceUser.given_name, ServiceUser.id)
    )


def task_list_values(
    period: ReportingPeriod, *, provider_id: int, search: str = "", state: TaskState | None = None
) -> dict[str, Any]:
    """The values ``task_list_statement`` binds when it runs."""
    return {
        "period": period.id,
        "provider": provider_id,
        "search": f"%{search.strip().lower()}%",
        "state": state.value if state is not None else None,
    }


@cache
def task_list_statement(*, searched: bool = False, by_state: bool = False) -> Select[Any]:
    """:provider's people owed a return for :period, in name order: what the task list
    shows of each person and their return; only those matching :search when ``searched``,
    only those in :state when ``by_state``. Built once each way, with the values bound when
    it runs (``task_list_values``)."""
    statement = _owed_people_statement(
        bindparam("period"),
        bindparam("provider"),
        ServiceUser.id.label("person_id"),
        ServiceUser.given_name,
        ServiceUser.family_name,
        ServiceUser.case_reference,
        OutcomeReturn.id.label("return_id"),
        OutcomeReturn.submitted_at,
        _state_expression().label("state"),
    )
    if searched:
        like = bindparam("search", type_=String)
        statement = statement.where(
            or_(
                func.lower(ServiceUser.given_name + " " + ServiceUser.family_name).like(like),
                func.lower(ServiceUser.case_reference).like(like),
            )
        )
    if by_state:
        statement = statement.where(_state_expression() == bindparam("state", type_=String))
    return statement


def state_counts(period: ReportingPeriod, *, provider_id: int) -> dict[TaskState, int]:
    """How many of the provider's owed returns are in each state (every state listed)."""
    rows = db.session.execute(
        _state_counts_statement(), {"period": period.id, "provider": provider_id}
    ).all()
    counts = dict.fromkeys(TaskState, 0)
    for state, count in rows:
        counts[TaskState(state)] = count
    return counts


@cache
def _state_counts_statement() -> Select[Any]:
    owed = _owed_subquery(bindparam("period"), bindparam("provider"))
    return (
        select(_state_expression(), func.count())
        .select_from(owed)
        .outerjoin(
            OutcomeReturn,
            and_(
                OutcomeReturn.service_user_id == owed.c.service_user_id,
                OutcomeReturn.period_id == bindparam("period"),
            ),
        )
        .where(owed.c.provider_id == bindparam("provider"))
        .group_by(_state_expression())
    )


def state_count(period_id: Any, provider_id: Any, state: TaskState) -> Select[Any]:
    """How many of the provider's returns owed for the period are in ``state``, counted as
    the task list filtered to that state lists them. The period and provider are values, or
    expressions evaluated where the count is used (a scalar subquery, say)."""
    owed = _owed_subquery(period_id, provider_id)
    return (
        select(func.count())
        .select_from(owed)
        .outerjoin(
            OutcomeReturn,
            and_(
                OutcomeReturn.service_user_id == owed.c.service_user_id,
                OutcomeReturn.period_id == period_id,
            ),
        )
        .where(
            owed.c.provider_id == provider_id,
            _state_expression() == literal_column(f"'{state.value}'", String),
        )
    )


@dataclass(frozen=True)
class ProviderProgress:
    provider_id: int
    provider_name: str
    owed: int
    submitted: int  # submitted or accepted
    accepted: int
    late: int  # submitted after the due date

    @property
    def missing(self) -> int:
        return self.owed - self.submitted

    @property
    def completion_percent(self) -> int:
        return 0 if self.owed == 0 else round(100 * self.submitted / self.owed)


@cache
def progress_statement() -> Select[Any]:
    """Each provider owing returns for :period, in name order, with its figures: owed, handed
    in, accepted and late, as ``portal.outcomes.progress`` keeps them. Built once, with the
    period bound when it runs."""
    return (
        select(
            Provider.id,
            Provider.name,
            OutcomeProgress.owed,
            OutcomeProgress.handed_in,
            OutcomeProgress.accepted,
            OutcomeProgress.late,
        )
        .join(OutcomeProgress, OutcomeProgress.provider_id == Provider.id)
        .where(OutcomeProgress.period_id == bindparam("period"), OutcomeProgress.owed > 0)
        .order_by(Provider.name, Provider.id)
    )


def provider_progress(period: ReportingPeriod) -> list[ProviderProgress]:
    """For commissioners: each provider's progress with the period's returns."""
    return [
        ProviderProgress(*row)
        for row in db.session.execute(progress_statement(), {"period": period.id})
    ]


def owed_people(period: ReportingPeriod, *, provider_id: int) -> dict[str, int]:
    """Case reference (upper case) -> service user id, for the provider's people owed."""
    owed = _owed_subquery(period.id, provider_id)
    rows = db.session.execute(
        select(ServiceUser.case_reference, ServiceUser.id)
        .join(owed, owed.c.service_user_id == ServiceUser.id)
        .where(owed.c.provider_id == provider_id)
    )
    return {reference.upper(): person_id for reference, person_id in rows}


def returns_by_person(period: ReportingPeriod, person_ids: list[int]) -> dict[int, OutcomeReturn]:
    """The period's existing returns for these people, in one query."""
    if not person_ids:
        return {}
    returns = db.session.scalars(
        select(OutcomeReturn).where(
            OutcomeReturn.period_id == period.id, OutcomeReturn.service_user_id.in_(person_ids)
        )
    )
    return {r.service_user_id: r for r in returns}
