"""Outcome returns in a real browser, as each person works with them: the commissioner opens
a quarter, a provider manager works through the quarter's task list and uploads returns
from a spreadsheet, the council reads Table F and returns a return for correction.

Each test writes its own provider, provider manager and service users into the live
database, so the tests do not depend on each other or on the loop's records. Every page
reached is checked by axe-core and photographed (see pages.py)."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
from flask import Flask
from sqlalchemy import delete, select

from portal.accounts.models import User
from portal.common.dates import financial_quarter_label, quarter_bounds, today
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes import tallies
from portal.outcomes.measures import MEASURES, OUTCOMES, MeasureResult
from portal.outcomes.models import (
    OutcomeAnswer,
    OutcomePairTally,
    OutcomeReturn,
    OutcomeTally,
    PeriodKind,
    ReportingPeriod,
    ReturnStatus,
)
from portal.outcomes.operations import AnswerData, save_answers, submit_return
from portal.outcomes.queries import outcome_period_on
from portal.providers.models import Provider, ServiceUser
from tests.browser.pages import Browser, BrowserFactory
from tests.browser.reflow import assert_reflowed
from tests.browser.server import LiveServer, Seed
from tests.browser.test_loop import fill_date, sign_in, sign_out, table_rows
from tests.factories import PackageLineFactory, ProviderFactory, ServiceUserFactory, UserFactory

pytestmark = pytest.mark.browser


# The live database -----------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: int
    full_name: str  # "Cath Carter"
    listed_as: str  # as the lists show it: "Carter, Cath"
    case_reference: str


@dataclass(frozen=True)
class Team:
    """A strategic-tier provider of the test's own, its manager and the people it supports."""

    provider_id: int
    provider_name: str
    manager_email: str
    people: dict[str, Person]  # by given name


def _app(live_server: LiveServer) -> Flask:
    assert live_server.app is not None
    return live_server.app


TeamMaker = Callable[[str, str, list[tuple[str, str]]], Team]


@pytest.fixture
def make_team(live_server: LiveServer) -> TeamMaker:
    """Writes a team into the live database: ``make_team(provider name, manager's email,
    [(given name, family name), ...])``, each person with a package line since 200 days ago."""

    def _make(provider_name: str, manager_email: str, names: list[tuple[str, str]]) -> Team:
        with _app(live_server).app_context():
            provider = cast(Provider, ProviderFactory(name=provider_name))
            UserFactory(
                roles=[Role.PROVIDER_MANAGER],
                provider_id=provider.id,
                name=manager_email.split("@")[0].replace(".", " ").title(),
                email=manager_email,
            )
            people = {}
            for given, family in names:
                person = cast(
                    ServiceUser,
                    ServiceUserFactory(provider=provider, given_name=given, family_name=family),
                )
                PackageLineFactory(service_user=person)
                db.session.flush()
                people[given] = Person(
                    id=person.id,
                    full_name=f"{given} {family}",
                    listed_as=f"{family}, {given}",
                    case_reference=person.case_reference,
                )
            db.session.commit()
            team = Team(provider.id, provider.name, manager_email, people)
            db.session.remove()
        return team

    return _make


def submit_a_return(
    live_server: LiveServer, team: Team, person: Person, **results: MeasureResult
) -> int:
    """Save and submit the person's return for this quarter through the operations, every
    measure met unless ``results`` says otherwise (keyed like m1_1); returns its id."""
    with _app(live_server).app_context():
        period = outcome_period_on(today())
        assert period is not None
        manager = db.session.scalar(select(User).where(User.email == team.manager_email))
        answers = []
        for measure in MEASURES:
            result = results.get(measure.field_name, MeasureResult.MET)
            answers.append(
                AnswerData(
                    measure=measure.code,
                    result=result,
                    evidence="" if result == MeasureResult.NOT_APPLICABLE else "Seen at review.",
                    not_applicable_reason="Not part of the package."
                    if result == MeasureResult.NOT_APPLICABLE
                    else "",
                )
            )
        outcome_return = save_answers(
            period=period,
            service_user=db.session.get(ServiceUser, person.id),
            answers=answers,
            by=manager,
        )
        submit_return(outcome_return, by=manager)
        db.session.commit()
        return_id = outcome_return.id
        db.session.remove()
    return return_id


def returns_for(live_server: LiveServer, team: Team) -> list[OutcomeReturn]:
    with _app(live_server).app_context():
        found = list(
            db.session.scalars(
                select(OutcomeReturn).where(OutcomeReturn.provider_id == team.provider_id)
            )
        )
        db.session.remove()
    return found


# The pages ------------------------------------------------------------------------------


def this_quarter_label() -> str:
    return financial_quarter_label(quarter_bounds(today())[0])


def signed_in(open_browser: BrowserFactory, name: str, email: str) -> Browser:
    browser = open_browser(name)
    browser.goto("/")
    sign_in(browser, email)
    return browser


def open_this_quarter(browser: Browser) -> None:
    browser.open_from_menu("Outcome returns")
    browser.expect_heading("Outcome returns")
    browser.click_link(this_quarter_label())
    browser.expect_heading(f"Outcome returns for {this_quarter_label()}")


def task_states(browser: Browser) -> dict[str, str]:
    """A return's own task list: each outcome link's words and its status."""
    states = {}
    for item in browser.page.locator(".govuk-task-list__item").all():
        link = item.get_by_role("link").inner_text().strip()
        states[link] = item.locator(".govuk-task-list__status").inner_text().strip()
    return states


def answer_measure(browser: Browser, code: str, result: str, evidence: str = "") -> None:
    page = browser.page
    page.get_by_role("group", name=f"Is measure {code} met?").get_by_label(
        result, exact=True
    ).check()
    if evidence:
        page.get_by_label(f"Evidence for measure {code}", exact=True).fill(evidence)


def error_summary(browser: Browser) -> str:
    summary = browser.page.get_by_role("alert").filter(has_text="There is a problem")
    assert summary.count() == 1, f"no error summary on {browser.page.url}"
    return re.sub(r"\s+", " ", summary.inner_text()).strip()


# 1. The commissioner opens next quarter --------------------------------------------------


def test_a_commissioner_opens_next_quarter(open_browser: BrowserFactory, seed: Seed) -> None:
    start, end = quarter_bounds(quarter_bounds(today())[1] + dt.timedelta(days=1))
    label = financial_quarter_label(start)
    due = end + dt.timedelta(days=14)

    council = signed_in(open_browser, "open-period", seed.emails[Role.COMMISSIONER])
    council.open_from_menu("Outcome returns")
    council.expect_heading("Outcome returns")
    council.click_and_wait(council.page.get_by_role("button", name="Open a reporting period"))
    council.expect_heading("Open a reporting period")
    council.page.get_by_label("Quarter", exact=True).select_option(
        label=f"{label} ({start:%B} to {end:%B %Y})"
    )
    fill_date(council, "When are the returns due?", due)
    council.click_button("Open the period")

    council.expect_heading(f"Outcome returns for {label}")
    assert f"{label} is open for outcome returns" in council.success_banner()
    assert re.search(r"\b0 of \d+ returns owed are in\b", council.text())
    # The quarter has not begun: its returns are not yet open, not missing.
    assert "1 is not yet open" in council.text() or "are not yet open" in council.text()
    progress = table_rows(council, "Returns by provider")
    # Margaret's package runs on into next quarter, so Brightwater owes her return.
    assert [seed.provider_name, "1", "0", "1", "0", "0", "0%"] in progress
    # ... and the rival provider owes Olive's.
    assert [seed.other_provider_name, "1", "0", "1", "0", "0", "0%"] in progress


# 2. A provider manager works through the quarter's task list -----------------------------


def test_a_provider_manager_works_through_the_task_list(
    open_browser: BrowserFactory, live_server: LiveServer, make_team: TeamMaker
) -> None:
    team = make_team(
        "Harbour Lane Care",
        "hana.harbour@harbourlane.example.test",
        [("Bob", "Baker"), ("Cath", "Carter"), ("Dora", "Dunn")],
    )
    bob, cath, dora = (team.people[name] for name in ("Bob", "Cath", "Dora"))
    submit_a_return(live_server, team, bob)

    provider = signed_in(open_browser, "task-list", team.manager_email)
    open_this_quarter(provider)
    page = provider.page
    for count in ("All (3)", "Not started (2)", "In progress (0)", "Submitted (1)"):
        assert count in provider.text()

    # Filter by state, then search within it.
    provider.click_link("Not started (2)")
    people = [row[0] for row in table_rows(provider, re.compile("^People owed an outcome"))]
    assert people == [cath.listed_as, dora.listed_as]
    page.get_by_label("Search by name or case reference").fill("carter")
    provider.click_button("Search")
    assert [row[0] for row in table_rows(provider, re.compile("^People owed an outcome"))] == [
        cath.listed_as
    ]
    assert "Showing 1 to 1 of 1 (not started, matching ‘carter’)." in provider.text()

    # Cath's return: five outcomes, none started.
    provider.click_link(f"Start the return for {cath.full_name}")
    provider.expect_heading(f"Appendix A outcome return, {this_quarter_label()}")
    states = task_states(provider)
    assert list(states) == [f"Outcome {o.number}: {o.text}" for o in OUTCOMES]
    assert set(states.values()) == {"Not started"}

    # Outcome 1 part-way: three of its four measures, then a draft.
    provider.click_link(f"Outcome 1: {OUTCOMES[0].text}")
    provider.expect_heading(OUTCOMES[0].text)
    for measure in OUTCOMES[0].measures[:3]:
        answer_measure(
            provider, measure.code, "Met", f"Cath told us at her review ({measure.code})."
        )
    page.get_by_role("group", name="Evidence sources for measure 1.1").get_by_label(
        "Feedback from the service user"
    ).check()
    provider.click_button("Save as draft")
    provider.expect_heading(f"Appendix A outcome return, {this_quarter_label()}")
    assert "Your answers are saved as a draft" in provider.success_banner()
    states = task_states(provider)
    assert states[f"Outcome 1: {OUTCOMES[0].text}"] == "In progress"
    assert states[f"Outcome 2: {OUTCOMES[1].text}"] == "Not started"
    assert "When all five outcomes are completed" in provider.text()

    # Back to outcome 1: the draft's answers are there; the last measure does not apply.
    provider.click_link(f"Outcome 1: {OUTCOMES[0].text}")
    met_1_1 = page.get_by_role("group", name="Is measure 1.1 met?").get_by_label("Met", exact=True)
    assert met_1_1.is_checked()
    answer_measure(provider, "1.4", "Not applicable")
    page.get_by_label("If measure 1.4 does not apply, why not?").fill(
        "Cath's daughter helps her dress; the package does not cover it."
    )
    provider.click_button("Save and continue")

    # Outcome 2: met without evidence is stopped, then put right.
    provider.expect_heading(OUTCOMES[1].text)
    answer_measure(provider, "2.1", "Met")
    answer_measure(provider, "2.2", "Partly met", "Kitchen kept clean; bathroom needs help.")
    provider.click_button("Save and continue")
    provider.expect_heading(OUTCOMES[1].text)
    assert "Enter the evidence that measure 2.1 is met" in error_summary(provider)
    page.get_by_label("Evidence for measure 2.1", exact=True).fill("Uses her key safe and pendant.")
    provider.click_button("Save and continue")

    for outcome in OUTCOMES[2:]:
        provider.expect_heading(outcome.text)
        for measure in outcome.measures:
            answer_measure(provider, measure.code, "Met", f"Seen at the review ({measure.code}).")
        provider.click_button("Save and continue")

    provider.expect_heading("Check your answers before submitting the return")
    check = provider.text()
    assert "Not applicable Why not: Cath's daughter helps her dress" in check
    assert "Partly met Kitchen kept clean; bathroom needs help." in check
    assert "Feedback from the service user" in check
    provider.click_button("Submit return")

    # Back where the provider was in the list: not started, searching for "carter".
    assert f"Outcome return for {cath.full_name} submitted" in provider.success_banner()
    provider.expect_heading(f"Outcome returns for {this_quarter_label()}")
    assert "Not started (1)" in provider.text()
    assert "Submitted (2)" in provider.text()
    assert page.get_by_label("Search by name or case reference").input_value() == "carter"
    assert "No returns match (not started, matching ‘carter’)." in provider.text()
    assert [r.status.value for r in returns_for(live_server, team)] == ["submitted"] * 2


# 3. Bulk upload from the template --------------------------------------------------------


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as csv_file:
        writer = csv.DictWriter(csv_file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("width", [1280, 320])
def test_a_provider_manager_uploads_returns_from_the_template(
    open_browser: BrowserFactory,
    live_server: LiveServer,
    make_team: TeamMaker,
    tmp_path: Path,
    width: int,
) -> None:
    team = make_team(
        f"Upland Home Care {width}",
        f"uma.upland.{width}@uplandcare.example.test",
        [("Ivy", "Irving"), ("Jack", "Jones")],
    )
    provider = open_browser(f"upload-{width}px", viewport={"width": width, "height": 900})
    provider.goto("/")
    sign_in(provider, team.manager_email)
    if width < 641:  # the design system's tablet breakpoint: the menu is behind its button
        provider.page.get_by_role("button", name="Menu").click()
    open_this_quarter(provider)
    provider.click_link("Upload returns from a file")
    provider.expect_heading(f"Upload outcome returns for {this_quarter_label()}")
    page = provider.page

    # The guidance lists each measure's own sources, in a details component.
    page.get_by_text("Evidence sources for each measure", exact=True).click()
    provider.check_page()
    guide = page.locator("#measure-sources .govuk-summary-list__row").filter(has_text="2.1")
    assert guide.locator("li").all_inner_texts() == [s.label for s in MEASURES[4].sources]
    assert provider.page_width() <= width

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the template (CSV)").click()
    download = download_info.value
    assert download.failure() is None, f"the download failed: {download.failure()}"
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), newline="", encoding="utf-8-sig") as csv_file:
        template = list(csv.DictReader(csv_file))
    people = sorted(team.people.values(), key=lambda p: p.case_reference)
    assert sorted((r["case_reference"], r["name"]) for r in template) == [
        (p.case_reference, p.full_name) for p in people
    ]

    for row in template:
        for measure in MEASURES:
            row[f"{measure.code} result"] = "met"
            row[f"{measure.code} evidence"] = f"Seen at the review ({measure.code})."
        row["1.1 sources"] = "Feedback from the service user; Care reviews that document it"

    # First a file with an empty evidence cell and a source 2.1 does not take: the whole
    # file is refused, each problem naming the row's person and saying how to put it right.
    bad = [dict(row) for row in template]
    bad[1]["2.2 evidence"] = ""
    bad[1]["2.1 sources"] = "Care reviews that document it"
    second = next(p for p in people if p.case_reference == bad[1]["case_reference"])
    who = f"Row 3 ({second.full_name}, {second.case_reference})"
    page.get_by_label("Upload a file").set_input_files(_write_csv(tmp_path / "bad.csv", bad))
    confirm = page.get_by_label(
        "I confirm these returns are correct to the best of my knowledge, and want to submit them"
    )
    confirm.check()
    provider.click_button("Upload and submit")
    provider.expect_heading(f"Upload outcome returns for {this_quarter_label()}")
    assert "The file has 2 problems: nothing has been saved" in error_summary(provider)
    assert table_rows(provider, "Problems in the file") == [
        [
            "3",
            "2.1 sources",
            f"{who}: Measure 2.1’s source “Care reviews that document it” is not one of its "
            "sources: use one or more of Assistive technology referred to the care manager; "
            "Provider surveys of service users; Random survey calls by council staff, "
            "separated by semicolons",
        ],
        ["3", "2.2 evidence", f"{who}: Enter the evidence that measure 2.2 is met"],
    ]
    assert provider.page_width() <= width
    assert returns_for(live_server, team) == []

    # The corrected file.
    page.get_by_label("Upload a file").set_input_files(
        _write_csv(tmp_path / "returns.csv", template)
    )
    confirm.check()
    provider.click_button("Upload and submit")
    provider.expect_heading(f"Outcome returns for {this_quarter_label()}")
    assert "2 returns submitted" in provider.success_banner()
    assert "Submitted (2)" in provider.text()
    saved = returns_for(live_server, team)
    assert sorted(r.status.value for r in saved) == ["submitted", "submitted"]
    assert saved[0].answer_for("1.1").evidence_sources == ["care_reviews", "service_user_feedback"]


# 4. Table F ------------------------------------------------------------------------------


def last_quarter_returns(
    live_server: LiveServer, team: Team, results_1_1: dict[str, MeasureResult]
) -> tuple[int, str]:
    """The quarter before this one, with an accepted return for each named person, every
    measure met but 1.1 as given, counted into Table F as a load would; (its id, its label).
    Written straight into the database, without owed returns or events, so that
    ``forget_last_quarter`` leaves the live database as the other tests expect it."""
    with _app(live_server).app_context():
        this = outcome_period_on(today())
        assert this is not None
        start, end = quarter_bounds(this.start_date - dt.timedelta(days=1))
        previous = ReportingPeriod(
            kind=PeriodKind.OUTCOMES,
            label=financial_quarter_label(start),
            start_date=start,
            end_date=end,
            due_date=end + dt.timedelta(days=14),
        )
        db.session.add(previous)
        db.session.flush()
        for given, result in results_1_1.items():
            db.session.add(
                OutcomeReturn(
                    period_id=previous.id,
                    service_user_id=team.people[given].id,
                    provider_id=team.provider_id,
                    status=ReturnStatus.ACCEPTED,
                    answers=[
                        OutcomeAnswer(
                            measure=m.code,
                            result=result if m.code == "1.1" else MeasureResult.MET,
                            evidence="Seen at review.",
                            evidence_sources=[],
                        )
                        for m in MEASURES
                    ],
                )
            )
        db.session.flush()
        tallies.recount_period(previous.id)
        db.session.commit()
        found = (previous.id, previous.label)
        db.session.remove()
    return found


def forget_last_quarter(live_server: LiveServer, period_id: int) -> None:
    """Take the quarter ``last_quarter_returns`` wrote out again, and its counts."""
    with _app(live_server).app_context():
        following = db.session.scalar(
            select(ReportingPeriod.id)
            .where(
                ReportingPeriod.kind == PeriodKind.OUTCOMES,
                ReportingPeriod.start_date
                > select(ReportingPeriod.start_date)
                .where(ReportingPeriod.id == period_id)
                .scalar_subquery(),
            )
            .order_by(ReportingPeriod.start_date)
            .limit(1)
        )
        returns = select(OutcomeReturn.id).where(OutcomeReturn.period_id == period_id)
        db.session.execute(delete(OutcomeAnswer).where(OutcomeAnswer.return_id.in_(returns)))
        db.session.execute(delete(OutcomeReturn).where(OutcomeReturn.period_id == period_id))
        db.session.execute(delete(OutcomeTally).where(OutcomeTally.period_id == period_id))
        db.session.execute(delete(OutcomePairTally).where(OutcomePairTally.period_id == period_id))
        db.session.execute(delete(ReportingPeriod).where(ReportingPeriod.id == period_id))
        if following is not None:
            tallies.recount_pairs(following)
        db.session.commit()
        db.session.remove()


def test_a_commissioner_reads_and_downloads_table_f(
    open_browser: BrowserFactory, live_server: LiveServer, make_team: TeamMaker, seed: Seed
) -> None:
    team = make_team(
        "Tarn Valley Care",
        "tom.tarn@tarnvalley.example.test",
        [("Kate", "Knight"), ("Len", "Lowe")],
    )
    submit_a_return(live_server, team, team.people["Kate"])
    submit_a_return(
        live_server,
        team,
        team.people["Len"],
        m1_1=MeasureResult.NOT_MET,
        m3_1=MeasureResult.NOT_APPLICABLE,
    )
    label = this_quarter_label()
    # Last quarter Kate had not met 1.1 and Len had: both are the same people this quarter.
    previous_id, previous_label = last_quarter_returns(
        live_server, team, {"Kate": MeasureResult.NOT_MET, "Len": MeasureResult.MET}
    )
    try:
        _read_table_f(open_browser, seed, team, label, previous_label)
    finally:
        forget_last_quarter(live_server, previous_id)


def _read_table_f(
    open_browser: BrowserFactory, seed: Seed, team: Team, label: str, previous_label: str
) -> None:
    council = signed_in(open_browser, "table-f", seed.emails[Role.COMMISSIONER])
    council.open_from_menu("Outcome returns")
    council.click_link(label)
    council.expect_heading(f"Outcome returns for {label}")
    council.click_link(f"Table F: outcomes met in {label}")
    council.expect_heading("Table F: outcomes met")
    caption = re.compile(r"^Outcomes and measures met, ")
    assert len(table_rows(council, caption)) == len(OUTCOMES) + len(MEASURES)

    council.page.get_by_label("Provider", exact=True).select_option(label=team.provider_name)
    council.click_button("Apply filters")
    council.expect_heading("Table F: outcomes met")
    assert "The sample is the 2 returns submitted or accepted" in council.text()
    assert "that match the filters" in council.text()
    # [1] is the bar. Two returns are far fewer than the smallest comparable sample: each
    # sample says so beneath its figure.
    figures = table_rows(council, caption)
    assert all(row[3].endswith("\nSmall sample") for row in figures if row[3] != "0")
    shown = {row[0]: [row[2], row[3].split("\n")[0], row[4]] for row in figures}
    assert shown[f"Outcome 1: {OUTCOMES[0].text}"] == ["1", "2", "50%"]
    assert shown[f"1.1 {MEASURES[0].text}"] == ["1", "2", "50%"]
    assert shown[f"1.2 {MEASURES[1].text}"] == ["2", "2", "100%"]
    assert shown[f"3.1 {OUTCOMES[2].measures[0].text}"] == ["1", "1", "100%"]

    # The filtered download says its filter in its link, its name and its columns.
    with council.page.expect_download() as download_info:
        council.page.get_by_role(
            "link", name=f"Download Table F for provider {team.provider_name} (CSV)"
        ).click()
    download = download_info.value
    assert download.failure() is None, f"the download failed: {download.failure()}"
    words = "-".join(re.findall(r"[a-z0-9]+", f"{label} {team.provider_name}".lower()))
    assert download.suggested_filename == f"table-f-{words}.csv"
    with open(download.path(), newline="", encoding="utf-8") as csv_file:
        rows = {row["code"]: row for row in csv.DictReader(csv_file)}
    assert list(rows) == [
        c for o in OUTCOMES for c in [str(o.number), *(m.code for m in o.measures)]
    ]
    assert rows["1"]["outcome_or_measure"] == OUTCOMES[0].text
    assert (rows["1.1"]["met"], rows["1.1"]["sample"], rows["1.1"]["percent_met"]) == (
        "1",
        "2",
        "50",
    )
    assert rows["1.1"]["small_sample"] == "yes"
    assert {row["filter_provider"] for row in rows.values()} == {team.provider_name}
    assert (rows["3"]["met"], rows["3"]["sample"]) == ("1", "1")
    assert {row["period"] for row in rows.values()} == {label}
    assert [
        rows["1.1"][f"same_people{column}"]
        for column in ("", "_previous_percent_met", "_percent_met", "_improved", "_declined")
    ] == ["2", "50", "50", "1", "1"]

    # The same two people in both quarters: 1.1 improved for Kate and declined for Len.
    assert "The same people as last quarter" in council.text()
    assert (
        f"This one follows only the 2 people with a return submitted or accepted in both "
        f"{previous_label} and {label} that match the filters"
    ) in council.text()
    same = (
        f"The same people in {previous_label} and {label}: share meeting each outcome and measure"
    )
    paired = {row[0]: row[1:] for row in table_rows(council, same)}
    assert len(paired) == len(OUTCOMES) + len(MEASURES)
    too_small = ["2\nSmall sample", "50%", "50%", "Too small to compare", "1", "1"]
    assert paired[f"Outcome 1: {OUTCOMES[0].text}"] == too_small
    assert paired[f"1.1 {MEASURES[0].text}"] == too_small
    assert paired[f"1.2 {MEASURES[1].text}"] == [
        "2\nSmall sample",
        "100%",
        "100%",
        "Too small to compare",
        "0",
        "0",
    ]
    assert paired[f"3.1 {OUTCOMES[2].measures[0].text}"][:3] == ["1\nSmall sample", "100%", "100%"]

    # On a phone's screen both tables scroll inside their own regions, not the page.
    narrow = open_browser("table-f-narrow", viewport={"width": 320, "height": 640})
    narrow.goto("/")
    sign_in(narrow, seed.emails[Role.COMMISSIONER])
    narrow.goto(council.page.url)
    narrow.expect_heading("Table F: outcomes met")
    assert len(table_rows(narrow, same)) == len(OUTCOMES) + len(MEASURES)
    assert narrow.page_width() <= 320


# 5. The council returns a return for correction ------------------------------------------


def test_a_care_manager_returns_a_return_for_correction(
    open_browser: BrowserFactory, live_server: LiveServer, make_team: TeamMaker, seed: Seed
) -> None:
    team = make_team("Riverside Carers", "rita.river@riverside.example.test", [("Mia", "Moss")])
    mia = team.people["Mia"]
    submit_a_return(live_server, team, mia)
    label = this_quarter_label()
    reason = "Measure 1.2's evidence is about a different person: check and send again."

    council = signed_in(open_browser, "review-return", seed.emails[Role.CARE_MANAGER])
    council.open_from_menu("Service users")
    council.page.get_by_label("Search by name, case reference or NHS number").fill("Moss")
    council.click_button("Search")
    council.click_link(mia.listed_as)
    council.expect_heading(mia.full_name)
    council.click_link(label)
    council.expect_heading(f"Outcome return, {label}")
    assert "Status Submitted" in council.text()

    page = council.page
    page.get_by_label("Return it for correction").check()
    council.click_button("Confirm")
    assert "Enter what the provider needs to correct" in error_summary(council)
    page.get_by_label("If you return it: what needs correcting").fill(reason)
    council.click_button("Confirm")
    council.expect_heading(f"Outcome return, {label}")
    assert "Return sent back to the provider for correction" in council.success_banner()
    assert "Status Returned for correction" in council.text()
    assert page.get_by_role("button", name="Confirm").count() == 0
    sign_out(council)

    provider = signed_in(open_browser, "review-return-provider", team.manager_email)
    open_this_quarter(provider)
    assert "Returned for correction (1)" in provider.text()
    provider.click_link(f"Correct the return for {mia.full_name}")
    provider.expect_heading(f"Appendix A outcome return, {label}")
    assert f"The council returned this for correction: {reason}" in provider.text()
    # Every outcome is still answered: the provider changes what is wrong and submits again.
    assert set(task_states(provider).values()) == {"Completed"}
    assert provider.page.get_by_role("button", name="Check answers and submit").is_visible()


def test_returns_progress_opens_on_a_providers_people(
    open_browser: BrowserFactory, seed: Seed
) -> None:
    """The commissioner's returns progress, with a quarter under way: nothing is called
    missing before the due date, and a provider's name opens its people, at 1280 and at
    320 pixels."""
    for name, viewport in (("progress", None), ("progress-narrow", {"width": 320, "height": 640})):
        council = open_browser(name, **({"viewport": viewport} if viewport else {}))
        council.goto("/")
        sign_in(council, seed.emails[Role.COMMISSIONER])
        council.goto("/outcome-periods")  # on a phone the menu is folded away
        council.click_link(this_quarter_label())
        assert re.search(r"returns owed (is|are) in; \d+ (is|are) not yet due", council.text())
        assert "Missing" not in council.text()
        progress = table_rows(council, "Returns by provider")
        assert any(row[0] == seed.provider_name for row in progress)
        if viewport:  # each provider a block of its own, every figure beside its heading
            assert_reflowed(council, "Returns by provider", width=320)
        council.click_link(seed.provider_name)
        council.expect_heading(f"Outcome returns for {this_quarter_label()}")
        people = table_rows(council, "People owed a return")
        assert people and all(row[1] for row in people)
        # Earlier tests may have handed in every return: whatever is still out is not
        # called missing before the due date.
        assert not any("Missing" in row[1] for row in people)
        if viewport:
            assert council.page_width() <= 320
