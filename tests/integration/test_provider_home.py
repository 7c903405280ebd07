"""A provider manager's home page: what the provider owes, each line with its count, its
deadline in words and a link straight to the work; what comes next when nothing is owed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import html5lib
import pytest

from portal.capacity.models import CapacityKind, CapacityReturn
from portal.common.dates import today
from portal.common.models import utcnow
from portal.common.roles import Role
from portal.common.statements import recorded_statements
from portal.extensions import db
from portal.outcomes.models import MeasureResult
from portal.outcomes.operations import AnswerData, return_for_correction, save_answers
from portal.recommendations.models import RecommendationStatus
from tests.client import text_of
from tests.factories import PackageLineFactory, ServiceUserFactory
from tests.fixtures import World, sign_in
from tests.integration.records import drafted_reduction, submitted_reduction, submitted_return

NEEDS = "portal.casework.needs.today"


def _lines(response: Any) -> dict[str, tuple[str, str, str]]:
    """Each line of the task list: its words -> (link, hint, status)."""
    tree = html5lib.parse(response.get_data(as_text=True), namespaceHTMLElements=False)
    found = {}
    for item in tree.iter("li"):
        if "govuk-task-list__item" not in item.get("class", ""):
            continue
        link = next(a for a in item.iter("a"))
        hint = next(
            (d for d in item.iter("div") if "govuk-task-list__hint" in d.get("class", "")), None
        )
        status = next(
            d for d in item.iter("div") if "govuk-task-list__status" in d.get("class", "")
        )
        found["".join(link.itertext()).strip()] = (
            link.get("href"),
            "".join(hint.itertext()).strip() if hint is not None else "",
            " ".join("".join(status.itertext()).split()),
        )
    return found


def _people(world: World, count: int) -> list[Any]:
    people = [ServiceUserFactory(provider=world.provider) for _ in range(count)]
    for person in people:
        PackageLineFactory(service_user=person)
    return people


def _draft(world: World, person: Any) -> None:
    save_answers(
        period=world.period,
        service_user=person,
        answers=[AnswerData(measure="1.1", result=MeasureResult.MET, evidence="At review.")],
        by=world.users[Role.PROVIDER_MANAGER],
    )


def _capacity_sent(world: World, month: dt.date) -> None:
    db.session.add(
        CapacityReturn(
            provider_id=world.provider.id,
            month=month,
            kind=CapacityKind.NIL,
            submitted_at=utcnow(),
            submitted_by_id=world.users[Role.PROVIDER_MANAGER].id,
        )
    )


def test_returns_owed_are_counted_by_state_with_the_quarters_deadline(
    client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Margaret and four more people are owed returns: one draft, one returned, one handed
    # in, two not started.
    draft, returned, handed_in, _ = _people(world, 4)
    _draft(world, draft)
    return_for_correction(
        submitted_return(world, returned),
        by=world.users[Role.COMMISSIONER],
        reason="Evidence for 2.1 is missing.",
    )
    submitted_return(world, handed_in)
    db.session.commit()
    due = world.period.due_date
    monkeypatch.setattr(NEEDS, lambda: due - dt.timedelta(days=40))
    sign_in(client, world.users[Role.PROVIDER_MANAGER])

    lines = _lines(client.get("/what-needs-you"))
    period = world.period.id
    assert lines["2 outcome returns not started"] == (
        f"/outcome-periods/{period}?state=not_started",
        f"{world.period.label}, due by {due.day} {due:%B %Y}",
        "Due in 40 days",
    )
    assert (
        lines["1 outcome return draft to finish and send"][0]
        == f"/outcome-periods/{period}?state=draft"
    )
    assert (
        lines["1 outcome return returned to you for correction"][0]
        == f"/outcome-periods/{period}?state=returned"
    )
    # Each link opens the task list showing just those people.
    listed = text_of(client.get(lines["1 outcome return returned to you for correction"][0]))
    assert returned.family_name in listed and draft.family_name not in listed

    monkeypatch.setattr(NEEDS, lambda: due + dt.timedelta(days=1))
    hint, status = _lines(client.get("/what-needs-you"))["2 outcome returns not started"][1:]
    assert hint.endswith(f"overdue since {due.day} {due:%B %Y}") and status == "Overdue"


@pytest.mark.parametrize(
    ("day", "hint", "status"),
    [
        (
            dt.date(2026, 11, 5),
            "Window opens 8 November, due by 16 November 2026",
            "Opens in 3 days",
        ),
        (
            dt.date(2026, 11, 13),
            "Due by 16 November 2026, the window closes in 3 days",
            "Due in 3 days",
        ),
        (dt.date(2026, 11, 17), "Overdue since 16 November 2026", "Overdue"),
    ],
)
def test_the_capacity_return_shows_its_window(
    as_role, monkeypatch: pytest.MonkeyPatch, day: dt.date, hint: str, status: str
) -> None:
    monkeypatch.setattr(NEEDS, lambda: day)
    lines = _lines(as_role(Role.PROVIDER_MANAGER).get("/what-needs-you"))
    assert lines["Capacity return for November 2026"] == ("/capacity/2026/11", hint, status)


def test_questions_and_unsent_drafts_link_to_those_recommendations(as_role, world: World) -> None:
    asked = submitted_reduction(world, world.person)
    asked.status = RecommendationStatus.MORE_INFORMATION
    other = _people(world, 1)[0]
    draft = drafted_reduction(world, other)
    db.session.commit()
    client = as_role(Role.PROVIDER_MANAGER)

    lines = _lines(client.get("/what-needs-you"))
    questions = lines["1 recommendation where the council needs more information from you"]
    assert questions[0] == "/recommendations?status=more_information"
    assert questions[2] == "To answer"
    drafts = lines["1 recommendation draft not yet sent"]
    assert drafts[0] == "/recommendations?status=draft"
    assert drafts[1] == f"The oldest saved on {today().day} {today():%B %Y}"

    answering = text_of(client.get(questions[0]))
    assert world.person.family_name in answering and other.family_name not in answering
    unsent = client.get(drafts[0])
    assert f"/recommendations/{draft.id}/check" in unsent.get_data(as_text=True)
    assert "Not sent" in text_of(unsent) and world.person.family_name not in text_of(unsent)


def test_with_nothing_owed_the_page_says_what_comes_next(
    as_role, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    submitted_return(world, world.person)
    _capacity_sent(world, dt.date(2026, 12, 1))
    db.session.commit()
    monkeypatch.setattr(NEEDS, lambda: dt.date(2026, 12, 10))
    page = as_role(Role.PROVIDER_MANAGER).get("/what-needs-you")
    assert _lines(page) == {}
    words = text_of(page)
    assert "Nothing needs you at the moment" in words and "Nothing waiting" not in words
    assert (
        "The capacity return for January 2027: its window opens on 8 January 2027 and "
        "closes on 14 January 2027."
    ) in words
    end = world.period.end_date
    assert "Outcome returns for Q" in words and f"after {end:%B %Y}" not in words
    assert "once the council opens the quarter" in words


def test_every_role_lands_on_what_needs_you(client, world: World) -> None:
    for role in (Role.PROVIDER_MANAGER, Role.CARE_MANAGER, Role.FINANCE_OFFICER):
        sign_in(client, world.users[role])
        assert client.get("/").location == "/what-needs-you"
        client.post("/sign-out")


def test_the_counts_take_one_statement_however_much_is_owed(
    as_role, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No statement per person, return or recommendation: the page's statements with one
    person owed are its statements with twelve more, drafts and questions among them."""
    monkeypatch.setattr(NEEDS, lambda: dt.date(2026, 11, 10))
    client = as_role(Role.PROVIDER_MANAGER)

    def statements() -> int:
        with recorded_statements() as run:
            assert client.get("/what-needs-you").status_code == 200
        return len(run)

    few = statements()
    people = _people(world, 12)
    for person in people[:4]:
        _draft(world, person)
    for person in people[4:6]:
        drafted_reduction(world, person)
    db.session.commit()
    assert statements() == few
