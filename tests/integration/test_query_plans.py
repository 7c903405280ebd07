"""The heaviest queries the busy pages run are answered through indexes, on both databases:
none reads a whole large table. PostgreSQL is asked with sequential scans switched off, so
a plan still scanning a table means no index can serve the filter or the sort; SQLite's
plan says SCAN for a whole table and SEARCH for an index lookup."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Select, insert, select, text

from portal.administration.trail.queries import (
    _EACH_ACTION,
    _EACH_TYPE,
    EventFilters,
    events_statement,
)
from portal.casework.provider_needs import provider_counts
from portal.common.dates import quarter_bounds, today
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes.models import OutcomeReturn, ReportingPeriod, ReturnStatus
from portal.outcomes.queries import service_user_returns_statement
from portal.outcomes.story import _answers_statement
from portal.outcomes.table_f import _counts_statement
from portal.outcomes.tasks import progress_statement, task_list_statement
from portal.payments.models import Payment
from portal.payments.queries import (
    batch_payments_statement,
    newest_provider_batches_statement,
    provider_batches_statement,
    provider_payments_statement,
    ready_payments_statement,
)
from portal.recommendations.models import (
    ChangeKind,
    ReasonCategory,
    Recommendation,
    RecommendationStatus,
)
from portal.recommendations.queries import (
    DecidedFilters,
    QueueFilters,
    decided_statement,
    provider_recommendations_statement,
    queue_statement,
    service_user_recommendation_rows,
)
from portal.recommendations.sustained import held_statement
from portal.reports import scorecards
from tests.factories import ServiceUserFactory
from tests.fixtures import World

# The tables that grow with the council and its history.
LARGE = (
    "audit_events",
    "capacity_by_quadrant",
    "capacity_returns",
    "outcome_answers",
    "outcome_returns",
    "outcome_owed",
    "outcome_progress",
    "outcome_tallies",
    "package_lines",
    "payments",
    "proposed_lines",
    "recommendations",
    "reduction_checkpoints",
    "service_users",
)


def _period() -> ReportingPeriod:
    start, end = quarter_bounds(today())
    return ReportingPeriod(id=1, start_date=start, end_date=end, due_date=end, label="Q")


STATEMENTS: dict[str, Callable[[World], Select[Any]]] = {
    "provider task list": lambda w: task_list_statement().params(
        period=_period().id, provider=w.provider.id
    ),
    "returns progress by provider": lambda w: progress_statement().params(period=_period().id),
    "review queue for a provider": lambda w: queue_statement(
        QueueFilters(provider_id=w.provider.id)
    ).params(**QueueFilters(provider_id=w.provider.id).values()),
    "a care manager's decisions of a week": lambda w: decided_statement(
        DecidedFilters(decided_from=today() - dt.timedelta(days=7))
    ).params(**DecidedFilters(decided_from=today() - dt.timedelta(days=7)).values(1)),
    "a provider's recommendations": lambda w: provider_recommendations_statement().params(
        provider=w.provider.id
    ),
    "a person's outcome returns": lambda w: service_user_returns_statement(by_provider=True).params(
        person=w.person.id, provider=w.provider.id
    ),
    "a person's recommendations as listed": lambda w: service_user_recommendation_rows(
        by_provider=True
    ).params(person=w.person.id, provider=w.provider.id),
    "a person's other recommendations, for a review": lambda w: service_user_recommendation_rows(
        by_provider=False, but_one=True
    ).params(person=w.person.id, recommendation=1),
    "payments ready to pay": lambda w: ready_payments_statement(by_provider=True).params(
        provider=w.provider.id
    ),
    "a batch's payments": lambda w: batch_payments_statement().params(batch=1),
    "a provider's payments": lambda w: provider_payments_statement().params(provider=w.provider.id),
    "a provider's remittances": lambda w: provider_batches_statement().params(
        provider=w.provider.id
    ),
    "a provider's latest remittances": lambda w: newest_provider_batches_statement().params(
        provider=w.provider.id
    ),
    "whether a year's reductions held": lambda w: held_statement().params(
        first=dt.date(2025, 4, 1), last=dt.date(2026, 3, 31)
    ),
    "audit events of one action": lambda w: events_statement(EventFilters(action="x.y")),
    "audit events by one person": lambda w: events_statement(EventFilters(actor="ada")),
    "audit events of one record": lambda w: events_statement(
        EventFilters(record_type="service_users", record_id=w.person.id)
    ),
    "audit events of a week": lambda w: events_statement(
        EventFilters(date_from=today() - dt.timedelta(days=7), date_to=today())
    ),
}


def _plan(statement: Select[Any]) -> str:
    connection = db.session.connection()
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        return "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql))
    return "\n".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))


def _whole_table_reads(plan: str) -> list[str]:
    reads = []
    for line in plan.splitlines():
        words = line.replace("->", " ").split()
        for table in LARGE:
            if f"Seq Scan on {table}" in line or (
                "SCAN" in words and table in words and "SEARCH" not in words
            ):
                reads.append(line.strip())
    return reads


@pytest.mark.parametrize("name", list(STATEMENTS))
def test_the_query_reads_through_indexes(world: World, name: str) -> None:
    plan = _plan(STATEMENTS[name](world))
    assert _whole_table_reads(plan) == [], plan


def test_table_f_reads_its_tallies_through_an_index(world: World) -> None:
    statement = _counts_statement(True, True, True).params(
        periods=[1, 2],
        paired_period=2,
        provider_id=world.provider.id,
        contract_type="patch",
        quadrant="east",
    )
    plan = _plan(statement)
    assert _whole_table_reads(plan) == [], plan


# A person's records as one provider sees them, on the person's page: (statement, the index
# on the person and the provider that finds them, the provider's own index they must not read).
PERSON_AND_PROVIDER: dict[str, tuple[Callable[[World], Select[Any]], str, str]] = {
    "a person's outcome returns": (
        lambda w: service_user_returns_statement(by_provider=True).params(
            person=w.person.id, provider=w.provider.id
        ),
        "ix_outcome_returns_service_user_provider",
        "ix_outcome_returns_provider_period_status",
    ),
    "a person's outcome story": (
        lambda w: _answers_statement(True).params(person=w.person.id, provider=w.provider.id),
        "ix_outcome_returns_service_user_provider",
        "ix_outcome_returns_provider_period_status",
    ),
    "a person's recommendations as listed": (
        lambda w: service_user_recommendation_rows(by_provider=True).params(
            person=w.person.id, provider=w.provider.id
        ),
        "ix_recommendations_service_user_provider_created",
        "ix_recommendations_provider_status",
    ),
}


def _a_provider_with_a_history(world: World) -> None:
    """The provider's returns for 300 other people, and statistics that say so: on empty
    tables either index costs the planner the same, and which it takes is chance."""
    others = ServiceUserFactory.create_batch(300, provider=world.provider)
    db.session.execute(
        insert(OutcomeReturn),
        [
            {
                "period_id": world.period.id,
                "service_user_id": other.id,
                "provider_id": world.provider.id,
                "status": ReturnStatus.DRAFT,
                "review_reason": "",
            }
            for other in others
        ],
    )
    db.session.flush()
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE outcome_returns"))
        db.session.execute(text("ANALYZE recommendations"))


@pytest.mark.parametrize("name", list(PERSON_AND_PROVIDER))
def test_a_persons_records_are_found_by_person_and_provider_together(
    world: World, name: str
) -> None:
    """Through the index on both, never through the provider's index: that holds every
    row the provider has had, so reading it (on its own, or ANDed with the person's index
    on PostgreSQL) costs more the longer the history."""
    statement, index, providers_index = PERSON_AND_PROVIDER[name]
    _a_provider_with_a_history(world)
    plan = _plan(statement(world))
    assert index in plan, plan
    assert providers_index not in plan, plan


@pytest.mark.parametrize("statement", [_EACH_ACTION, _EACH_TYPE])
def test_the_audit_viewers_choices_are_found_through_indexes(world: World, statement: Any) -> None:
    """Its action and record type lists seek each value in an index, never reading the
    trail through."""
    plan = _plan(statement)
    assert _whole_table_reads(plan) == [], plan
    assert "ix_audit_events_" in plan, plan


def test_a_filter_no_index_serves_is_caught(world: World) -> None:
    """The check can fail: a payment's free-text reason has no index."""
    plan = _plan(select(Payment).where(Payment.reason == "duplicate"))
    assert _whole_table_reads(plan) != [], plan


def _a_provider_with_decided_recommendations(world: World) -> None:
    """300 recommendations the provider made and the council approved over three years, and
    statistics that say so."""
    manager = world.users[Role.PROVIDER_MANAGER]
    made = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    db.session.execute(
        insert(Recommendation),
        [
            {
                "service_user_id": world.person.id,
                "provider_id": world.provider.id,
                "kind": ChangeKind.REDUCE,
                "status": RecommendationStatus.APPROVED,
                "reason_category": ReasonCategory.REABLEMENT,
                "reason": "",
                "evidence": "",
                "person_consulted_and_agrees": True,
                "family_consulted": False,
                "risk_assessed": True,
                "proposed_start_date": dt.date(2024, 1, 1),
                "created_by_id": manager.id,
                "created_at": made + dt.timedelta(days=3 * number),
                "updated_at": made + dt.timedelta(days=3 * number),
                "decided_at": made + dt.timedelta(days=3 * number + 5),
                "decision_reason": "",
            }
            for number in range(300)
        ],
    )
    db.session.flush()
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE recommendations"))
    else:
        db.session.execute(text("ANALYZE"))


@pytest.mark.parametrize(
    ("count", "indexes"),
    [
        # Drafts are few whatever the history: PostgreSQL, knowing there are none, may
        # seek them by status alone, through either index that leads with it (the two cost
        # it the same, and it has taken each), which costs the same however long the
        # history.
        (
            "unsent_since",
            (
                "ix_recommendations_provider_status",
                "ix_recommendations_status_submitted",
                "ix_recommendations_status_kind_decided",
            ),
        ),
        ("decided", ("ix_recommendations_provider_decided",)),
    ],
)
def test_a_providers_home_reads_its_recent_recommendations_through_their_indexes(
    world: World, count: str, indexes: tuple[str, ...]
) -> None:
    """When the oldest unsent draft was saved, and how many were decided in the last 30 days:
    each through the index made for it, never the provider's newest-first index, which
    holds every recommendation the provider ever made and would be read through."""
    _a_provider_with_decided_recommendations(world)
    statement = provider_counts()[count].params(
        provider=world.provider.id, since=dt.datetime(2026, 11, 5, tzinfo=dt.UTC)
    )
    plan = _plan(statement)
    assert any(index in plan for index in indexes), plan
    assert "ix_recommendations_provider_created" not in plan, plan
    assert _whole_table_reads(plan) == [], plan


def test_a_scorecard_reads_the_year_s_recommendations_through_their_index(world: World) -> None:
    """The recommendations a provider sent in a year, through the covering index made for
    it, never every recommendation the provider ever made (the scorecard grew with the
    years held)."""
    _a_provider_with_decided_recommendations(world)
    statement = scorecards._sent_statement().params(
        provider_id=world.provider.id,
        start=dt.datetime(2025, 4, 1, tzinfo=dt.UTC),
        end=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
    )
    plan = _plan(statement)
    assert "ix_recommendations_provider_submitted" in plan, plan
    assert _whole_table_reads(plan) == [], plan
