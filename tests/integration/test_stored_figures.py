"""The dashboard's kept figures: each month that is over is counted once by the nightly
refresh and read back after, and whatever changes what a month was counted from forgets it
in the same transaction, so what commissioners see always equals a count made afresh."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.common import stored_figures
from portal.common.dates import FinancialYear, today
from portal.common.models import clock_at
from portal.common.roles import Role
from portal.common.stored_figures import StoredFigure
from portal.extensions import db
from portal.providers import operations as register
from portal.providers.enums import ContractType
from portal.providers.equalities import Sex
from portal.recommendations import operations as recommendations
from portal.reports import dashboard, stored
from portal.reports.sections import Section, Span
from portal.reports.stored import Window
from tests.factories import PackageLineFactory, ServiceUserFactory
from tests.fixtures import World
from tests.integration.caseload_files import apply_changes, person_row
from tests.integration.records import submitted_reduction, submitted_return

THIS_YEAR = FinancialYear.containing(today())
LAST_YEAR = FinancialYear(THIS_YEAR.start_year - 1)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[Window]:
    """Every window a figure is counted for rather than read back, as it happens."""
    seen: list[Window] = []
    for name, figure in list(stored.FIGURES.items()):

        def spy(windows: Any, count: Any = figure.count) -> Any:
            seen.extend(windows)
            return count(windows)

        monkeypatch.setitem(stored.FIGURES, name, dataclasses.replace(figure, count=spy))
    return seen


def _afresh(span: Span) -> list[Section]:
    """The span's sections with nothing kept: every figure counted now."""
    saved = db.session.begin_nested()
    stored_figures.forget_everything()
    sections = dashboard.sections(span)
    saved.rollback()
    return sections


def _kept_months(topic: str) -> set[dt.date]:
    return set(db.session.scalars(select(StoredFigure.month).where(StoredFigure.topic == topic)))


def _people_in(sections: list[Section], month: dt.date) -> int:
    table_b = next(s for s in sections if s.key == "people-supported").table
    row = next(r for r in table_b.rows if r[0].text == f"{month:%B}")
    return int(str(row[1].value))


@pytest.fixture
def history(world: World) -> World:
    """Lines through last year and this one: some ended, a double-handed one, a late one."""
    start = LAST_YEAR.first_day
    for n in range(12):
        person = ServiceUserFactory(provider=world.provider)
        PackageLineFactory(
            service_user=person,
            start_date=start + dt.timedelta(days=29 * n),
            end_date=None if n % 3 else start + dt.timedelta(days=29 * n + 70),
            carers_per_call=2 if n == 5 else 1,
        )
    db.session.flush()
    return world


def test_a_year_that_is_over_is_read_from_what_was_kept_and_equals_a_count_afresh(
    history: World, counted: list[Window]
) -> None:
    stored.refresh()
    counted.clear()
    sections = dashboard.sections(Span(LAST_YEAR))
    assert counted == []  # nothing counted: every figure read back
    assert sections == _afresh(Span(LAST_YEAR))
    assert _people_in(sections, LAST_YEAR.first_day) > 0


def test_the_month_still_running_is_counted_as_it_is_read_and_never_kept(
    history: World, counted: list[Window]
) -> None:
    stored.refresh()
    kept = db.session.scalar(select(func.count(StoredFigure.id)))
    counted.clear()
    sections = dashboard.sections(Span(THIS_YEAR))
    assert counted and not any(stored.keepable(window) for window in counted)
    assert today().replace(day=1) in {window.first for window in counted}
    assert db.session.scalar(select(func.count(StoredFigure.id))) == kept  # reading keeps nothing
    assert sections == _afresh(Span(THIS_YEAR))


def test_an_import_forgets_the_months_from_the_line_it_starts_and_the_page_agrees(
    history: World, counted: list[Window]
) -> None:
    stored.refresh()
    started = LAST_YEAR.first_day + dt.timedelta(days=100)  # in July
    person = ServiceUserFactory(provider=history.provider)
    row = person_row(
        person.case_reference,
        history.provider.supplier_reference,
        "NEW-1",
        given_name=person.given_name,
        family_name=person.family_name,
        start_date=started.isoformat(),
    )
    before = _people_in(dashboard.sections(Span(LAST_YEAR)), started.replace(day=1))
    apply_changes([row])
    kept = _kept_months(stored_figures.PACKAGES)
    assert started.replace(day=1) not in kept and LAST_YEAR.first_day in kept
    assert not any(month > started for month in kept)
    sections = dashboard.sections(Span(LAST_YEAR))
    assert _people_in(sections, started.replace(day=1)) == before + 1
    assert sections == _afresh(Span(LAST_YEAR))
    # The nightly refresh keeps them again, counting only what was forgotten.
    counted.clear()
    stored.refresh()
    assert counted and min(window.first for window in counted) >= started.replace(day=1)


def test_an_approved_reduction_forgets_the_months_from_its_start(history: World) -> None:
    stored.refresh()
    decided = dt.datetime.combine(today() - dt.timedelta(days=60), dt.time(12), tzinfo=dt.UTC)
    start = decided.date() + dt.timedelta(days=7)  # in a month that is over by now
    with clock_at(decided):
        reduction = submitted_reduction(history, history.person)
        recommendations.approve(reduction, by=history.users[Role.CARE_MANAGER], start_date=start)
    kept = _kept_months(stored_figures.PACKAGES)
    assert not any(month >= start.replace(day=1) for month in kept)
    assert LAST_YEAR.first_day in kept
    assert dashboard.sections(Span(THIS_YEAR)) == _afresh(Span(THIS_YEAR))


def test_a_new_contract_in_the_register_forgets_the_months_from_the_day_it_took_effect(
    history: World,
) -> None:
    stored.refresh()
    took_effect = LAST_YEAR.first_day + dt.timedelta(days=200)
    register.change_contract(
        history.provider,
        ContractType.FRAMEWORK,
        None,
        on=took_effect,
        reason="Moved to the framework",
        by=history.users[Role.COMMISSIONER],
    )
    kept = _kept_months(stored_figures.PACKAGES)
    assert not any(month >= took_effect.replace(day=1) for month in kept)
    sections = dashboard.sections(Span(LAST_YEAR))
    assert sections == _afresh(Span(LAST_YEAR))
    table_e = next(s for s in sections if s.key == "contract-types").table
    assert table_e.rows[-1][2].value == table_e.rows[-1][5].value  # all with the framework


def test_a_return_handed_in_forgets_its_own_quarter_only(history: World) -> None:
    stored.refresh()
    assert _kept_months(stored_figures.OUTCOMES) == {history.period.start_date}
    submitted_return(history, history.person)
    assert _kept_months(stored_figures.OUTCOMES) == set()
    assert _kept_months(stored_figures.PACKAGES)  # the package figures stay kept
    sections = dashboard.sections(Span(THIS_YEAR))
    assert sections == _afresh(Span(THIS_YEAR))
    by_sex = next(s for s in sections if s.key == "equalities-sex").table
    assert by_sex.rows[-1][3].text == "Fewer than 10"  # the one return handed in


def test_an_import_that_changes_a_person_s_sex_forgets_the_outcomes_by_group(
    history: World,
) -> None:
    submitted_return(history, history.person)
    stored.refresh()
    person = history.person
    changed = "male" if person.sex != Sex.MALE else "female"
    row = person_row(
        person.case_reference,
        history.provider.supplier_reference,
        history.line.case_system_line_id or "L1",
        given_name=person.given_name,
        family_name=person.family_name,
        sex=changed,
    )
    apply_changes([row])
    assert _kept_months(stored_figures.OUTCOMES) == set()
    assert dashboard.sections(Span(THIS_YEAR)) == _afresh(Span(THIS_YEAR))


def test_the_nightly_command_keeps_what_is_not_kept_and_then_has_nothing_to_do(
    app: Flask, history: World
) -> None:
    first = app.test_cli_runner().invoke(args=["reports", "refresh"])
    assert first.exit_code == 0, first.output
    assert "Months counted and kept: 0" not in first.output
    again = app.test_cli_runner().invoke(args=["reports", "refresh"])
    assert "Months counted and kept: 0 " in again.output
    everything = app.test_cli_runner().invoke(args=["reports", "refresh", "--all"])
    assert everything.exit_code == 0 and "kept: 0 " not in everything.output
