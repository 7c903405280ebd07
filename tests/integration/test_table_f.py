"""Table F computed in SQL agrees with a count done by hand in Python, on each database."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re

import pytest

from portal.common.dates import quarter_bounds
from portal.common.roles import Role
from portal.council.models import get_settings
from portal.extensions import db
from portal.outcomes.measures import MEASURES, OUTCOMES, MeasureResult
from portal.outcomes.models import OutcomeAnswer, OutcomeReturn, ReturnStatus
from portal.outcomes.operations import return_for_correction, submit_return
from portal.outcomes.table_f import Filters, table_f
from portal.outcomes.tallies import COUNTED, recount_period
from portal.providers.enums import ContractType, Quadrant
from tests.client import text_of
from tests.factories import OutcomePeriodFactory, ProviderFactory, ServiceUserFactory
from tests.fixtures import World

Answers = dict[str, MeasureResult]


def _seed(world: World) -> tuple[list[tuple[OutcomeReturn, Answers]], object]:
    """Forty returns with seeded random answers, over two providers, four quadrants and three
    statuses (drafts must not count), and a previous quarter with ten returns."""
    rng = random.Random(7)
    framework = ProviderFactory(contract_type=ContractType.FRAMEWORK, quadrant=None)
    start, end = quarter_bounds(world.period.start_date - dt.timedelta(days=1))
    previous = OutcomePeriodFactory(start_date=start, end_date=end)
    made: list[tuple[OutcomeReturn, Answers]] = []
    for number in range(50):
        provider = world.provider if number % 3 else framework
        person = ServiceUserFactory(provider=provider, quadrant=rng.choice(list(Quadrant)))
        period = previous if number >= 40 else world.period
        status = rng.choice(
            [
                ReturnStatus.SUBMITTED,
                ReturnStatus.ACCEPTED,
                ReturnStatus.ACCEPTED,
                ReturnStatus.DRAFT,
            ]
        )
        answers = {
            m.code: rng.choices(list(MeasureResult), weights=[50, 20, 15, 15])[0] for m in MEASURES
        }
        outcome_return = OutcomeReturn(
            period_id=period.id,
            service_user_id=person.id,
            provider_id=provider.id,
            status=status,
            answers=[
                OutcomeAnswer(measure=code, result=result, evidence="e", evidence_sources=[])
                for code, result in answers.items()
            ],
        )
        db.session.add(outcome_return)
        made.append((outcome_return, answers))
    db.session.flush()
    # Returns made directly, as loaded data is: counted in as a load does.
    recount_period(world.period.id)
    recount_period(previous.id)
    return made, previous


def _by_hand(returns: list[tuple[OutcomeReturn, Answers]]) -> dict[str, tuple[int, int]]:
    counted = [a for r, a in returns if r.status in COUNTED]
    expected: dict[str, tuple[int, int]] = {}
    for measure in MEASURES:
        results = [a[measure.code] for a in counted]
        applicable = [r for r in results if r != MeasureResult.NOT_APPLICABLE]
        expected[measure.code] = (sum(r == MeasureResult.MET for r in applicable), len(applicable))
    for outcome in OUTCOMES:
        met = sample = 0
        for answers in counted:
            applicable = [
                answers[m.code]
                for m in outcome.measures
                if answers[m.code] != MeasureResult.NOT_APPLICABLE
            ]
            if applicable:
                sample += 1
                met += all(r == MeasureResult.MET for r in applicable)
        expected[str(outcome.number)] = (met, sample)
    return expected


def _as_counts(rows: list) -> dict[str, tuple[int, int]]:
    return {row.code: (row.met, row.sample) for row in rows}


def test_table_f_matches_an_independent_count(world: World) -> None:
    made, previous = _seed(world)
    current = [(r, a) for r, a in made if r.period_id == world.period.id]
    table = table_f(world.period, Filters())
    assert table.returns == sum(r.status != ReturnStatus.DRAFT for r, _ in current)
    assert _as_counts(table.rows) == _by_hand(current)

    earlier = [(r, a) for r, a in made if r.period_id == previous.id]
    expected_before = _by_hand(earlier)
    for row in table.rows:
        assert (row.previous_met, row.previous_sample) == expected_before[row.code]


def test_counts_follow_returns_taken_back_and_handed_in_again(world: World) -> None:
    made, _ = _seed(world)
    current = [(r, a) for r, a in made if r.period_id == world.period.id]
    taken_back = next(r for r, _ in current if r.status == ReturnStatus.SUBMITTED)
    return_for_correction(taken_back, by=world.users[Role.CARE_MANAGER], reason="Check 1.1")
    assert taken_back.status == ReturnStatus.RETURNED
    table = table_f(world.period, Filters())
    assert table.returns == sum(r.status in COUNTED for r, _ in current)
    assert _as_counts(table.rows) == _by_hand(current)

    for answer in taken_back.answers:  # corrected: every answer complete
        answer.not_applicable_reason = "Family help."
    submit_return(taken_back, by=world.users[Role.PROVIDER_MANAGER])
    table = table_f(world.period, Filters())
    assert table.returns == sum(r.status in COUNTED for r, _ in current)
    assert _as_counts(table.rows) == _by_hand(current)


@pytest.mark.parametrize(
    ("make_filters", "keep"),
    [
        (lambda w: Filters(provider_id=w.provider.id), lambda w, r: r.provider_id == w.provider.id),
        (
            lambda w: Filters(quadrant=Quadrant.SOUTH),
            lambda w, r: r.service_user.quadrant == Quadrant.SOUTH,
        ),
        (
            lambda w: Filters(contract_type=ContractType.FRAMEWORK),
            lambda w, r: r.provider_id != w.provider.id,
        ),
    ],
    ids=["provider", "quadrant", "contract type"],
)
def test_filters_narrow_the_sample(world: World, make_filters, keep) -> None:
    made, _ = _seed(world)
    current = [(r, a) for r, a in made if r.period_id == world.period.id and keep(world, r)]
    table = table_f(world.period, make_filters(world))
    assert table.returns == sum(r.status != ReturnStatus.DRAFT for r, _ in current)
    assert _as_counts(table.rows) == _by_hand(current)


def test_table_f_page_and_csv(as_role, world: World) -> None:
    _seed(world)
    db.session.commit()
    client = as_role(Role.COMMISSIONER)
    page = text_of(client.get(f"/outcome-periods/{world.period.id}/table-f"))
    assert "Table F: outcomes met" in page
    assert "Outcome 1: The individual can maintain or increase their level of personal care" in page
    table = table_f(world.period, Filters())
    outcome_1 = table.rows[0]
    small = " Small sample" if outcome_1.small else ""
    assert f"{outcome_1.met} {outcome_1.sample}{small} {outcome_1.shown}%" in page
    assert "Download Table F (CSV)" in page

    address = f"/outcome-periods/{world.period.id}/table-f.csv?provider={world.provider.id}"
    assert "Download Table F for provider Brightwater Home Care (CSV)" in text_of(
        client.get(f"/outcome-periods/{world.period.id}/table-f?provider={world.provider.id}")
    )
    download = client.get(address)
    assert download.mimetype == "text/csv"
    label = world.period.label.lower().replace(" ", "-").replace("/", "-")
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="table-f-{label}-brightwater-home-care.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert [r["code"] for r in rows][:5] == ["1", "1.1", "1.2", "1.3", "1.4"]
    assert {r["filter_provider"] for r in rows} == {"Brightwater Home Care"}
    assert {r["filter_contract_type"] for r in rows} == {""}
    filtered = table_f(world.period, Filters(provider_id=world.provider.id)).rows
    assert {r["code"]: (int(r["met"]), int(r["sample"])) for r in rows} == _as_counts(filtered)
    # The file's figures are the page's: whole percents, the change their difference.
    for row, share in zip(rows, filtered, strict=True):
        assert row["percent_met"] == ("" if share.shown is None else str(share.shown))
        assert row["change_in_points"] == ("" if share.change is None else str(share.change))
        assert row["small_sample"] == ("yes" if share.small else "no")


def test_a_small_sample_is_flagged_and_not_compared(as_role, world: World) -> None:
    """With the council's smallest comparable sample above every sample, every share is
    flagged and no change is reported; at 1, the changes come back."""
    _seed(world)
    settings = get_settings()
    settings.smallest_comparable_sample = 1000
    db.session.commit()
    client = as_role(Role.COMMISSIONER)
    page = text_of(client.get(f"/outcome-periods/{world.period.id}/table-f"))
    assert "A share from fewer than 1000 returns is marked small sample" in page
    assert "Too small to compare" in page
    assert not re.search(r"\b(up|down) \d+ points?\b", page) and "no change" not in page

    settings.smallest_comparable_sample = 1
    db.session.commit()
    page = text_of(client.get(f"/outcome-periods/{world.period.id}/table-f"))
    assert "Too small to compare" not in page and "Small sample" not in page
    assert re.search(r"\b(up \d+ points?|down \d+ points?|no change)\b", page)


def test_providers_cannot_see_table_f(as_role, world: World) -> None:
    assert (
        as_role(Role.PROVIDER_MANAGER)
        .get(f"/outcome-periods/{world.period.id}/table-f")
        .status_code
        == 403
    )
