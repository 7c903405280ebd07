"""Each migration upgrades a database that already holds records, as a council's will."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from sqlalchemy import DateTime, bindparam, inspect, select, text

from portal.common.dates import london_date
from portal.extensions import db
from portal.outcomes.owed import owed_rows
from portal.payments.models import Payment
from portal.payments.queries import payment_list_rows
from portal.providers.models import PackageLine, ServiceUser
from portal.recommendations import checkpoints
from portal.recommendations.models import Recommendation, ReductionCheckpoint
from tests.conftest import make_app
from tests.databases import create_database, drop_database

FIRST_REVISION_ROWS = [
    "INSERT INTO providers (id, name, supplier_reference, contract_type, quadrant, status, "
    "strategic_tier, trusted_assessor, cqc_rating, created_at, updated_at) VALUES "
    "(1, 'Brightwater', 'SUP1', 'patch', 'east', 'active', true, true, 'good', "
    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO users (id, email, name, password_hash, provider_id, active, created_at, "
    "updated_at) VALUES (1, 'a@example.test', 'A', 'x', 1, true, CURRENT_TIMESTAMP, "
    "CURRENT_TIMESTAMP)",
    "INSERT INTO service_users (id, case_reference, given_name, family_name, date_of_birth, "
    "funding, quadrant, pricing_zone, provider_id, created_at, updated_at) VALUES "
    "(1, 'AS1', 'Margaret', 'Able', '1940-05-17', 'council', 'east', 'urban', 1, "
    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO reporting_periods (id, kind, label, start_date, end_date, due_date, "
    "created_at, updated_at) VALUES (1, 'outcomes', 'Q3 2026/27', '2026-10-01', "
    "'2026-12-31', '2027-01-14', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO outcome_returns (id, period_id, service_user_id, provider_id, status, "
    "created_at, updated_at) VALUES (1, 1, 1, 1, 'submitted', CURRENT_TIMESTAMP, "
    "CURRENT_TIMESTAMP)",
    "INSERT INTO outcome_answers (id, return_id, measure, result, evidence, "
    "not_applicable_reason, evidence_sources) VALUES (1, 1, '1.1', 'met', 'Seen', '', '[]')",
    "INSERT INTO package_lines (id, service_user_id, provider_id, calls_per_day, "
    "minutes_per_call, carers_per_call, days_per_week, hourly_rate_pence, start_date, "
    "created_at, updated_at) VALUES "
    "(1, 1, 1, 4, 30, 1, 7, 2050, '2026-01-05', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
    "(2, 1, 1, 1, 60, 1, 3, 2050, '2026-01-05', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    # A second person with a line at a provider outside the strategic tier owes nothing; a
    # third moved between strategic providers during the quarter, and the second owes.
    "INSERT INTO providers (id, name, supplier_reference, contract_type, quadrant, status, "
    "strategic_tier, trusted_assessor, cqc_rating, created_at, updated_at) VALUES "
    "(2, 'Smallcare', 'SUP2', 'patch', 'east', 'active', false, false, 'good', "
    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
    "(3, 'Riverside', 'SUP3', 'patch', 'east', 'active', true, false, 'good', "
    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO service_users (id, case_reference, given_name, family_name, date_of_birth, "
    "funding, quadrant, pricing_zone, provider_id, created_at, updated_at) VALUES "
    "(2, 'AS2', 'Nora', 'Small', '1941-02-03', 'council', 'east', 'urban', 2, "
    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
    "(3, 'AS3', 'Mo', 'Moved', '1942-03-04', 'council', 'east', 'urban', 3, "
    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO package_lines (id, service_user_id, provider_id, calls_per_day, "
    "minutes_per_call, carers_per_call, days_per_week, hourly_rate_pence, start_date, "
    "end_date, created_at, updated_at) VALUES "
    "(3, 2, 2, 1, 30, 1, 7, 2050, '2026-01-05', NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
    "(4, 3, 1, 1, 30, 1, 7, 2050, '2026-01-05', '2026-11-01', CURRENT_TIMESTAMP, "
    "CURRENT_TIMESTAMP), "
    "(5, 3, 3, 1, 30, 1, 7, 2050, '2026-11-02', NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO recommendations (id, service_user_id, provider_id, kind, status, reason, "
    "evidence, person_consulted_and_agrees, family_consulted, risk_assessed, "
    "proposed_start_date, created_by_id, decision_reason, created_at, updated_at) VALUES "
    "(1, 1, 1, 'reduce', 'draft', 'Skills', 'Seen', true, false, true, '2026-12-07', 1, '', "
    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO proposed_lines (id, recommendation_id, replaces_line_id, calls_per_day, "
    "minutes_per_call, carers_per_call, days_per_week) VALUES (1, 1, 2, 1, 60, 1, 2)",
]


@pytest.fixture
def empty_database(tmp_path: Path) -> str:
    url = create_database(tmp_path, "upgrade")
    yield url
    drop_database(url)


def _first_revision_with_records() -> None:
    flask_migrate.upgrade(revision="0001")
    with db.engine.begin() as connection:
        for statement in FIRST_REVISION_ROWS:
            connection.execute(text(statement))


def test_upgrading_keeps_every_record(empty_database: str) -> None:
    app = make_app(empty_database)
    with app.app_context():
        _first_revision_with_records()
        flask_migrate.upgrade()  # to the newest revision
        with db.engine.connect() as connection:
            answers = connection.execute(
                text(
                    "SELECT r.status, r.review_reason, a.evidence FROM outcome_returns r "
                    "JOIN outcome_answers a ON a.return_id = r.id"
                )
            ).all()
            package_lines = connection.execute(
                text("SELECT id, days_of_week FROM package_lines ORDER BY id")
            ).all()
            proposed = connection.execute(
                text("SELECT days_of_week, hourly_rate_pence FROM proposed_lines")
            ).all()
            owed = connection.execute(
                text("SELECT period_id, service_user_id, provider_id FROM outcome_owed")
            ).all()
            owed_by_the_rule = connection.execute(owed_rows()).all()
        flask_migrate.downgrade(revision="0005")
        with db.engine.connect() as connection:
            days_back = sorted(
                connection.execute(
                    text(
                        "SELECT days_per_week FROM package_lines WHERE id <= 2 UNION ALL "
                        "SELECT days_per_week FROM proposed_lines"
                    )
                ).scalars()
            )
        db.engine.dispose()
    assert answers == [("submitted", "", "Seen")]
    # 7 days a week is every day; n days a week is read as Monday onwards.
    assert package_lines[:2] == [(1, 127), (2, 0b0000111)]
    # A proposed line takes the rate of the line it replaces.
    assert proposed == [(0b0000011, 2050)]
    # Who owes each return is worked out for the quarters already open, by the app's rule.
    assert sorted(owed) == [(1, 1, 1), (1, 3, 3)]
    assert sorted(owed) == sorted(owed_by_the_rule)
    # And back again, days counted from the days named.
    assert days_back == [2, 3, 7]


# Before revision 0014 a payment read its recommendation's reference and approval through
# the recommendation: an exported payment, its reversal, and one whose recommendation has a
# seven-digit id and recorded no decision (the payment list falls back to the payment's own
# date). The approval was at 23:30 UTC on 30 June, 1 July in London.
APPROVED_AT = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)
MADE_AT = dt.datetime(2026, 7, 3, 9, 0, tzinfo=dt.UTC)
PAYMENT_ROWS = [
    "INSERT INTO recommendations (id, service_user_id, provider_id, kind, status, reason, "
    "evidence, person_consulted_and_agrees, family_consulted, risk_assessed, "
    "proposed_start_date, created_by_id, decision_reason, decided_at, decided_by_id, "
    "created_at, updated_at) VALUES "
    "(2, 1, 1, 'reduce', 'approved', 'Skills', 'Seen', true, false, true, '2026-07-14', 1, '', "
    ":approved_at, 1, :made_at, :made_at), "
    "(1234567, 1, 1, 'reduce', 'approved', 'Skills', 'Seen', true, false, true, '2026-07-14', "
    "1, '', NULL, NULL, :made_at, :made_at)",
    "INSERT INTO payment_rules (id, version, weeks, effective_from, created_at, updated_at) "
    "VALUES (1, 1, 4, '2026-01-01', :made_at, :made_at)",
    "INSERT INTO payment_batches (id, reference, status, created_by_id, exported_at, "
    "created_at, updated_at) VALUES (1, 'PB000001', 'exported', 1, :made_at, :made_at, "
    ":made_at)",
    "INSERT INTO payments (id, reference, provider_id, service_user_id, recommendation_id, "
    "kind, reverses_payment_id, rule_id, weekly_minutes_removed, hourly_rate_pence, weeks, "
    "amount_pence, status, batch_id, reason, created_at, updated_at) VALUES "
    "(1, 'OOP0000002', 1, 1, 2, 'payment', NULL, 1, 210, 2050, 4, 28700, 'exported', 1, '', "
    ":made_at, :made_at), "
    "(2, 'OOP0000002-R', 1, 1, 2, 'reversal', 1, 1, 210, 2050, 4, -28700, 'approved', NULL, "
    "'Paid twice', :made_at, :made_at), "
    "(3, 'OOP1234567', 1, 1, 1234567, 'payment', NULL, 1, 210, 2050, 4, 28700, 'exported', 1, "
    "'', :made_at, :made_at)",
]


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored moment in UTC: SQLite hands it back without its zone, PostgreSQL in the
    session's."""
    if moment is None or moment.tzinfo is None:
        return moment and moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _with_moments(statement: str) -> tuple[Any, dict[str, dt.datetime]]:
    """The statement with the moments it names bound as each database stores a moment."""
    moments = {
        name: value
        for name, value in (("approved_at", APPROVED_AT), ("made_at", MADE_AT))
        if f":{name}" in statement
    }
    typed = (bindparam(name, type_=DateTime(timezone=True)) for name in moments)
    return text(statement).bindparams(*typed), moments


def test_payments_take_their_approval_from_the_recommendation(empty_database: str) -> None:
    app = make_app(empty_database)
    with app.app_context():
        _first_revision_with_records()
        flask_migrate.upgrade(revision="0013")
        with db.engine.begin() as connection:
            for statement in PAYMENT_ROWS:
                connection.execute(*_with_moments(statement))
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            kept = connection.execute(
                select(
                    Payment.id,
                    Payment.recommendation_reference,
                    Payment.first_approved_at,
                    Payment.first_approved_by_id,
                ).order_by(Payment.id)
            ).all()
        list_rows = [
            (row.payment_reference, row.recommendation_reference, row.approval_date)
            for row in payment_list_rows(1)
        ]
        db.session.remove()
        flask_migrate.downgrade(revision="0013")
        with db.engine.connect() as connection:
            columns_back = {c["name"] for c in inspect(connection).get_columns("payments")}
            payments_back = connection.execute(text("SELECT count(*) FROM payments")).scalar()
        db.engine.dispose()
    # Each payment, its reversal included, holds its recommendation's reference and approval.
    assert [(i, ref, _utc(at), by) for i, ref, at, by in kept] == [
        (1, Recommendation.reference_for(2), APPROVED_AT, 1),
        (2, Recommendation.reference_for(2), APPROVED_AT, 1),
        (3, Recommendation.reference_for(1234567), None, None),
    ]
    assert Recommendation.reference_for(1234567) == "TA1234567"
    # The payment list reads them as it read the recommendation: the London date of the
    # approval, or with none recorded the payment's own.
    assert list_rows == [
        ("OOP0000002", "TA000002", dt.date(2026, 7, 1)),
        ("OOP1234567", "TA1234567", dt.date(2026, 7, 3)),
    ]
    # Going back drops the three columns and keeps every payment.
    assert not columns_back & {
        "recommendation_reference",
        "first_approved_at",
        "first_approved_by_id",
    }
    assert payments_back == 3


# Before revision 0027 the summary worked out each decision's London days from its two
# moments: one sent at 23:30 UTC in summer (already the next day in London) and decided
# three days later at 08:00, one still waiting, and one decided with no sending recorded.
SENT_AT = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC)
DECIDED_AT = dt.datetime(2026, 7, 5, 8, 0, tzinfo=dt.UTC)
DECISION_ROWS = (
    "INSERT INTO recommendations (id, service_user_id, provider_id, kind, status, reason, "
    "evidence, person_consulted_and_agrees, family_consulted, risk_assessed, "
    "proposed_start_date, created_by_id, decision_reason, submitted_at, decided_at, "
    "created_at, updated_at) VALUES "
    "(2, 1, 1, 'reduce', 'rejected', 'Skills', 'Seen', true, false, true, '2026-07-14', 1, "
    "'No', :sent_at, :decided_at, :sent_at, :sent_at), "
    "(3, 1, 1, 'reduce', 'submitted', 'Skills', 'Seen', true, false, true, '2026-07-14', 1, "
    "'', :sent_at, NULL, :sent_at, :sent_at), "
    "(4, 1, 1, 'reduce', 'rejected', 'Skills', 'Seen', true, false, true, '2026-07-14', 1, "
    "'No', NULL, :decided_at, :sent_at, :sent_at)"
)


def test_decisions_already_made_keep_their_london_days(empty_database: str) -> None:
    app = make_app(empty_database)
    with app.app_context():
        _first_revision_with_records()
        flask_migrate.upgrade(revision="0026")
        moments = {"sent_at": SENT_AT, "decided_at": DECIDED_AT}
        typed = (bindparam(name, type_=DateTime(timezone=True)) for name in moments)
        with db.engine.begin() as connection:
            connection.execute(text(DECISION_ROWS).bindparams(*typed), moments)
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            kept = connection.execute(
                select(Recommendation.id, Recommendation.decision_days).order_by(Recommendation.id)
            ).all()
        flask_migrate.downgrade(revision="0026")
        with db.engine.connect() as connection:
            columns_back = {c["name"] for c in inspect(connection).get_columns("recommendations")}
            count_back = connection.execute(text("SELECT count(*) FROM recommendations")).scalar()
        db.engine.dispose()
    # Sent on 2 July in London, decided on 5 July: 3 days. No decision, or no sending, none.
    assert kept == [(1, None), (2, 3), (3, None), (4, None)]
    assert "decision_days" not in columns_back
    assert count_back == 4


def _checkpoint_rows(connection: Any) -> list[tuple[Any, ...]]:
    table = ReductionCheckpoint.__table__
    return [tuple(row) for row in connection.execute(select(table).order_by(table.c[0]))]


def test_reductions_already_approved_get_their_checkpoints(empty_database: str) -> None:
    """Revision 0032 works out the checkpoints of the reductions approved before it, as the
    portal's own refresh would: one held at both, one whose package ended before 91 days
    (its year still to come), one still to start; none for a rejection or an increase."""
    on = london_date(dt.datetime.now(dt.UTC))
    day = lambda days: on + dt.timedelta(days=days)  # noqa: E731
    app = make_app(empty_database)
    with app.app_context():
        _first_revision_with_records()
        flask_migrate.upgrade(revision="0031")
        with db.engine.begin() as connection:
            connection.execute(
                ServiceUser.__table__.insert(),
                [
                    {
                        "id": person,
                        "case_reference": f"AS{person}",
                        "given_name": "Held",
                        "family_name": f"No{person}",
                        "date_of_birth": dt.date(1940, 1, 1),
                        "funding": "council",
                        "quadrant": "east",
                        "pricing_zone": "urban",
                        "provider_id": 1,
                    }
                    for person in (4, 5)
                ],
            )
            lines = [  # (id, person, calls, start, end): 30 minutes, every day
                (10, 4, 4, day(-600), day(-451)),
                (11, 4, 3, day(-450), None),
                (12, 5, 4, day(-600), day(-301)),
                (13, 5, 3, day(-300), day(-250)),
            ]
            connection.execute(
                PackageLine.__table__.insert(),
                [
                    {
                        "id": line,
                        "service_user_id": person,
                        "provider_id": 1,
                        "calls_per_day": calls,
                        "minutes_per_call": 30,
                        "hourly_rate_pence": 2050,
                        "start_date": start,
                        "end_date": end,
                    }
                    for line, person, calls, start, end in lines
                ],
            )
            decided = [  # (id, person, kind, status, agreed start)
                (10, 4, "reduce", "approved", day(-450)),
                (11, 5, "reduce", "approved", day(-300)),
                (12, 4, "reduce", "approved", day(10)),
                (13, 5, "reduce", "rejected", None),
                (14, 4, "increase", "approved", day(-100)),
            ]
            connection.execute(
                Recommendation.__table__.insert(),
                [
                    {
                        "id": rid,
                        "service_user_id": person,
                        "provider_id": 1,
                        "kind": kind,
                        "status": status,
                        "reason": "Skills",
                        "evidence": "Seen",
                        "person_consulted_and_agrees": True,
                        "risk_assessed": True,
                        "proposed_start_date": day(-500),
                        "created_by_id": 1,
                        "agreed_start_date": agreed,
                    }
                    for rid, person, kind, status, agreed in decided
                ],
            )
        flask_migrate.upgrade()
        with db.engine.begin() as connection:
            migrated = _checkpoint_rows(connection)
            connection.execute(ReductionCheckpoint.__table__.delete())
            checkpoints.refresh_all(connection, on=on)
            refreshed = _checkpoint_rows(connection)
        db.engine.dispose()
    assert migrated == refreshed
    held, ended, to_come = (
        (r[0], r[4], r[6], r[7], r[9], r[10]) for r in migrated
    )  # id, agreed, minutes and verdict at 91 days, at 365
    assert held == (10, 630, 630, "held", 630, "held")
    assert ended == (11, 630, 0, "ended", None, "not_yet_known")
    assert to_come == (12, 630, None, "not_yet_known", None, "not_yet_known")
