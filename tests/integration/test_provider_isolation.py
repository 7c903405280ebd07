"""A provider manager reaches only their own provider's records: anything else is a 404,
as if it did not exist."""

from __future__ import annotations

from portal.common.roles import Role
from portal.extensions import db
from tests.client import text_of
from tests.fixtures import World
from tests.integration.helpers import outcome_page_form, reduction_form
from tests.integration.records import every_stage


def test_another_providers_records_are_not_found(as_role, world: World) -> None:
    stages = every_stage(world)
    db.session.commit()
    client = as_role(Role.PROVIDER_MANAGER)
    other = world.other_person
    for url in (
        f"/service-users/{other.id}",
        f"/service-users/{other.id}/outcome-returns/{world.period.id}",
        f"/service-users/{other.id}/outcome-returns/{world.period.id}/outcomes/1",
        f"/service-users/{other.id}/recommendations/new",
        f"/outcome-returns/{stages.other_return.id}",
        f"/outcome-returns/{stages.other_return.id}/check",
        f"/recommendations/{stages.other_recommendation.id}",
        f"/recommendations/{stages.other_recommendation.id}/check",
    ):
        assert client.get(url).status_code == 404, url

    # Writing by URL is refused in the same way and changes nothing.
    assert (
        client.post(
            f"/service-users/{other.id}/outcome-returns/{world.period.id}/outcomes/1",
            data=outcome_page_form(1),
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/service-users/{other.id}/recommendations/new", data=reduction_form()
        ).status_code
        == 404
    )


def test_a_provider_sees_only_their_own_people_in_lists(as_role, world: World) -> None:
    page = text_of(as_role(Role.PROVIDER_MANAGER).get("/service-users"))
    assert "Able, Margaret" in page
    assert "Other, Olive" not in page
    assert "Showing 1 to 1 of 1 person" in page


def test_council_care_managers_see_every_provider(as_role, world: World) -> None:
    page = text_of(as_role(Role.CARE_MANAGER).get("/service-users"))
    assert "Able, Margaret" in page and "Other, Olive" in page
    assert (
        as_role(Role.CARE_MANAGER).get(f"/service-users/{world.other_person.id}").status_code == 200
    )


def test_search_finds_people_by_name_or_case_reference(as_role, world: World) -> None:
    client = as_role(Role.CARE_MANAGER)
    assert "Able, Margaret" in text_of(client.get("/service-users?q=margaret"))
    by_reference = text_of(client.get(f"/service-users?q={world.other_person.case_reference}"))
    assert "Other, Olive" in by_reference and "Able, Margaret" not in by_reference
    assert "No service users match ‘nobody’" in text_of(client.get("/service-users?q=nobody"))
