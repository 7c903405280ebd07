"""A provider's scorecard: every figure equals a count made here, in plain Python, from the
rows the demo council's year left behind; a provider manager sees their own provider's
only; the PDF has the same sections, and every page of it has something on it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select

from portal.capacity.models import CapacityReturn
from portal.capacity.rules import capacity_window
from portal.common.dates import FinancialYear, format_date, today
from portal.common.roles import Role
from portal.council.models import get_settings
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
from portal.payments.models import Payment, PaymentKind, PaymentStatus
from portal.providers import operations
from portal.providers.enums import CqcRating, QafLevel, RegisterFact
from portal.providers.models import Provider, ProviderChange
from portal.recommendations.models import (
    Recommendation,
    RecommendationStatus,
    ReductionCheckpoint,
    Verdict,
)
from portal.reports.figures import ratings_on
from portal.reports.scorecards import scorecard
from portal.reports.sections import Section
from tests.client import text_of
from tests.fixtures import World
from tests.pdf_tools import poppler

YEAR = FinancialYear.containing(today())


def half_up(part: int, whole: int) -> int | None:
    """A whole percent, a half rounded up, worked with fractions (not the portal's code)."""
    if not whole:
        return None
    share = Fraction(100 * part, whole)
    return int(share + Fraction(1, 2))


def figures(section: Section) -> list[list[str]]:
    return [[cell.text for cell in row] for row in section.table.rows]


def quarters() -> list[ReportingPeriod]:
    return list(
        db.session.scalars(
            select(ReportingPeriod)
            .where(
                ReportingPeriod.kind == PeriodKind.OUTCOMES,
                ReportingPeriod.start_date >= YEAR.first_day,
                ReportingPeriod.start_date <= YEAR.last_day,
            )
            .order_by(ReportingPeriod.start_date)
        )
    )


def expected_returns(provider: Provider) -> list[list[str]]:
    rows = []
    returns = {
        (r.period_id, r.service_user_id): r for r in db.session.scalars(select(OutcomeReturn))
    }
    for period in quarters():
        owed = [
            o.service_user_id
            for o in db.session.scalars(select(OwedReturn))
            if o.period_id == period.id and o.provider_id == provider.id
        ]
        handed = [
            returns[(period.id, person)]
            for person in owed
            if (period.id, person) in returns
            and returns[(period.id, person)].status
            in (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED)
        ]
        late = sum(1 for r in handed if r.submitted_at.date() > period.due_date)
        missing = len(owed) - len(handed)
        due = period.due_date < today()
        rows.append(
            [
                period.label,
                str(len(owed)),
                str(len(handed) - late),
                str(late),
                str(missing) if due else f"{missing} not yet due",
            ]
        )
    return rows


def expected_outcomes(provider: Provider) -> dict[str, tuple[int | None, int, int | None, int]]:
    """{row name: (provider %, sample, council %, sample)}."""
    handed = {
        r.id: r
        for r in db.session.scalars(select(OutcomeReturn))
        if r.status in (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED)
    }
    per_return: dict[tuple[int, str], list[MeasureResult]] = {}
    for answer in db.session.scalars(select(OutcomeAnswer)):
        if answer.return_id in handed:
            per_return.setdefault((answer.return_id, answer.measure[0]), []).append(answer.result)
    counts: Counter[tuple[int, str, bool, str]] = Counter()
    for (return_id, outcome), results in per_return.items():
        applied = [r for r in results if r != MeasureResult.NOT_APPLICABLE]
        if not applied:
            continue
        period_id = handed[return_id].period_id
        mine = handed[return_id].provider_id == provider.id
        met = all(r == MeasureResult.MET for r in applied)
        for who in (True, False) if mine else (False,):
            counts[(period_id, outcome, who, "sample")] += 1
            counts[(period_id, outcome, who, "met")] += met
    expected = {}
    periods = quarters()
    for outcome in "12345":
        year_counts = dict.fromkeys(("mm", "ms", "cm", "cs"), 0)
        for period in periods:
            mm, ms = (
                counts[(period.id, outcome, True, "met")],
                counts[(period.id, outcome, True, "sample")],
            )
            cm, cs = (
                counts[(period.id, outcome, False, "met")],
                counts[(period.id, outcome, False, "sample")],
            )
            for key, value in zip(("mm", "ms", "cm", "cs"), (mm, ms, cm, cs), strict=True):
                year_counts[key] += value
            expected[f"Outcome {outcome}, {period.label.split()[0]}"] = (
                half_up(mm, ms),
                ms,
                half_up(cm, cs),
                cs,
            )
        expected[f"Outcome {outcome}, whole year"] = (
            half_up(year_counts["mm"], year_counts["ms"]),
            year_counts["ms"],
            half_up(year_counts["cm"], year_counts["cs"]),
            year_counts["cs"],
        )
    return expected


def _rows(section: Any) -> list[tuple[Any, ...]]:
    return [(row[0].text, *row[1:]) for row in section.table.rows]


def percent_of(text: str) -> int | None:
    return None if text == "–" else int(text.split("%")[0])


def expected_capacity(provider: Provider) -> list[str]:
    settings = get_settings()
    mine = {
        r.month: r
        for r in db.session.scalars(select(CapacityReturn))
        if r.provider_id == provider.id
    }
    first = min(r.month for r in db.session.scalars(select(CapacityReturn)))
    statuses = []
    for n in range(12):
        month = dt.date(YEAR.start_year + (n >= 9), (3 + n) % 12 + 1, 1)
        closes = capacity_window(
            month, opens_day=settings.capacity_opens_day, closes_day=settings.capacity_closes_day
        ).closes
        if month in mine:
            statuses.append("Late" if mine[month].late else "On time")
        elif closes < today() and month >= first:
            statuses.append("Missing")
        else:
            statuses.append("Not yet due")
    return statuses


def expected_flags(provider: Provider) -> dict[str, tuple[str, str, str]]:
    floor = get_settings().wage_floor_pence
    flags = {}
    for r in db.session.scalars(select(CapacityReturn)):
        if r.provider_id != provider.id or not YEAR.first_day <= r.month <= YEAR.last_day:
            continue
        average = Fraction(2 * r.headcount - r.starters + r.leavers, 2)
        high = average > 0 and Fraction(r.leavers * 1200) / average > 20
        staffed = r.headcount > 0
        flags[f"{r.month:%B %Y}"] = tuple(
            "Flagged" if flag else "No"
            for flag in (
                high,
                staffed and r.hourly_pay_pence < floor,
                staffed and not r.pays_travel_time,
            )
        )
    return flags


def in_year(moment: dt.datetime | None) -> bool:
    start, end = YEAR.moments()
    if moment is None:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return start <= moment < end


def test_every_figure_equals_a_count_of_the_demo_year(db_session: Any) -> None:
    load_demo_data()
    db.session.commit()
    provider = db.session.scalar(select(Provider).where(Provider.name.startswith("Brightwater")))
    assert provider is not None
    card = scorecard(provider, YEAR, today())
    sections = {section.key: section for section in card.sections}
    assert list(sections) == [
        "outcome-returns",
        "capacity-returns",
        "outcome-results",
        "recommendations",
        "hours-released",
        "reductions-held",
        "capacity-flags",
        "cqc-and-qaf",
    ]

    returns = [[r[0], *r[2:6]] for r in figures(sections["outcome-returns"])]
    assert returns == expected_returns(provider)
    assert any(int(r[2]) > 0 for r in returns), "the demo year has returns to count"

    outcomes = expected_outcomes(provider)
    shown = {
        row[0]: (percent_of(row[1]), int(row[2]), percent_of(row[3]), int(row[4]))
        for row in figures(sections["outcome-results"])
    }
    assert shown == outcomes
    assert any(sample for _, sample, _, _ in outcomes.values())

    assert [row[2] for row in figures(sections["capacity-returns"])] == expected_capacity(provider)

    flags = {row[0]: tuple(row[2:5]) for row in figures(sections["capacity-flags"])}
    for month, expected in expected_flags(provider).items():
        assert flags[month] == expected, month

    sent = [
        r
        for r in db.session.scalars(select(Recommendation))
        if r.provider_id == provider.id
        and r.status != RecommendationStatus.DRAFT
        and in_year(r.submitted_at)
    ]
    by_kind = {row[0]: [int(n) for n in row[1:]] for row in figures(sections["recommendations"])}
    for kind in ("Reduce", "Increase", "Reframe"):
        mine = [r for r in sent if r.kind.label == kind]
        assert by_kind[kind] == [
            len(mine),
            sum(r.status == RecommendationStatus.APPROVED for r in mine),
            sum(r.status == RecommendationStatus.REJECTED for r in mine),
            sum(
                r.status in (RecommendationStatus.SUBMITTED, RecommendationStatus.MORE_INFORMATION)
                for r in mine
            ),
            sum(r.status == RecommendationStatus.WITHDRAWN for r in mine),
        ]
    assert by_kind["All"][0] == len(sent) > 0

    payments = [
        p
        for p in db.session.scalars(select(Payment))
        if p.provider_id == provider.id
        and p.status != PaymentStatus.CANCELLED
        and in_year(p.created_at)
    ]
    released = {row[0].text: row[1].value for row in sections["hours-released"].table.rows}
    assert released["Weekly hours released"] == sum(
        p.weekly_minutes_removed for p in payments if p.kind == PaymentKind.PAYMENT
    )
    assert released["One-off payments earned"] == sum(p.amount_pence for p in payments)

    # Do reductions hold? The provider's stored verdicts at each checkpoint falling in the
    # year, counted here row by row, beside the council's share sustained.
    checkpoints = list(db.session.scalars(select(ReductionCheckpoint)))
    held_rows = {row[0]: [c.value for c in row[1:]] for row in _rows(sections["reductions-held"])}
    for days, when in ((91, "91 days"), (365, "12 months")):

        def verdicts(rows: list[ReductionCheckpoint], days: int = days) -> list[Verdict]:
            return [
                getattr(c, f"verdict_{days}")
                for c in rows
                if YEAR.first_day <= getattr(c, f"checkpoint_{days}_on") <= YEAR.last_day
            ]

        mine = verdicts([c for c in checkpoints if c.provider_id == provider.id])
        every = verdicts(checkpoints)
        known = [v for v in mine if v != Verdict.NOT_YET_KNOWN]
        every_known = [v for v in every if v != Verdict.NOT_YET_KNOWN]
        assert held_rows[f"At {when}"] == [
            len(mine),
            mine.count(Verdict.HELD),
            mine.count(Verdict.WENT_BACK_UP),
            mine.count(Verdict.ENDED),
            mine.count(Verdict.NOT_YET_KNOWN),
            half_up(mine.count(Verdict.HELD), len(known)) if known else None,
            half_up(every.count(Verdict.HELD), len(every_known)) if every_known else None,
        ]
    assert held_rows["At 91 days"][0] > 0, "the demo year has reductions reaching 91 days"

    changes = [
        c
        for c in db.session.scalars(select(ProviderChange))
        if c.provider_id == provider.id
        and c.fact in (RegisterFact.CQC_RATING, RegisterFact.QAF_LEVEL)
        and c.effective_on <= card.on
    ]
    assert len(sections["cqc-and-qaf"].table.rows) == len(changes)


def test_a_rating_history_reads_as_dated_changes(as_role, world: World) -> None:
    commissioner = world.users[Role.COMMISSIONER]
    changed_on = today() - dt.timedelta(days=3)
    operations.change_cqc_rating(
        world.provider, CqcRating.REQUIRES_IMPROVEMENT, on=changed_on, by=commissioner
    )
    operations.change_qaf_level(world.provider, QafLevel.B, on=changed_on, by=commissioner)
    db.session.commit()
    before = changed_on - dt.timedelta(days=1)
    assert ratings_on(before, world.provider.id) == {world.provider.id: ("good", None)}
    assert ratings_on(changed_on, world.provider.id) == {
        world.provider.id: ("requires_improvement", "B")
    }
    assert ratings_on(changed_on)[world.other_provider.id] == ("good", None)  # never changed
    client = as_role(Role.COMMISSIONER)
    page = text_of(client.get(f"/reports/providers/{world.provider.id}/scorecard"))
    assert (
        f"{format_date(changed_on)} QAF level Not assessed B Good" in page
        and f"{format_date(changed_on)} CQC rating Good Requires improvement" in page
    )
    assert "CQC rating was Requires improvement and its QAF level B Good" in page


def test_a_provider_manager_sees_their_own_scorecard_only(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    own = client.get(f"/reports/providers/{world.provider.id}/scorecard")
    assert own.status_code == 200
    page = text_of(own)
    assert "Outcome results against the council" in page  # the council's average is shown
    assert client.get(f"/reports/providers/{world.other_provider.id}/scorecard").status_code == 404
    assert (
        client.get(f"/reports/providers/{world.other_provider.id}/scorecard.pdf").status_code == 404
    )
    assert client.get("/reports/scorecards").status_code == 403
    assert client.get("/reports/ranking").status_code == 403


def test_council_staff_see_every_provider_and_nonsense_years_fall_back(
    as_role, world: World
) -> None:
    client = as_role(Role.CARE_MANAGER)
    for year in ("", "1999", "abc", "99999999999999999999", str(YEAR.start_year)):
        response = client.get(f"/reports/providers/{world.other_provider.id}/scorecard?year={year}")
        assert response.status_code == 200
        assert "Rival Care Ltd" in text_of(response)
        assert f"financial year {YEAR.label}" in text_of(response)
    listing = text_of(client.get("/reports/scorecards"))
    assert "Brightwater Home Care" in listing and "Rival Care Ltd" in listing
    assert client.get("/reports/providers/999999/scorecard").status_code == 404


def test_the_pdf_has_every_section_and_every_page_has_content(
    as_role, world: World, tmp_path: Path
) -> None:
    client = as_role(Role.COMMISSIONER)
    response = client.get(f"/reports/providers/{world.provider.id}/scorecard.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "scorecard-brightwater-home-care-" in response.headers["Content-Disposition"]
    path = tmp_path / "scorecard.pdf"
    path.write_bytes(response.data)
    text = " ".join(poppler("pdftotext", "-raw", "-enc", "UTF-8", str(path), "-").split())
    for heading in (
        "Provider scorecard",
        "Brightwater Home Care",
        "Outcome returns on time",
        "Capacity returns on time",
        "Outcome results against the council",
        "Recommendations",
        "Hours released and payments earned",
        "Capacity flags",
        "CQC rating and QAF level",
    ):
        assert heading in text, heading
    assert text.startswith(client.application.config["COUNCIL_NAME"])  # its band
    pages = int(poppler("pdfinfo", str(path)).split("Pages:")[1].split()[0])
    assert pages >= 2
    assert f"Page {pages} of {pages}" in text
    poppler("pdftoppm", "-png", "-r", "30", str(path), str(tmp_path / "page"))
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages
    for image_path in images:
        with Image.open(image_path) as image:
            grey = image.convert("L")
            width, height = grey.size
            # Below the council's band and above the footer: the page's own content.
            body = grey.crop((0, int(height * 0.15), width, int(height * 0.85)))
            dark = sum(body.histogram()[:200])  # pixels darker than light grey
            assert dark > 200, f"{image_path.name} is blank"
