"""The annual re-ranking: each provider's score and its parts equal a calculation made here
from the demo year's rows and the council's weights; the weights are the council's to set,
bounded, at least one above 0, and audited; prime or supplementary status is proposed by the
stated rule and the register is left alone; the CSV runs no formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.capacity.models import CapacityReturn
from portal.capacity.rules import capacity_window
from portal.common.dates import FinancialYear, today
from portal.common.roles import Role
from portal.council.models import RANKING_WEIGHTS, get_settings
from portal.demo.data import load_demo_data
from portal.extensions import db
from portal.outcomes.measures import MeasureResult
from portal.outcomes.models import (
    OutcomeAnswer,
    OutcomeReturn,
    OwedReturn,
    PeriodKind,
    ReportingPeriod,
    ReturnStatus,
)
from portal.providers.enums import ContractType, ProviderStatus, Quadrant, RegisterFact
from portal.providers.models import Provider, ProviderChange
from portal.reports.ranking import ranking
from tests.client import text_of
from tests.factories import ProviderFactory
from tests.fixtures import World

YEAR = FinancialYear.containing(today())
CQC = {"outstanding": 100, "good": 67, "requires_improvement": 33, "inadequate": 0}
QAF = {"A": 100, "B": 67, "C": 33, "D": 0}


def ranking_weights_form(**changes: str) -> dict[str, str]:
    return dict(zip(RANKING_WEIGHTS, ("30", "30", "20", "10", "10"), strict=True)) | changes


def _percent(part: int, whole: int) -> int | None:
    return int(Fraction(100 * part, whole) + Fraction(1, 2)) if whole else None


def _rating_on(changes: list[ProviderChange], current: str | None, day: dt.date) -> str | None:
    ordered = sorted(changes, key=lambda c: (c.effective_on, c.id))
    earlier = [c for c in ordered if c.effective_on <= day]
    if earlier:
        return earlier[-1].value_after
    later = [c for c in ordered if c.effective_on > day]
    return later[0].value_before if later else current


def expected_scores() -> dict[str, tuple[list[int | None], str]]:
    """{provider: (each component's points, the score)}, worked out from the rows."""
    on = min(today(), YEAR.last_day)
    weights = [getattr(get_settings(), name) for name in RANKING_WEIGHTS]
    periods = [
        p
        for p in db.session.scalars(select(ReportingPeriod))
        if p.kind == PeriodKind.OUTCOMES and YEAR.first_day <= p.start_date <= YEAR.last_day
    ]
    period_ids = {p.id for p in periods}
    due_ids = {p.id for p in periods if p.due_date < today()}
    due_dates = {p.id: p.due_date for p in periods}
    returns = {
        (r.period_id, r.service_user_id): r for r in db.session.scalars(select(OutcomeReturn))
    }
    handed_in = (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED)
    owed: dict[int, list[int]] = {}
    for o in db.session.scalars(select(OwedReturn)):
        if o.period_id not in due_ids:
            continue
        counts = owed.setdefault(o.provider_id, [0, 0])
        counts[1] += 1
        r = returns.get((o.period_id, o.service_user_id))
        if (
            r is not None
            and r.status in handed_in
            and r.submitted_at.date() <= due_dates[o.period_id]
        ):
            counts[0] += 1
    answers: dict[tuple[int, str], list[MeasureResult]] = {}
    by_id = {
        r.id: r for r in returns.values() if r.status in handed_in and r.period_id in period_ids
    }
    for a in db.session.scalars(select(OutcomeAnswer)):
        if a.return_id in by_id:
            answers.setdefault((a.return_id, a.measure[0]), []).append(a.result)
    met: dict[int, list[int]] = {}
    for (return_id, _), results in answers.items():
        applied = [r for r in results if r != MeasureResult.NOT_APPLICABLE]
        if applied:
            counts = met.setdefault(by_id[return_id].provider_id, [0, 0])
            counts[1] += 1
            counts[0] += all(r == MeasureResult.MET for r in applied)
    settings = get_settings()
    capacity = list(db.session.scalars(select(CapacityReturn)))
    first = min(r.month for r in capacity)
    months = [dt.date(YEAR.start_year + (n >= 9), (3 + n) % 12 + 1, 1) for n in range(12)]
    due_months = [
        m
        for m in months
        if m >= first
        and capacity_window(
            m, opens_day=settings.capacity_opens_day, closes_day=settings.capacity_closes_day
        ).closes
        < today()
    ]
    changes = list(db.session.scalars(select(ProviderChange)))
    expected = {}
    for provider in db.session.scalars(select(Provider)):
        if provider.status == ProviderStatus.EXITED:
            continue
        mine = [c for c in changes if c.provider_id == provider.id]
        cqc = _rating_on(
            [c for c in mine if c.fact == RegisterFact.CQC_RATING], provider.cqc_rating.value, on
        )
        qaf = _rating_on(
            [c for c in mine if c.fact == RegisterFact.QAF_LEVEL],
            provider.qaf_level.value if provider.qaf_level else None,
            on,
        )
        on_time = sum(
            1
            for r in capacity
            if r.provider_id == provider.id and r.month in due_months and not r.late
        )
        points = [
            CQC.get(cqc or ""),
            QAF.get(qaf or ""),
            _percent(*met.get(provider.id, [0, 0])),
            _percent(*owed.get(provider.id, [0, 0])),
            _percent(on_time, len(due_months)),
        ]
        counted = [(w, p) for w, p in zip(weights, points, strict=True) if p is not None and w]
        total = sum(w for w, _ in counted)
        if total:
            tenths = int(Fraction(10 * sum(w * p for w, p in counted), total) + Fraction(1, 2))
            score = f"{tenths // 10}.{tenths % 10}"
        else:
            score = "No score"
        expected[provider.name] = (points, score)
    return expected


def test_every_score_equals_a_calculation_from_the_demo_year(db_session: Any) -> None:
    load_demo_data()
    settings = get_settings()
    settings.ranking_weight_outcomes = 35  # not the defaults, so the weights are read
    db.session.commit()
    ranked = ranking(YEAR, today())
    expected = expected_scores()
    shown = {row.name: ([c.points for c in row.components], row.score) for row in ranked.providers}
    assert shown == expected
    assert len({score for _, score in shown.values()}) > 5  # the year sets them apart
    # Ranked by score, then QAF level, then CQC rating, then name.
    keys = [
        (
            -float(row.score) if row.score_tenths is not None else 1,
            -(row.components[1].points or -1),
            -(row.components[0].points or -1),
            row.name.casefold(),
        )
        for row in ranked.providers
    ]
    assert keys == sorted(keys)
    assert [row.rank for row in ranked.providers] == list(range(1, len(ranked.providers) + 1))


def _proposed(client: Any) -> dict[str, tuple[str, str]]:
    """{provider: (now, proposed)} from the ranking's CSV."""
    response = client.get("/reports/ranking.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    return {row["Provider"]: (row["Now"], row["Proposed"]) for row in rows}


def test_prime_status_is_proposed_by_the_stated_rule(as_role, world: World) -> None:
    # Brightwater and Rival are both Patch providers in the East; add three Framework
    # providers, one outstanding, and a suspended Patch provider in the West.
    ProviderFactory(
        name="Able Framework",
        contract_type=ContractType.FRAMEWORK,
        quadrant=None,
        cqc_rating="outstanding",
    )
    ProviderFactory(name="Baker Framework", contract_type=ContractType.FRAMEWORK, quadrant=None)
    ProviderFactory(
        name="Carter Framework",
        contract_type=ContractType.FRAMEWORK,
        quadrant=None,
        cqc_rating="requires_improvement",
    )
    ProviderFactory(
        name="Dormant Patch",
        quadrant=Quadrant.WEST,
        status=ProviderStatus.SUSPENDED,
        cqc_rating="outstanding",
    )
    ProviderFactory(name="Spot Agency", contract_type=ContractType.SPOT, quadrant=None)
    db.session.commit()
    client = as_role(Role.COMMISSIONER)
    proposed = _proposed(client)
    # Scores: Able 100 (outstanding), the rest good (67) but Carter (33). Ties by name.
    assert proposed == {
        "Able Framework": ("Supplementary", "Prime (West)"),
        "Baker Framework": ("Supplementary", "Prime (Central)"),
        "Brightwater Home Care": ("Prime (East)", "Prime (East)"),
        "Rival Care Ltd": ("Prime (East)", "Prime (South)"),
        "Carter Framework": ("Supplementary", "Supplementary"),
        "Dormant Patch": ("Prime (West)", "Not proposed (suspended)"),
        "Spot Agency": ("Not proposed (Spot)", "Not proposed (Spot)"),
    }
    page = text_of(client.get("/reports/ranking"))
    assert "The four highest-ranked active providers on Patch or Framework contracts" in page
    assert "nothing on the register changes here" in page
    db.session.expire_all()
    able = db.session.scalar(select(Provider).where(Provider.name == "Able Framework"))
    assert able is not None and able.contract_type == ContractType.FRAMEWORK


def test_the_csv_runs_no_formula(as_role, world: World) -> None:
    ProviderFactory(
        name='=HYPERLINK("http://bad.example")', contract_type=ContractType.FRAMEWORK, quadrant=None
    )
    db.session.commit()
    client = as_role(Role.COMMISSIONER)
    response = client.get(f"/reports/ranking.csv?year={YEAR.start_year}")
    assert response.mimetype == "text/csv"
    assert (
        f"provider-ranking-{YEAR.label.replace('/', '-')}.csv"
        in response.headers["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    names = [row[1] for row in rows[1:]]
    assert '\'=HYPERLINK("http://bad.example")' in names
    assert rows[0][:4] == ["Rank", "Provider", "Contract", "Status"]
    assert len(rows) == 1 + 3


def test_the_weights_are_saved_and_audited(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    page = text_of(client.get("/settings"))
    assert "Ranking weights CQC rating 30 QAF level 30 Outcome results 20" in page or (
        "Ranking weights" in page and "CQC rating 30" in page
    )
    response = client.post(
        "/settings/ranking-weights",
        data=ranking_weights_form(ranking_weight_cqc="0", ranking_weight_outcomes="50"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    settings = get_settings()
    assert (settings.ranking_weight_cqc, settings.ranking_weight_outcomes) == (0, 50)
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "council_settings.ranking_weights_updated")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None
    assert event.before == dict(zip(RANKING_WEIGHTS, (30, 30, 20, 10, 10), strict=True))
    assert event.after == dict(zip(RANKING_WEIGHTS, (0, 30, 50, 10, 10), strict=True))
    ranked = text_of(client.get("/reports/ranking"))
    assert "CQC rating (weight 0)" in ranked and "Outcome results (weight 50)" in ranked


def _beside(html: str, field_id: str) -> str:
    found = re.search(
        rf'<p id="{re.escape(field_id)}-error" class="govuk-error-message">(.*?)</p>', html, re.S
    )
    assert found, f"no error beside {field_id}"
    return re.sub(r"<[^>]+>|\s+", " ", found[1]).replace(" Error: ", "").strip()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            dict.fromkeys(RANKING_WEIGHTS, "0"),
            "ranking_weight_cqc",
            "Give at least one figure a weight above 0",
        ),
        (
            {"ranking_weight_qaf": "101"},
            "ranking_weight_qaf",
            "The weight of the QAF level must be a whole number from 0 to 100",
        ),
        (
            {"ranking_weight_outcomes": "-1"},
            "ranking_weight_outcomes",
            "The weight of outcome results must be a whole number from 0 to 100",
        ),
        (
            {"ranking_weight_capacity_returns": ""},
            "ranking_weight_capacity_returns",
            "Enter the weight of capacity returns on time, from 0 to 100",
        ),
        (
            {"ranking_weight_outcome_returns": "2.5"},
            "ranking_weight_outcome_returns",
            "Enter the weight of outcome returns on time as a whole number, like 10",
        ),
    ],
)
def test_weights_out_of_bounds_are_refused_beside_the_field(
    as_role, world: World, changes: dict[str, str], field: str, message: str
) -> None:
    client = as_role(Role.COMMISSIONER)
    response = client.post("/settings/ranking-weights", data=ranking_weights_form(**changes))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _beside(html, field) == message
    assert "There is a problem" in html  # the error summary
    db.session.expire_all()
    assert get_settings().ranking_weight_cqc == 30
    assert (
        db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "council_settings.ranking_weights_updated"
            )
        )
        is None
    )
