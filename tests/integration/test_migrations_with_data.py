"""Each migration upgrades a database that already holds records, as a council's will."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import text

from portal.extensions import db
from portal.outcomes.owed import owed_rows
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


def test_upgrading_keeps_every_record(empty_database: str) -> None:
    app = make_app(empty_database)
    with app.app_context():
        flask_migrate.upgrade(revision="0001")
        with db.engine.begin() as connection:
            for statement in FIRST_REVISION_ROWS:
                connection.execute(text(statement))
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
