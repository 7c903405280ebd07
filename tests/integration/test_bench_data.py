"""The benchmarks' large council, at a small size: the shape is right and every page the
benchmarks time answers on it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from benchmarks import measure
from benchmarks.api import api_against_upload
from benchmarks.caseload import caseload_import
from benchmarks.scale import Scale, build
from portal.accounts.models import User
from portal.accounts.operations import create_user
from portal.common.dates import FinancialYear, today
from portal.common.roles import Role
from portal.common.statements import recorded_statements
from portal.extensions import db
from portal.outcomes.models import OutcomeAnswer, OutcomeReturn, PeriodKind, ReportingPeriod
from portal.outcomes.table_f import Filters, same_people
from portal.payments.models import Payment, PaymentBatch, PaymentStatus
from portal.providers.models import ServiceUser
from portal.recommendations.models import Recommendation, RecommendationStatus
from portal.recommendations.sustained import held_by_provider
from portal.reports import dashboard
from tests.factories import PASSWORD
from tests.report_sections import sample_sections


def test_the_large_council_has_its_shape_and_its_pages_answer(client: Any, db_session: Any) -> None:
    scale = Scale().smaller(200)
    built = build(scale)
    count = lambda statement: db.session.scalar(statement)  # noqa: E731
    assert count(select(func.count(ServiceUser.id))) == scale.people
    assert count(select(func.count(ReportingPeriod.id))) == scale.quarters
    returns = count(select(func.count(OutcomeReturn.id)))
    assert returns > scale.people * (scale.quarters - 1)
    assert count(select(func.count(OutcomeAnswer.id))) == returns * 9
    assert count(select(func.count(Recommendation.id))) == scale.recommendations
    waiting = count(
        select(func.count()).where(Recommendation.status == RecommendationStatus.SUBMITTED)
    )
    assert waiting >= 1
    assert count(select(func.count(Payment.id))) == scale.payments
    assert count(select(func.count()).where(Payment.status == PaymentStatus.APPROVED)) > 0
    assert count(select(func.count(PaymentBatch.id))) >= 1
    assert built.counts["outcome_answers"] == returns * 9
    # Every approved reduction has its checkpoints, and this year's show what councils see:
    # most that reached 91 days held, some went back up or ended, the rest still to come.
    approved = count(
        select(func.count()).where(Recommendation.status == RecommendationStatus.APPROVED)
    )
    assert built.counts["reduction_checkpoints"] == approved
    year = FinancialYear.containing(today())
    held = held_by_provider(year.first_day, year.last_day).council[91]
    assert held.held and held.went_back_up and held.not_yet_known
    assert 50 <= (held.sustained_percent or 0) < 100
    # The same people's pair tallies are filled: last quarter's people in both, by hand.
    last, before = db.session.scalars(
        select(ReportingPeriod)
        .where(ReportingPeriod.kind == PeriodKind.OUTCOMES)
        .order_by(ReportingPeriod.start_date.desc())
        .offset(1)
        .limit(2)
    ).all()
    handed_in = {
        period_id: {
            person
            for person, status in db.session.execute(
                select(OutcomeReturn.service_user_id, OutcomeReturn.status).where(
                    OutcomeReturn.period_id == period_id
                )
            )
            if status in ("submitted", "accepted")
        }
        for period_id in (last.id, before.id)
    }
    both = len(handed_in[last.id] & handed_in[before.id])
    assert built.counts["outcome_pair_tallies"] > 0
    assert both > 0 and same_people(last, Filters()).people == both

    # New rows after the bulk load get fresh ids (PostgreSQL's sequences were moved on).
    newcomer = create_user(
        email="new.officer@bench.example", name="New", password=PASSWORD, roles={Role.CARE_MANAGER}
    )
    assert (
        newcomer.id > max(built.officer_ids.values())
        and newcomer.id not in built.manager_ids.values()
    )
    users = {}
    for email in (
        "care_manager@bench.example",
        "commissioner@bench.example",
        "finance_officer@bench.example",
        "manager1@bench.example",
    ):
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        user.set_password(PASSWORD)
        users[email] = user
    db.session.commit()
    period = count(select(func.max(ReportingPeriod.id)))
    batch = count(select(func.max(PaymentBatch.id)))
    person = count(select(func.min(ServiceUser.id)).where(ServiceUser.provider_id == 1))
    # Each page the benchmarks time, with the SQL statements it may run (the signed-in
    # user is already loaded): a fixed number whatever the rows on the page (25 people, 50
    # payments...), so never one a row.
    pages = {
        "manager1@bench.example": [
            (f"/outcome-periods/{period}", 7),
            (f"/outcome-periods/{period}?page=9999", 7),
            (f"/service-users/{person}", 10),
            ("/capacity", 7),
        ],
        "care_manager@bench.example": [("/review?provider=2", 5)],
        "commissioner@bench.example": [
            (f"/outcome-periods/{period - 1}/table-f", 6),
            ("/capacity/picture", 7),
            # The summary's figures, the kept months of reductions held, their providers.
            ("/recommendations/summary", 6),
        ],
        "finance_officer@bench.example": [
            ("/payments", 4),
            ("/payments/batches", 4),
            (f"/payments/batches/{batch}", 7),
        ],
    }
    for email, paths in pages.items():
        response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, email
        for path, budget in paths:
            with recorded_statements() as statements:
                assert client.get(path).status_code == 200, path
            assert len(statements) <= budget, (path, len(statements), statements)
        client.post("/sign-out")


def test_the_upload_benchmark_saves_its_file_on_a_small_council(app: Any, db_session: Any) -> None:
    """The benchmark's upload moves people to one provider in bulk before uploading their
    returns: the upload must find every one of them owed a return."""
    build(Scale().smaller(200))
    result = measure.upload(measure.Council(app=app), rounds=1, size=20)
    assert result["rows"] == 20
    # Its timings are the benchmark's to judge: here only that it reports them.
    assert set(result) == {"rows", "median_ms", "plain_insert_ms", "ratio"}


def test_the_subject_access_benchmark_builds_a_pdf_on_a_small_council(
    app: Any, db_session: Any
) -> None:
    build(Scale().smaller(200))
    result = measure.subject_access(measure.Council(app=app), rounds=1)
    assert result["pages"] >= 1
    assert set(result) == {"service_user_id", "pages", "median_ms"}


def test_the_case_system_benchmark_imports_its_extract_on_a_small_council(
    app: Any, db_session: Any
) -> None:
    """The benchmark's extract is one the import takes whole: every person new, every line
    started, and the plain insert writes the same rows."""
    build(Scale().smaller(200))
    result = caseload_import(measure.Council(app=app), rounds=1, people=30, lines=100)
    assert (result["people"], result["lines"]) == (30, 100)
    assert set(result) == {"people", "lines", "median_ms", "plain_insert_ms", "ratio"}


def test_the_aggregates_benchmark_runs_the_summary_on_a_small_council(
    app: Any, db_session: Any
) -> None:
    """The trusted assessor summary's aggregate, whether reductions held with it, runs on
    the bench council in its fixed statements, and its SQL re-runs straight through."""
    build(Scale().smaller(200))
    result = measure.aggregates(measure.Council(app=app), rounds=1)
    # The year's recommendations and payments; the reductions held, kept and their names.
    assert result["recommendations_summary"]["statements"] == 4
    assert set(result["recommendations_summary"]) == {
        "median_ms",
        "raw_sql_ms",
        "ratio",
        "statements",
    }


def test_the_scorecard_and_ranking_benchmarks_run_on_a_small_council(
    app: Any, client: Any, db_session: Any
) -> None:
    """The scorecard's and the ranking's pages answer in a fixed number of statements
    (however many quarters, months and providers), and their aggregates run as the
    benchmark runs them."""
    build(Scale().smaller(200))
    council = measure.Council(app=app)
    pages = council.pages()
    user = db.session.scalar(select(User).where(User.email == "commissioner@bench.example"))
    assert user is not None
    user.set_password(PASSWORD)
    db.session.commit()
    response = client.post(
        "/sign-in", data={"email": "commissioner@bench.example", "password": PASSWORD}
    )
    assert response.status_code == 302
    for name, budget in (("provider_scorecard", 14), ("provider_ranking", 10)):
        _, path = pages[name]
        with recorded_statements() as statements:
            assert client.get(path).status_code == 200, path
        assert len(statements) <= budget, (path, len(statements), statements)
    result = measure.aggregates(council, rounds=1)
    for name in ("provider_scorecard", "provider_ranking"):
        assert set(result[name]) == {"median_ms", "raw_sql_ms", "ratio", "statements"}


def test_the_report_benchmark_builds_the_annual_report_and_its_constant_twin(
    app: Any, db_session: Any, monkeypatch: Any
) -> None:
    """The annual report and its constant twin (the same layout from constant sections of
    the same shape) it is timed against have the same pages (the dashboard's builders are
    stood in for by sections shaped like the committee's)."""
    build(Scale().smaller(200))
    monkeypatch.setattr(dashboard, "BUILDERS", (lambda span: sample_sections(),))
    result = measure.report(measure.Council(app=app), rounds=1)
    assert result["sections"] == len(sample_sections())
    assert result["pages"] >= 5
    assert abs(result["pages"] - result["constant_document_pages"]) <= 1
    assert set(result) == {
        "year",
        "sections",
        "pages",
        "constant_document_pages",
        "median_ms",
        "constant_document_ms",
        "ratio",
        "plain_document_pages",
        "plain_document_ms",
    }


def test_the_report_s_constant_twin_has_each_section_s_shape_and_none_of_its_words() -> None:
    for section in sample_sections():
        twin = measure.constant_like(section)
        texts = [section.title, *section.commentary, *section.notes, *section.table.columns]
        twins = [twin.title, *twin.commentary, *twin.notes, *twin.table.columns]
        assert [len(t) for t in twins] == [len(t) for t in texts]
        assert len(twin.table.rows) == len(section.table.rows)
        for row, twin_row in zip(section.table.rows, twin.table.rows, strict=True):
            assert [len(c.text) for c in twin_row] == [len(c.text) for c in row]
        if section.chart is None:
            assert twin.chart is None
        else:
            assert twin.chart is not None
            assert len(twin.chart.categories) == len(section.chart.categories)
            assert [len(s.values) for s in twin.chart.series] == [
                len(s.values) for s in section.chart.series
            ]
        # Nothing of the section's own: its words and figures are all stood in for.
        assert all(t == measure.FILLER[: len(t)] for t in twins)
        assert all(
            cell.value is None and cell.text in (measure.FILLER, measure.DIGITS)[numeric][:99]
            for row in twin.table.rows
            for cell, numeric in zip(row, twin.table.numeric or [False] * len(row), strict=True)
        )


def test_the_dashboard_benchmarks_run_on_a_small_council(app: Any, db_session: Any) -> None:
    """The contract sections against their own SQL, and the dashboard page for the latest
    whole year on the council and on the same council again (growth): the code paths run;
    their timings are the benchmark's to judge."""
    build(Scale().smaller(200))
    council = measure.Council(app=app)
    user, path = council.pages()["dashboard"]
    assert path == f"/reports/dashboard?year={measure.latest_complete_year().start_year}"
    assert council.client(user).get(path).status_code == 200
    timed = measure.pages_and_growth(council, council, rounds=1)
    assert "dashboard" in timed["growth"] and "dashboard" not in timed["pages"]
    # Last: it rolls back what it did, and the council with it.
    result = measure.aggregates(council, rounds=1)
    assert set(result["dashboard"]) == {"median_ms", "raw_sql_ms", "ratio", "statements"}
    # Every section of the year, each from a statement or two (the package sections' and
    # the equalities' from the months kept): never one a month or a row.
    assert 10 <= result["dashboard"]["statements"] <= 30, result["dashboard"]


def test_the_api_benchmark_submits_its_returns_on_a_small_council(
    app: Any, db_session: Any
) -> None:
    """The API's benchmark sends a provider's returns in one call and the same returns as
    an upload: both must be taken whole (each is refused loudly otherwise)."""
    build(Scale().smaller(200))
    result = api_against_upload(measure.Council(app=app), rounds=1, size=20, own_transaction=False)
    assert result["returns"] == 20
    assert set(result) == {"returns", "api_ms", "upload_ms", "ratio"}


def test_the_apis_list_of_returns_owed_runs_the_same_statements_whatever_its_size(
    app: Any, db_session: Any
) -> None:
    """The API's page of returns owed (timed against the floor page) runs a fixed number of
    statements, never one a row."""
    build(Scale().smaller(200))
    council = measure.Council(app=app)
    user, path = council.pages()["api_returns_owed"]
    client = council.client(user, api=True)
    with recorded_statements() as statements:
        response = client.get(path + "?per_page=200")
        assert response.status_code == 200
    assert len(response.get_json()["items"]) > 1
    # The key (with its maker and roles), the quarter, the count and the page, and the
    # call's note in the audit trail (and, the first call in a minute, the key's last use).
    assert len(statements) <= 7, statements
