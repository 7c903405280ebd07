"""The care manager's worklists: the queue marks (and filters) the recommendations the
provider answered since they were asked; "Decided by you" lists the care manager's own
decisions, filtered by decision and date, each linking to the recommendation; names in the
lists link to the pages the viewer may open."""

from __future__ import annotations

import datetime as dt
import re

from portal.common.dates import format_date, today
from portal.common.roles import Role
from portal.extensions import db
from portal.recommendations import operations
from tests.client import text_of
from tests.factories import UserFactory
from tests.fixtures import World, sign_in
from tests.integration.helpers import date_parts
from tests.integration.records import submitted_reduction, submitted_return


def _answered(world: World):
    recommendation = submitted_reduction(world, world.person)
    operations.request_information(
        recommendation, by=world.users[Role.CARE_MANAGER], question="Who fitted the rails?"
    )
    operations.answer_information_request(
        recommendation, by=world.users[Role.PROVIDER_MANAGER], answer="Our handyperson."
    )
    return recommendation


def test_the_queue_marks_and_filters_what_came_back_answered(client, world: World) -> None:
    _answered(world)
    submitted_reduction(world, world.other_person)  # never asked
    db.session.commit()
    sign_in(client, world.users[Role.CARE_MANAGER])
    queue = text_of(client.get("/review"))
    assert "Margaret Able T" in queue  # the case reference follows the name
    assert re.search(r"Margaret Able T\d+ Answered", queue)
    assert not re.search(r"Olive Other T\d+ Answered", queue)

    answered = text_of(client.get("/review?state=answered"))
    assert "1 recommendation answered by the provider and awaiting a decision" in answered
    assert "Margaret Able" in answered
    assert "Olive Other" not in answered


def test_asked_again_it_is_waiting_not_answered(client, world: World) -> None:
    recommendation = _answered(world)
    operations.request_information(
        recommendation, by=world.users[Role.CARE_MANAGER], question="And when?"
    )
    db.session.commit()
    sign_in(client, world.users[Role.CARE_MANAGER])
    assert "No recommendations answered by a provider are awaiting a decision" in text_of(
        client.get("/review?state=answered")
    )
    assert "Answered" not in text_of(client.get("/review?state=waiting")).split("Change")[-1]


def test_the_queue_links_each_provider_to_its_page(client, world: World) -> None:
    submitted_reduction(world, world.person)
    db.session.commit()
    sign_in(client, world.users[Role.CARE_MANAGER])
    html = client.get("/review").get_data(as_text=True)
    assert f'<a class="govuk-link" href="/providers/{world.provider.id}">' in html
    assert client.get(f"/providers/{world.provider.id}").status_code == 200


def _decide_both(world: World):
    approved = submitted_reduction(world, world.person)
    rejected = submitted_reduction(world, world.other_person)
    care_manager = world.users[Role.CARE_MANAGER]
    operations.approve(approved, by=care_manager, start_date=approved.proposed_start_date)
    operations.reject(rejected, by=care_manager, reason="Not yet.")
    return approved, rejected


def test_decided_by_you_lists_your_decisions_newest_first(client, world: World) -> None:
    approved, rejected = _decide_both(world)
    approved.decided_at -= dt.timedelta(days=3)  # type: ignore[operator]
    db.session.commit()
    sign_in(client, world.users[Role.CARE_MANAGER])
    assert 'href="/review/decided"' in client.get("/review").get_data(as_text=True)
    response = client.get("/review/decided")
    page = text_of(response)
    assert "Showing 1 to 2 of 2 decisions" in page
    assert page.index("Olive Other") < page.index("Margaret Able")
    html = response.get_data(as_text=True)
    assert f'href="/recommendations/{approved.id}"' in html
    assert f'href="/recommendations/{rejected.id}"' in html

    only_approved = text_of(client.get("/review/decided?outcome=approved"))
    assert "Margaret Able" in only_approved and "Olive Other" not in only_approved

    day = today() - dt.timedelta(days=1)
    recent = text_of(client.get("/review/decided", query_string={"decided_from": date_parts(day)}))
    assert "Olive Other" in recent and "Margaret Able" not in recent


def test_decided_by_you_is_only_yours(client, world: World) -> None:
    _decide_both(world)
    someone_else = UserFactory(roles=[Role.CARE_MANAGER], name="Second Caremanager")
    db.session.commit()
    sign_in(client, someone_else)
    year_ago = format_date(today() - dt.timedelta(days=365))
    assert f"You have not decided any recommendations since {year_ago}" in text_of(
        client.get("/review/decided")
    )


def test_decided_by_you_shows_the_last_year_unless_asked_for_earlier(client, world: World) -> None:
    """Without a start date the list is the last 12 months', so it costs the same however
    long the care manager's history; an earlier decision is there by choosing a date."""
    approved, _rejected = _decide_both(world)
    approved.decided_at -= dt.timedelta(days=400)  # type: ignore[operator]
    db.session.commit()
    sign_in(client, world.users[Role.CARE_MANAGER])
    page = text_of(client.get("/review/decided"))
    year_ago = format_date(today() - dt.timedelta(days=365))
    assert f"Showing 1 to 1 of 1 decision since {year_ago}." in page
    assert "Olive Other" in page and "Margaret Able" not in page
    assert "To see earlier decisions, enter a date in “Decided from”" in page
    since = today() - dt.timedelta(days=500)
    earlier = text_of(
        client.get("/review/decided", query_string={"decided_from": date_parts(since)})
    )
    assert "Showing 1 to 2 of 2 decisions." in earlier
    assert "Margaret Able" in earlier and "To see earlier decisions" not in earlier


def test_decided_by_you_says_what_is_wrong_with_a_date(client, world: World) -> None:
    _decide_both(world)
    db.session.commit()
    sign_in(client, world.users[Role.CARE_MANAGER])
    page = text_of(
        client.get(
            "/review/decided",
            query_string={
                "decided_from": date_parts(today()),
                "decided_to": date_parts(today() - dt.timedelta(days=1)),
            },
        )
    )
    assert "There is a problem" in page
    assert "Decided to must be the same as or after decided from" in page
    assert "Showing 1 to 2 of 2 decisions" in page  # the refused date filters nothing


def test_other_roles_cannot_see_decided_by_you(client, world: World) -> None:
    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    assert client.get("/review/decided").status_code in (403, 404)


def test_decided_by_you_keeps_its_date_filter_from_page_to_page(
    client, world: World, monkeypatch
) -> None:
    approved, _ = _decide_both(world)
    approved.decided_at -= dt.timedelta(days=3)  # type: ignore[operator]
    db.session.commit()
    monkeypatch.setitem(client.application.config, "PAGE_SIZE", 1)
    sign_in(client, world.users[Role.CARE_MANAGER])
    since = today() - dt.timedelta(days=5)
    first = client.get("/review/decided", query_string={"decided_from": date_parts(since)})
    assert "Showing 1 to 1 of 2 decisions" in text_of(first)
    found = re.search(
        r'<a class="govuk-link govuk-pagination__link" href="([^"]+)" rel="next"',
        first.get_data(as_text=True),
    )
    assert found, "no link to the next page"
    following = found.group(1).replace("&amp;", "&")
    assert following.count("decided_from=") == 3  # its day, month and year
    second = text_of(client.get(following))
    assert "There is a problem" not in second
    assert "Showing 2 to 2 of 2 decisions" in second
    assert "Margaret Able" in second


def test_the_quarters_task_list_links_each_person_to_their_page(client, world: World) -> None:
    submitted_return(world, world.person)
    db.session.commit()
    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    html = client.get(f"/outcome-periods/{world.period.id}").get_data(as_text=True)
    assert (
        f'<a class="govuk-link" href="/service-users/{world.person.id}">Able, Margaret</a>' in html
    )
    assert f"/service-users/{world.other_person.id}" not in html  # another provider's person
    assert client.get(f"/service-users/{world.person.id}").status_code == 200


def test_the_commissioners_provider_list_links_each_provider(client, world: World) -> None:
    sign_in(client, world.users[Role.COMMISSIONER])
    html = client.get("/providers").get_data(as_text=True)
    for provider in (world.provider, world.other_provider):
        assert f'href="/providers/{provider.id}">{provider.name}</a>' in html
        assert client.get(f"/providers/{provider.id}").status_code == 200
