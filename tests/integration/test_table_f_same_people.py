"""Table F for the same people quarter to quarter: the people with a return handed in both
this quarter and the quarter before, counted from pair tallies kept as returns are handed
in and taken back, agree with a count made here in plain Python over the seeded answers,
after every step a return goes through, after a rebuild, under each filter, on the page and
in its download."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text

from portal.common.dates import quarter_bounds
from portal.common.roles import Role
from portal.common.statements import recorded_statements
from portal.council.models import get_settings
from portal.extensions import db
from portal.outcomes.measures import MEASURES, OUTCOMES, MeasureResult
from portal.outcomes.models import (
    OutcomeAnswer,
    OutcomePairTally,
    OutcomeReturn,
    ReportingPeriod,
    ReturnStatus,
)
from portal.outcomes.operations import accept_return, open_period, return_for_correction
from portal.outcomes.submission import submit_returns
from portal.outcomes.table_f import Filters, same_people, table_f
from portal.outcomes.tallies import recount_all, recount_period
from portal.providers.enums import ContractType, Quadrant
from portal.providers.models import Provider, ServiceUser
from tests.client import text_of
from tests.factories import OutcomePeriodFactory, ProviderFactory, ServiceUserFactory
from tests.fixtures import World

Answers = dict[str, MeasureResult]
Figures = tuple[int, int, int, int, int]  # pairs, met before, met now, improved, declined
CODES = [c for o in OUTCOMES for c in [str(o.number), *(m.code for m in o.measures)]]
MET, NOT_APPLICABLE = MeasureResult.MET, MeasureResult.NOT_APPLICABLE


@dataclass
class Seeded:
    """Three quarters of returns, and what the test itself knows of them: each return's
    answers, and which it has handed in and not taken back."""

    quarters: list[ReportingPeriod]  # oldest first
    returns: dict[int, OutcomeReturn]
    answers: dict[int, Answers]
    quadrant: dict[int, Quadrant]  # by person
    contract: dict[int, ContractType]  # by provider
    handed_in: set[int] = field(default_factory=set)
    named: dict[str, dict[int, OutcomeReturn]] = field(default_factory=dict)  # by quarter

    def in_quarter(self, period: ReportingPeriod) -> list[OutcomeReturn]:
        return [r for r in self.returns.values() if r.period_id == period.id]


def _quarter_before(period: ReportingPeriod) -> ReportingPeriod:
    start, end = quarter_bounds(period.start_date - dt.timedelta(days=1))
    return OutcomePeriodFactory(start_date=start, end_date=end)


def _answers(rng: random.Random) -> Answers:
    return {m.code: rng.choices(list(MeasureResult), weights=[50, 20, 15, 15])[0] for m in MEASURES}


def _return(period: ReportingPeriod, person: ServiceUser, provider: Provider, answers: Answers):
    made = OutcomeReturn(
        period_id=period.id,
        service_user_id=person.id,
        provider_id=provider.id,
        status=ReturnStatus.DRAFT,
        answers=[
            OutcomeAnswer(
                measure=code,
                result=result,
                evidence="Seen at the care review.",
                not_applicable_reason="Family help." if result == NOT_APPLICABLE else "",
                evidence_sources=[],
            )
            for code, result in answers.items()
        ],
    )
    db.session.add(made)
    return made


def _seed(
    world: World,
    *,
    people: int = 30,
    seed: int = 18,
    quarters: list[ReportingPeriod] | None = None,
) -> Seeded:
    """Drafts over three quarters: most people in all three (some changing provider, some
    left as drafts, which never count); and by name, one who leaves after the second
    quarter, one who joins in the third, one who joins in the second, one whose second
    return will be returned for correction and sent again, one whose third return will be
    returned and never sent again (withdrawn from the sample)."""
    rng = random.Random(seed)
    framework = ProviderFactory(contract_type=ContractType.FRAMEWORK, quadrant=None)
    providers = [world.provider, framework]
    if quarters is None:
        q2 = _quarter_before(world.period)
        quarters = [_quarter_before(q2), q2, world.period]
    seeded = Seeded(
        quarters=quarters,
        returns={},
        answers={},
        quadrant={},
        contract={p.id: p.contract_type for p in providers},
    )
    plan: list[tuple[str, list[int]]] = [(f"p{n}", [0, 1, 2]) for n in range(people)]
    plan += [
        ("leaver", [0, 1]),
        ("joiner", [2]),
        ("second joiner", [1, 2]),
        ("corrected", [0, 1, 2]),
        ("withdrawn", [0, 1, 2]),
    ]
    for name, present in plan:
        person = ServiceUserFactory(provider=world.provider, quadrant=rng.choice(list(Quadrant)))
        seeded.quadrant[person.id] = person.quadrant
        made: dict[int, OutcomeReturn] = {}
        for index in present:
            if name.startswith("p") and rng.random() < 0.15:
                continue  # missing this quarter
            answers = _answers(rng)
            outcome_return = _return(quarters[index], person, rng.choice(providers), answers)
            made[index] = outcome_return
        db.session.flush()
        for outcome_return in made.values():
            seeded.returns[outcome_return.id] = outcome_return
            seeded.answers[outcome_return.id] = {
                a.measure: a.result for a in outcome_return.answers
            }
        if not name.startswith("p"):
            seeded.named[name] = made
    return seeded


def _submit(world: World, seeded: Seeded, returns: list[OutcomeReturn]) -> None:
    submit_returns([r.id for r in returns], by=world.users[Role.PROVIDER_MANAGER], source="upload")
    seeded.handed_in |= {r.id for r in returns}


def _hand_in_everything(world: World, seeded: Seeded, rng: random.Random) -> None:
    """The third quarter first, then the first two in one batch (so a batch holds both
    returns of some pairs); a few of each quarter's returns stay drafts."""
    q1, q2, q3 = seeded.quarters
    kept_back = {r.id for r in seeded.returns.values() if rng.random() < 0.1}
    kept_back -= {r.id for made in seeded.named.values() for r in made.values()}

    def chosen(*periods: ReportingPeriod) -> list[OutcomeReturn]:
        return [r for p in periods for r in seeded.in_quarter(p) if r.id not in kept_back]

    _submit(world, seeded, chosen(q3))
    _submit(world, seeded, chosen(q1, q2))


def _met(answers: Answers, code: str) -> bool | None:
    """Whether ``code`` was met in these answers; None when it did not apply."""
    measures = [code] if "." in code else [m.code for m in OUTCOMES[int(code) - 1].measures]
    applied = [answers[m] for m in measures if answers[m] != NOT_APPLICABLE]
    return all(r == MET for r in applied) if applied else None


def _by_hand(
    seeded: Seeded, period: ReportingPeriod, keep: Callable[[OutcomeReturn], bool] = lambda r: True
) -> tuple[int, dict[str, Figures]]:
    """(people with both returns handed in, {code: figures}) for ``period`` and the quarter
    before, counted over the seeded answers, each pair under its later return's filters."""
    before_period = seeded.quarters[seeded.quarters.index(period) - 1]
    handed_in = [seeded.returns[i] for i in seeded.handed_in]
    now = {r.service_user_id: r for r in handed_in if r.period_id == period.id}
    before = {r.service_user_id: r for r in handed_in if r.period_id == before_period.id}
    people = 0
    figures = {code: [0, 0, 0, 0, 0] for code in CODES}
    for person, later in now.items():
        earlier = before.get(person)
        if earlier is None or not keep(later):
            continue
        people += 1
        for code in CODES:
            was = _met(seeded.answers[earlier.id], code)
            is_ = _met(seeded.answers[later.id], code)
            if was is None or is_ is None:
                continue
            counts = figures[code]
            counts[0] += 1
            counts[1] += was
            counts[2] += is_
            counts[3] += is_ and not was
            counts[4] += was and not is_
    return people, {code: (a, b, c, d, e) for code, (a, b, c, d, e) in figures.items()}


def _shown(period: ReportingPeriod, filters: Filters | None = None) -> tuple[int, dict]:
    found = same_people(period, filters or Filters())
    return found.people, {
        r.code: (r.pairs, r.met_before, r.met_now, r.improved, r.declined) for r in found.rows
    }


def _tallies() -> dict[tuple, tuple]:
    """Every pair tally that counts anything (taking back leaves rows of noughts)."""
    rows = db.session.execute(select(OutcomePairTally)).scalars()
    return {
        (t.period_id, t.provider_id, t.quadrant, t.code): (
            t.pairs,
            t.met_before,
            t.met_now,
            t.improved,
            t.declined,
        )
        for t in rows
        if (t.pairs, t.met_before, t.met_now, t.improved, t.declined) != (0, 0, 0, 0, 0)
    }


def _rebuilt(rebuild: Callable[[], None]) -> dict[tuple, tuple]:
    """The tallies as ``rebuild`` makes them from the returns, leaving the kept ones be."""
    nested = db.session.begin_nested()
    rebuild()
    found = _tallies()
    nested.rollback()
    return found


def _all_agree(seeded: Seeded) -> None:
    """Each quarter's same-people figures are the count by hand, and the tallies kept step
    by step are what a rebuild of every period, or of each, makes."""
    q1, q2, q3 = seeded.quarters
    for period in (q2, q3):
        assert _shown(period) == _by_hand(seeded, period), period.label
    assert same_people(q1, Filters()).people == 0  # no quarter before it
    kept = _tallies()
    assert kept == _rebuilt(recount_all)
    assert kept == _rebuilt(lambda: [recount_period(p.id) for p in seeded.quarters])


def test_same_people_figures_follow_every_step_a_return_takes(world: World) -> None:
    seeded = _seed(world)
    rng = random.Random(5)
    q1, q2, q3 = seeded.quarters
    _hand_in_everything(world, seeded, rng)
    _all_agree(seeded)
    people, figures = _by_hand(seeded, q3)
    assert 0 < people < len(seeded.in_quarter(q3))  # some joined, some missed a quarter
    assert any(f[3] for f in figures.values()) and any(f[4] for f in figures.values())

    # The leaver counts between the first two quarters, not after; the joiners from theirs.
    leaver, joiner = seeded.named["leaver"], seeded.named["joiner"]
    assert leaver[1].service_user_id not in {r.service_user_id for r in seeded.in_quarter(q3)}
    assert joiner[2].service_user_id not in {r.service_user_id for r in seeded.in_quarter(q2)}

    # Accepting changes nothing.
    care_manager = world.users[Role.CARE_MANAGER]
    for outcome_return in seeded.in_quarter(q1)[:10] + seeded.in_quarter(q2)[:5]:
        if outcome_return.id in seeded.handed_in:
            accept_return(outcome_return, by=care_manager)
    _all_agree(seeded)

    # A middle quarter's return sent back for correction leaves both its pairs ...
    corrected = seeded.named["corrected"][1]
    before = _shown(q3)[0], _shown(q2)[0]
    return_for_correction(corrected, by=care_manager, reason="Check 1.1")
    seeded.handed_in.discard(corrected.id)
    _all_agree(seeded)
    assert (_shown(q3)[0], _shown(q2)[0]) == (before[0] - 1, before[1] - 1)

    # ... and sent again, corrected, comes back into both with its new answers.
    for answer in corrected.answers:
        answer.result = MET if answer.result != MET else MeasureResult.NOT_MET
        answer.not_applicable_reason = ""
        seeded.answers[corrected.id][answer.measure] = answer.result
    _submit(world, seeded, [corrected])
    _all_agree(seeded)
    assert (_shown(q3)[0], _shown(q2)[0]) == before

    # One withdrawn from the third quarter (sent back, never sent again) leaves its pair.
    withdrawn = seeded.named["withdrawn"][2]
    return_for_correction(withdrawn, by=care_manager, reason="Not ours to return")
    seeded.handed_in.discard(withdrawn.id)
    _all_agree(seeded)
    assert _shown(q3)[0] == before[0] - 1


@pytest.mark.parametrize(
    ("filters", "keep"),
    [
        (
            lambda w, s: Filters(provider_id=w.provider.id),
            lambda w, s: lambda r: r.provider_id == w.provider.id,
        ),
        (
            lambda w, s: Filters(contract_type=ContractType.FRAMEWORK),
            lambda w, s: lambda r: s.contract[r.provider_id] == ContractType.FRAMEWORK,
        ),
        (
            lambda w, s: Filters(quadrant=Quadrant.SOUTH),
            lambda w, s: lambda r: s.quadrant[r.service_user_id] == Quadrant.SOUTH,
        ),
        (
            lambda w, s: Filters(provider_id=w.provider.id, quadrant=Quadrant.EAST),
            lambda w, s: (
                lambda r: (
                    r.provider_id == w.provider.id
                    and s.quadrant[r.service_user_id] == Quadrant.EAST
                )
            ),
        ),
    ],
    ids=["provider", "contract type", "quadrant", "provider and quadrant"],
)
def test_filters_pick_the_pairs_by_their_later_return(world: World, filters, keep) -> None:
    """A pair is the later quarter's provider's (people change provider between quarters):
    filtered, the same people are those of the filtered sample who were there before."""
    seeded = _seed(world)
    _hand_in_everything(world, seeded, random.Random(3))
    for period in seeded.quarters[1:]:
        expected = _by_hand(seeded, period, keep(world, seeded))
        assert expected[0] > 0
        assert _shown(period, filters(world, seeded)) == expected
    before = {r.service_user_id: r.provider_id for r in seeded.in_quarter(seeded.quarters[1])}
    now = {r.service_user_id: r.provider_id for r in seeded.in_quarter(seeded.quarters[2])}
    assert any(before[p] != now[p] for p in before.keys() & now.keys())  # some moved


def test_a_quarter_opened_between_two_others_splits_their_pairs(world: World) -> None:
    """With only the first and third quarters open, the third pairs with the first; open
    the second between them and the third pairs with it (no one yet)."""
    rng = random.Random(9)
    q3 = world.period
    start, end = quarter_bounds(q3.start_date - dt.timedelta(days=1))
    first_start, first_end = quarter_bounds(start - dt.timedelta(days=1))
    q1 = OutcomePeriodFactory(start_date=first_start, end_date=first_end)
    people = [ServiceUserFactory(provider=world.provider) for _ in range(4)]
    returns = [_return(q, p, world.provider, _answers(rng)) for q in (q1, q3) for p in people]
    db.session.flush()
    submit_returns([r.id for r in returns], by=world.users[Role.PROVIDER_MANAGER], source="upload")
    found = same_people(q3, Filters())
    assert (found.previous.id if found.previous else None, found.people) == (q1.id, 4)

    q2 = open_period(
        start_date=start, due_date=end + dt.timedelta(days=14), by=world.users[Role.COMMISSIONER]
    )
    found = same_people(q3, Filters())
    assert (found.previous.id if found.previous else None, found.people) == (q2.id, 0)
    assert same_people(q2, Filters()).people == 0
    assert _tallies() == _rebuilt(recount_all) == {}


def _backfill() -> None:
    """Migration 0035's backfill, as it fills the pair tallies from the returns already in."""
    path = Path(__file__).parents[2] / "migrations" / "versions" / "0035_outcome_pair_tallies.py"
    spec = importlib.util.spec_from_file_location("pair_tallies_migration", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    db.session.execute(delete(OutcomePairTally))
    for statement in migration.BACKFILL:
        db.session.execute(text(statement))


def test_the_migrations_backfill_counts_as_the_returns_coming_in_did(world: World) -> None:
    seeded = _seed(world)
    _hand_in_everything(world, seeded, random.Random(4))
    return_for_correction(
        seeded.named["corrected"][1], by=world.users[Role.CARE_MANAGER], reason="Check 1.1"
    )
    kept = _tallies()
    assert kept and kept == _rebuilt(_backfill)


def _page(client, period: ReportingPeriod, query: str = "") -> str:
    return text_of(client.get(f"/outcome-periods/{period.id}/table-f{query}"))


def test_the_page_and_download_show_the_same_people(as_role, world: World) -> None:
    seeded = _seed(world)
    _hand_in_everything(world, seeded, random.Random(11))
    get_settings().smallest_comparable_sample = 5
    db.session.commit()
    q2, q3 = seeded.quarters[1:]
    people, figures = _by_hand(seeded, q3)
    assert table_f(q3, Filters()).same == same_people(q3, Filters())
    client = as_role(Role.COMMISSIONER)
    page = _page(client, q3)
    assert "The same people as last quarter" in page
    assert (
        f"This one follows only the {people} people with a return submitted or accepted in "
        f"both {q2.label} and {q3.label}"
    ) in page
    caption = f"The same people in {q2.label} and {q3.label}: share meeting each outcome"
    assert caption in page

    def percent(met: int, pairs: int) -> int:  # by hand: a half rounds up
        return int(Fraction(100 * met, pairs) + Fraction(1, 2))

    for code in CODES:
        pairs, met_before, met_now, improved, declined = figures[code]
        assert pairs >= 5, "the seed gives every row enough people to compare"
        before, now = percent(met_before, pairs), percent(met_now, pairs)
        change = now - before
        words = (
            f"up {change} point"
            if change > 0
            else f"down {-change} point"
            if change
            else "no change"
        )
        name = f"Outcome {code}: " if "." not in code else f"{code} "
        text = next(t for c, t in _texts() if c == code)
        assert re.search(
            rf"{re.escape(name + text)} {pairs} {before}% {now}% {words}s? {improved} {declined}\b",
            page,
        ), (code, figures[code])

    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"/outcome-periods/{q3.id}/table-f.csv").get_data(as_text=True))
        )
    )
    assert [r["code"] for r in rows] == CODES
    for row in rows:
        pairs, met_before, met_now, improved, declined = figures[row["code"]]
        before, now = percent(met_before, pairs), percent(met_now, pairs)
        assert row["previous_period"] == q2.label
        assert (
            row["same_people"],
            row["same_people_previous_met"],
            row["same_people_met"],
            row["same_people_previous_percent_met"],
            row["same_people_percent_met"],
            row["same_people_small_sample"],
            row["same_people_change_in_points"],
            row["same_people_improved"],
            row["same_people_declined"],
        ) == tuple(
            str(v)
            for v in (
                pairs,
                met_before,
                met_now,
                before,
                now,
                "no",
                now - before,
                improved,
                declined,
            )
        )

    # Too few people to compare: no change reported, the counts still shown.
    get_settings().smallest_comparable_sample = 1000
    db.session.commit()
    page = _page(client, q3)
    assert page.count("Too small to compare") == 2 * len(CODES)

    # The first quarter has no quarter before it: no second table, and empty columns.
    page = _page(client, seeded.quarters[0])
    assert "The same people as last quarter" not in page
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/outcome-periods/{seeded.quarters[0].id}/table-f.csv").get_data(
                    as_text=True
                )
            )
        )
    )
    assert {r["same_people"] for r in rows} == {""}


def _texts() -> list[tuple[str, str]]:
    return [(str(o.number), o.text) for o in OUTCOMES] + [(m.code, m.text) for m in MEASURES]


def test_the_page_reads_as_many_statements_for_a_few_people_as_for_many(
    as_role, world: World
) -> None:
    client = as_role(Role.COMMISSIONER)

    def statements(period: ReportingPeriod) -> int:
        with recorded_statements() as run:
            assert client.get(f"/outcome-periods/{period.id}/table-f").status_code == 200
        return len(run)

    seeded = _seed(world, people=3, seed=1)
    _hand_in_everything(world, seeded, random.Random(1))
    db.session.commit()
    few = statements(world.period)
    more = _seed(world, people=40, seed=2, quarters=seeded.quarters)
    _hand_in_everything(world, more, random.Random(2))
    db.session.commit()
    assert statements(world.period) == few
