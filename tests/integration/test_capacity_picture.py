"""The commissioners' capacity picture: its totals against an independent count, the
providers' flags, who has not returned, and the CSV of the month's returns."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

import pytest

from portal.capacity.models import CapacityByQuadrant, CapacityKind, CapacityReturn
from portal.capacity.picture import capacity_picture, months_back
from portal.common.models import utcnow
from portal.common.roles import Role
from portal.common.statements import recorded_statements
from portal.extensions import db
from portal.providers.enums import ProviderStatus, Quadrant
from portal.providers.models import Provider
from tests.client import text_of
from tests.factories import ProviderFactory
from tests.fixtures import World

TODAY = dt.date(2026, 11, 20)  # November's window closed on Monday the 16th
NOVEMBER = dt.date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _on_the_20th(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("portal.capacity.picture.today", lambda: TODAY)
    monkeypatch.setattr("portal.capacity.views.today", lambda: TODAY)


def _return(
    provider: Provider, month: dt.date, rng: random.Random, by_id: int, *, late: bool = False
) -> CapacityReturn:
    capacity = CapacityReturn(
        provider_id=provider.id,
        month=month,
        kind=CapacityKind.FULL,
        submitted_at=utcnow(),
        submitted_by_id=by_id,
        late=late,
        service_users=rng.randint(0, 80),
        delivered_weekly_minutes=rng.randint(0, 2000) * 30,
        weekend_starts=rng.random() < 0.5,
        seven_day_discharge=rng.random() < 0.4,
        takes_children=rng.random() < 0.2,
        takes_palliative=rng.random() < 0.5,
        takes_double_handed=rng.random() < 0.6,
        takes_dementia=rng.random() < 0.5,
        headcount=40,
        starters=2,
        leavers=rng.choice([0, 1, 3]),
        hourly_pay_pence=rng.choice([1200, 1271, 1350]),
        pays_travel_time=rng.random() < 0.7,
        quadrants=[
            CapacityByQuadrant(
                quadrant=q,
                spare_weekly_minutes=rng.randint(0, 80) * 30,
                new_packages=rng.randint(0, 4),
            )
            for q in rng.sample(list(Quadrant), rng.randint(0, 4))
        ],
    )
    db.session.add(capacity)
    return capacity


def test_the_picture_adds_up(world: World) -> None:
    rng = random.Random(6)
    by_id = world.users[Role.PROVIDER_MANAGER].id
    providers = [ProviderFactory() for _ in range(9)]
    made = []
    for month in months_back(NOVEMBER, 12):
        for provider in providers:
            if rng.random() < 0.8:
                made.append(_return(provider, month, rng, by_id, late=rng.random() < 0.2))
    # A provider no longer active: its return does not count in this month's figures.
    gone = ProviderFactory(status=ProviderStatus.EXITED)
    _return(gone, NOVEMBER, rng, by_id)
    db.session.flush()

    picture = capacity_picture(NOVEMBER)
    november = [c for c in made if c.month == NOVEMBER]
    # Quadrant totals, counted in Python from what was written.
    for total in picture.quadrants:
        rows = [q for c in november for q in c.quadrants if q.quadrant == total.quadrant]
        assert total.spare_weekly_minutes == sum(q.spare_weekly_minutes for q in rows)
        assert total.new_packages == sum(q.new_packages for q in rows)
    assert picture.returns == len(november)
    assert picture.weekend_starts == sum(c.weekend_starts for c in november)
    assert picture.seven_day_discharge == sum(c.seven_day_discharge for c in november)
    dementia = next(c for c in picture.categories if c.label == "Dementia")
    assert dementia.providers == sum(c.takes_dementia for c in november)
    assert dementia.spare_weekly_minutes == sum(
        c.spare_weekly_minutes for c in november if c.takes_dementia
    )
    for trend in picture.trends:
        in_month = [c for c in made if c.month == trend.month]
        assert trend.returns == len(in_month)
        assert trend.spare_weekly_minutes == sum(c.spare_weekly_minutes for c in in_month)
        assert trend.new_packages == sum(c.new_packages for c in in_month)
        assert trend.delivered_weekly_minutes == sum(c.delivered_weekly_minutes for c in in_month)
    # Who has not returned: every active provider without a November return.
    returned = {c.provider_id for c in november}
    active = {p.id for p in db.session.query(Provider).filter_by(status=ProviderStatus.ACTIVE)}
    assert {row.provider_id for row in picture.not_returned} == active - returned


def test_flags_are_derived_from_the_returns(world: World) -> None:
    rng = random.Random(1)
    by_id = world.users[Role.PROVIDER_MANAGER].id
    steady, lapsing, patchy = (ProviderFactory(name=n) for n in ("Steady", "Lapsing", "Patchy"))
    closed = months_back(NOVEMBER, 12)  # December 2025 to November 2026: all closed by the 20th
    for index, month in enumerate(closed):
        _return(steady, month, rng, by_id)
        # Lapsing: nothing for August, and late in September and October.
        if month.month not in (8, 9, 10):
            _return(lapsing, month, rng, by_id)
        elif month.month != 8:
            _return(lapsing, month, rng, by_id, late=True)
        # Patchy: misses four scattered months, never two together.
        if index not in (0, 3, 6, 9):
            _return(patchy, month, rng, by_id)
    db.session.flush()
    november = (
        db.session.query(CapacityReturn).filter_by(provider_id=steady.id, month=NOVEMBER).one()
    )
    november.leavers, november.hourly_pay_pence, november.pays_travel_time = 3, 1200, False
    db.session.flush()

    rows = {row.name: row for row in capacity_picture(NOVEMBER).providers}
    assert rows["Lapsing"].missed.longest_run == 3
    assert "3 windows missed in 12 months" in rows["Lapsing"].flags
    assert rows["Patchy"].missed.missed == 4 and rows["Patchy"].missed.longest_run == 1
    assert "4 windows missed in 12 months" in rows["Patchy"].flags
    # Steady: every window met, but its November figures raise the other flags.
    assert rows["Steady"].flags == [
        "Turnover 88.9%",  # 3 leavers a month among 40.5 staff on average, times 12
        "Pay below the wage floor",
        "Travel time not paid",
    ]


def test_commissioners_see_the_picture_and_download_the_returns(as_role, world: World) -> None:
    rng = random.Random(3)
    provider = ProviderFactory(name='=Sunrise "Care"')
    _return(provider, NOVEMBER, rng, world.users[Role.PROVIDER_MANAGER].id)
    db.session.commit()
    client = as_role(Role.COMMISSIONER)
    page = text_of(client.get("/capacity/picture?month=2026-11"))
    assert "Capacity picture, November 2026" in page
    assert "Not returned" in page  # Brightwater and Rival Care have not
    assert client.get("/capacity/picture?month=2026-13").status_code == 404
    assert client.get("/capacity/picture?month=0000-01").status_code == 404
    download = client.get("/capacity/returns.csv?month=2026-11")
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert [row["provider"] for row in rows] == ['\'=Sunrise "Care"']
    assert rows[0]["month"] == "2026-11"
    assert float(rows[0]["hourly_pay_gbp"]) > 0
    assert as_role(Role.PROVIDER_MANAGER).get("/capacity/picture").status_code == 403


def test_windows_before_the_council_collected_returns_are_not_missed(world: World) -> None:
    rng = random.Random(2)
    early = ProviderFactory(name="Early")
    _return(early, dt.date(2026, 9, 1), rng, world.users[Role.PROVIDER_MANAGER].id)
    db.session.flush()
    rows = {row.name: row for row in capacity_picture(NOVEMBER).providers}
    # Collection began in September: September, October and November have closed by the 20th.
    assert rows["Early"].missed.missed == 2  # October and November
    assert rows["Brightwater Home Care"].missed.missed == 3
    assert rows["Brightwater Home Care"].flags == ["3 windows missed in 12 months"]


def test_the_picture_runs_the_same_statements_however_much_history(as_role, world: World) -> None:
    """No statement per provider, per month or per return: the picture's count with 2
    providers and 2 months of returns is its count with 12 more and 12 months."""
    rng = random.Random(4)
    by_id = world.users[Role.PROVIDER_MANAGER].id
    client = as_role(Role.COMMISSIONER)

    def statements_with(providers: int, months: int) -> tuple[int, int]:
        for provider in [ProviderFactory() for _ in range(providers)]:
            for month in months_back(NOVEMBER, months):
                _return(provider, month, rng, by_id, late=rng.random() < 0.3)
        db.session.commit()
        with recorded_statements() as in_function:
            picture = capacity_picture(NOVEMBER)
        with recorded_statements() as in_page:
            assert client.get("/capacity/picture?month=2026-11").status_code == 200
        assert len(picture.trends) == 12 and picture.returns >= providers
        return len(in_function), len(in_page)

    small = statements_with(2, 2)
    assert statements_with(12, 12) == small
    assert small[0] <= 2  # the settings beside the monthly totals, and the providers


def test_a_council_with_no_returns_yet_sees_an_empty_picture(world: World) -> None:
    picture = capacity_picture(NOVEMBER)
    assert picture.returns == 0 and picture.spare_weekly_minutes == 0
    assert [t.returns for t in picture.trends] == [0] * 12
    # November's window (opening on the council's day) closed on the 16th.
    assert picture.window.closes == dt.date(2026, 11, 16)
    # No provider missed a window before the council collected any return.
    assert {row.name for row in picture.not_returned} == {
        "Brightwater Home Care",
        "Rival Care Ltd",
    }
    assert all(not row.missed.missed for row in picture.providers)


def test_with_no_month_chosen_the_picture_opens_on_the_latest_month_with_returns(
    as_role, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 3 December: December's window opens on the 8th; November's returns are the latest.
    december_3rd = dt.date(2026, 12, 3)
    monkeypatch.setattr("portal.capacity.picture.today", lambda: december_3rd)
    monkeypatch.setattr("portal.capacity.views.today", lambda: december_3rd)
    rng = random.Random(8)
    _return(world.provider, NOVEMBER, rng, world.users[Role.PROVIDER_MANAGER].id)
    db.session.commit()
    client = as_role(Role.COMMISSIONER)

    with recorded_statements() as statements:
        picture = capacity_picture()
    assert picture.month == NOVEMBER and len(statements) == 2
    assert picture.trends[-1].month == NOVEMBER and picture.trends[-1].returns == 1

    page = text_of(client.get("/capacity/picture"))
    assert "Capacity picture, November 2026" in page
    assert "1 of 2 active providers have returned for November 2026." in page
    assert "The window for November 2026 closed on 16 November 2026." in page
    assert "Not returned" in page and "Not returned yet" not in page

    # December, asked for, says its window has not opened rather than that no one returned.
    december = text_of(client.get("/capacity/picture?month=2026-12"))
    assert "No returns are due for December 2026 yet." in december
    assert "The window for December 2026 opens on 8 December 2026 and closes on" in december
    assert "Not due yet" in december and "Not returned" not in december
    assert "have returned" not in december
    # A month after those offered is offered too, and chosen.
    months = client.get("/capacity/picture?month=2027-01").get_data(as_text=True)
    assert '<option value="2027-01" selected>' in months


def test_the_picture_says_a_window_is_open_while_it_is(as_role, world: World, monkeypatch) -> None:
    november_10th = dt.date(2026, 11, 10)
    monkeypatch.setattr("portal.capacity.picture.today", lambda: november_10th)
    monkeypatch.setattr("portal.capacity.views.today", lambda: november_10th)
    page = text_of(as_role(Role.COMMISSIONER).get("/capacity/picture?month=2026-11"))
    assert "The window for November 2026 is open until 16 November 2026." in page
    assert "Not returned yet" in page


def test_with_no_returns_in_the_last_year_the_picture_opens_on_this_month(world: World) -> None:
    assert capacity_picture().month == dt.date(2026, 11, 1)
