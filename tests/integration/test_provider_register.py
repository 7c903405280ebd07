"""The provider register kept by commissioners: adding a provider, each dated change
(checked before it is made), the history on the provider's page, who may see and change it,
and the audit trail."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.common.dates import today
from portal.common.roles import Role
from portal.extensions import db
from portal.providers.enums import (
    CareCategory,
    CqcRating,
    ProviderStatus,
    QafLevel,
    RegisterFact,
)
from portal.providers.models import Provider, ProviderCategory, ProviderChange
from portal.providers.operations import change_flag
from portal.providers.queries import status_on
from tests.client import text_of
from tests.fixtures import World, sign_in
from tests.integration.helpers import date_parts, new_provider_form


def _changes(provider: Provider) -> list[tuple[RegisterFact, str | None, str | None]]:
    return [
        (c.fact, c.value_before, c.value_after)
        for c in db.session.scalars(
            select(ProviderChange)
            .where(ProviderChange.provider_id == provider.id)
            .order_by(ProviderChange.id)
        )
    ]


def _actions(provider: Provider) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "providers", AuditEvent.entity_id == provider.id)
            .order_by(AuditEvent.id)
        )
    )


def _change(client: Any, url: str, data: dict[str, Any]) -> Any:
    """Send a change's form, check the page it shows, then confirm it."""
    check = client.post(url, data=data)
    assert check.status_code == 200
    assert "Check the change to" in text_of(check)
    return client.post(url, data={**data, "confirmed": "yes"})


def test_a_commissioner_adds_a_provider_and_sees_its_page(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    listing = text_of(client.get("/providers"))
    assert "Add a provider" in listing

    response = client.post("/providers/new", data=new_provider_form())
    assert response.status_code == 302
    provider = db.session.scalar(select(Provider).where(Provider.name == "Harbour Lights Care"))
    assert provider is not None
    assert response.location == f"/providers/{provider.id}"
    assert provider.supplier_reference == "SUP-20417"
    assert provider.cqc_location_id == "1-123456789"
    assert provider.status == ProviderStatus.ACTIVE and provider.status_since == today()
    assert provider.cqc_rated_on == dt.date(2025, 3, 4)
    assert provider.qaf_level == QafLevel.B and provider.qaf_assessed_on == dt.date(2026, 1, 14)
    assert [c.value for c in provider.categories] == ["palliative", "standard_adult"]
    assert _changes(provider) == [
        (RegisterFact.REGISTERED, None, "Harbour Lights Care"),
        (RegisterFact.STATUS, None, "active"),
    ]
    assert _actions(provider) == ["provider.created"]

    page = text_of(client.get(response.location))
    assert "Harbour Lights Care added to the register" in page
    assert "CQC rating Good, rated 4 March 2025" in page
    assert "QAF level B Good, assessed 14 January 2026" in page
    assert "Care categories Palliative and end of life Standard adult" in page
    assert "Contract type Patch, West quadrant" in page
    assert "CQC location ID 1-123456789" in page
    assert "Status Active since " + today().strftime("%-d %B %Y") in page
    assert "Added to the register" in page and "Cora Commissioner" in page
    # The list links to the page.
    assert f'href="/providers/{provider.id}"' in client.get("/providers").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Enter the provider’s name"),
        ({"cqc_location_id": "123456789"}, "Enter the CQC location ID as the CQC writes it"),
        ({"cqc_location_id": "1-12345"}, "Enter the CQC location ID as the CQC writes it"),
        ({"quadrant": ""}, "Select the quadrant a Patch provider owns"),
        ({"categories": []}, "Select at least one care category"),
        ({"cqc_rated_on": ["", "", ""]}, "Enter the date of the CQC rating"),
        ({"cqc_rated_on": ["31", "2", "2025"]}, "The date of the CQC rating must be a real date"),
        ({"qaf_level": ""}, "Select the provider’s QAF level, or not assessed yet"),
        ({"supplier_reference": "SUP 1"}, "Use letters, numbers, full stops, hyphens"),
        ({"name": "brightwater home care"}, "A provider with this name is already on the register"),
        ({"supplier_reference": "sup00000"}, "Another provider has this supplier reference"),
        ({"cqc_rated_on": date_parts(today() + dt.timedelta(days=1))}, "today or in the past"),
    ],
)
def test_adding_a_provider_says_what_is_wrong(
    as_role, world: World, changes: dict[str, Any], message: str
) -> None:
    world.provider.supplier_reference = "SUP00000"
    db.session.commit()
    client = as_role(Role.COMMISSIONER)
    response = client.post("/providers/new", data={**new_provider_form(), **changes})
    assert response.status_code == 200
    page = text_of(response)
    assert page.startswith("Error: Add a provider")
    assert message in page
    assert db.session.scalar(select(Provider).where(Provider.cqc_location_id.is_not(None))) is None


def test_a_framework_provider_needs_no_quadrant_and_may_be_not_yet_rated(
    as_role, world: World
) -> None:
    client = as_role(Role.COMMISSIONER)
    data = {
        **new_provider_form(),
        "contract_type": "framework",
        "quadrant": "",
        "cqc_rating": "not_yet_rated",
        "cqc_rated_on": ["", "", ""],
        "qaf_level": "none",
        "qaf_assessed_on": ["", "", ""],
    }
    assert client.post("/providers/new", data=data).status_code == 302
    provider = db.session.scalar(select(Provider).where(Provider.name == "Harbour Lights Care"))
    assert provider is not None
    assert provider.quadrant is None and provider.qaf_level is None
    assert provider.cqc_rating == CqcRating.NOT_YET_RATED and provider.cqc_rated_on is None


def test_suspending_is_checked_then_made_and_shown_as_history(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    provider = world.provider
    url = f"/providers/{provider.id}/suspend"
    started = today() - dt.timedelta(days=3)
    data = {
        "effective_on": date_parts(started),
        "reason": "CQC rated it Requires improvement",
    }

    check = client.post(url, data=data)
    page = text_of(check)
    assert "Check the change to Brightwater Home Care" in page
    assert "Now Active Becomes Suspended" in page
    assert "will not be able to make new recommendations" in page
    db.session.expire_all()
    assert provider.status == ProviderStatus.ACTIVE  # nothing changed yet
    assert _changes(provider) == [] and _actions(provider) == []

    response = client.post(url, data={**data, "confirmed": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    assert provider.status == ProviderStatus.SUSPENDED and provider.status_since == started
    assert _changes(provider) == [(RegisterFact.STATUS, "active", "suspended")]
    assert _actions(provider) == ["provider.status_changed"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_id == provider.id))
    assert event is not None
    assert event.before["status"] == "active" and event.after["status"] == "suspended"
    assert event.after["reason"] == "CQC rated it Requires improvement"
    assert event.actor_id == world.users[Role.COMMISSIONER].id

    page = text_of(client.get(response.location))
    assert "Brightwater Home Care is suspended" in page
    assert f"Suspended since {started.strftime('%-d %B %Y')}" in page
    assert (
        f"{started.strftime('%-d %B %Y')} Status Active Suspended "
        "CQC rated it Requires improvement Cora Commissioner"
    ) in page
    assert "Reinstate" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": ""}, "Enter why you are suspending the provider"),
        ({"effective_on": ["", "", ""]}, "Enter the date"),
        ({"effective_on": ["30", "2", "2026"]}, "The date must be a real date"),
        ({"effective_on": date_parts(today() + dt.timedelta(days=1))}, "today or in the past"),
        ({"reason": "x" * 1001}, "The reason must be 1,000 characters or fewer"),
    ],
)
def test_a_suspension_says_what_is_wrong(
    as_role, world: World, data: dict[str, Any], message: str
) -> None:
    client = as_role(Role.COMMISSIONER)
    full = {"effective_on": date_parts(today()), "reason": "Safeguarding concerns", **data}
    for confirmed in ("", "yes"):  # refused before the check, and if sent confirmed anyway
        response = client.post(
            f"/providers/{world.provider.id}/suspend", data={**full, "confirmed": confirmed}
        )
        assert response.status_code == 200
        assert message in text_of(response)
    db.session.expire_all()
    assert world.provider.status == ProviderStatus.ACTIVE
    assert _changes(world.provider) == []


def test_a_change_cannot_be_dated_before_the_status_it_follows(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    provider = world.provider
    suspended = today() - dt.timedelta(days=5)
    _change(
        client,
        f"/providers/{provider.id}/suspend",
        {"effective_on": date_parts(suspended), "reason": "Safeguarding concerns"},
    )
    response = client.post(
        f"/providers/{provider.id}/reinstate",
        data={"effective_on": date_parts(suspended - dt.timedelta(days=1)), "reason": "Cleared"},
    )
    assert "The date must be on or after " + suspended.strftime("%-d %B %Y") in text_of(response)

    response = _change(
        client,
        f"/providers/{provider.id}/reinstate",
        {"effective_on": date_parts(today()), "reason": "Action plan completed"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert provider.status == ProviderStatus.ACTIVE
    assert _changes(provider) == [
        (RegisterFact.STATUS, "active", "suspended"),
        (RegisterFact.STATUS, "suspended", "active"),
    ]
    assert status_on(provider, suspended - dt.timedelta(days=1)) == ProviderStatus.ACTIVE
    assert status_on(provider, suspended) == ProviderStatus.SUSPENDED
    assert status_on(provider, today()) == ProviderStatus.ACTIVE


def test_an_exit_is_dated_final_and_ends_the_changes(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    provider = world.provider
    left = today() - dt.timedelta(days=1)
    response = _change(
        client, f"/providers/{provider.id}/exit", {"effective_on": date_parts(left), "reason": ""}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert provider.status == ProviderStatus.EXITED and provider.exited_on == left
    assert status_on(provider, left) == ProviderStatus.EXITED
    assert status_on(provider, left - dt.timedelta(days=1)) == ProviderStatus.ACTIVE

    page = text_of(client.get(response.location))
    assert f"Left the register on {left.strftime('%-d %B %Y')}" in page
    assert "Suspend" not in page and "Reinstate" not in page and "Change " not in page

    for url, data in [
        ("reinstate", {"effective_on": date_parts(today()), "reason": "A mistake"}),
        ("strategic-tier", {"value": "no", "effective_on": date_parts(today())}),
        ("cqc-rating", {"rating": "outstanding", "effective_on": date_parts(today())}),
    ]:
        refused = client.post(f"/providers/{provider.id}/{url}", data=data)
        assert refused.status_code == 200
        assert "Brightwater Home Care left the register on" in text_of(refused)
    db.session.expire_all()
    assert provider.status == ProviderStatus.EXITED and provider.strategic_tier is True


def test_a_new_cqc_rating_and_qaf_level_are_dated(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    provider = world.provider
    rated = today() - dt.timedelta(days=20)
    response = _change(
        client,
        f"/providers/{provider.id}/cqc-rating",
        {"rating": "requires_improvement", "effective_on": date_parts(rated)},
    )
    assert response.status_code == 302
    response = _change(
        client,
        f"/providers/{provider.id}/qaf-level",
        {"level": "C", "effective_on": date_parts(rated)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (provider.cqc_rating, provider.cqc_rated_on) == (CqcRating.REQUIRES_IMPROVEMENT, rated)
    assert (provider.qaf_level, provider.qaf_assessed_on) == (QafLevel.C, rated)
    page = text_of(client.get(f"/providers/{provider.id}"))
    assert f"CQC rating Requires improvement, rated {rated.strftime('%-d %B %Y')}" in page
    assert "CQC rating Good Requires improvement" in page
    assert "QAF level Not assessed C Compliant" in page
    assert _actions(provider) == ["provider.cqc_rating_changed", "provider.qaf_level_changed"]

    older = client.post(
        f"/providers/{provider.id}/cqc-rating",
        data={"rating": "good", "effective_on": date_parts(rated - dt.timedelta(days=1))},
    )
    assert "the date of the current CQC rating" in text_of(older)
    missing = client.post(f"/providers/{provider.id}/cqc-rating", data={"rating": ""})
    assert "Select the new CQC rating" in text_of(missing)


def test_the_other_register_facts_change_as_dated_history(as_role, world: World) -> None:
    provider = world.provider
    provider.category_rows = [ProviderCategory(category=CareCategory.STANDARD_ADULT)]
    db.session.commit()
    client = as_role(Role.COMMISSIONER)
    on = date_parts(today())
    # The form starts from the categories the provider has.
    form = client.get(f"/providers/{provider.id}/care-categories").get_data(as_text=True)
    ticked = re.findall(r'value="(\w+)"\s+checked', form)
    assert ticked == ["standard_adult"]
    for url, data in [
        ("trusted-assessor", {"value": "no", "effective_on": on, "reason": "Audit findings"}),
        ("care-categories", {"categories": ["palliative"], "effective_on": on}),
    ]:
        assert _change(client, f"/providers/{provider.id}/{url}", data).status_code == 302
    same = client.post(
        f"/providers/{provider.id}/trusted-assessor", data={"value": "no", "effective_on": on}
    )
    assert "Nothing has changed" in text_of(same)
    none = client.post(
        f"/providers/{provider.id}/care-categories", data={"categories": [], "effective_on": on}
    )
    assert "Select at least one care category" in text_of(none)
    db.session.expire_all()
    assert provider.trusted_assessor is False
    assert [c.value for c in provider.categories] == ["palliative"]
    assert _changes(provider) == [
        (RegisterFact.TRUSTED_ASSESSOR, "yes", "no"),
        (RegisterFact.CARE_CATEGORIES, "standard_adult", "palliative"),
    ]
    page = text_of(client.get(f"/providers/{provider.id}"))
    assert "Trusted assessor Yes No Audit findings" in page
    assert "Care categories Standard adult Palliative and end of life" in page


def test_who_may_read_the_register_and_who_may_change_it(client, world: World) -> None:
    provider, other = world.provider, world.other_provider
    for role in (Role.COMMISSIONER, Role.CARE_MANAGER, Role.FINANCE_OFFICER):
        sign_in(client, world.users[role])
        assert client.get(f"/providers/{other.id}").status_code == 200
    for role in (Role.CARE_MANAGER, Role.FINANCE_OFFICER, Role.PROVIDER_MANAGER):
        sign_in(client, world.users[role])
        assert client.get("/providers/new").status_code == 403
        assert client.get(f"/providers/{provider.id}/suspend").status_code == 403
        response = client.post(
            f"/providers/{provider.id}/suspend",
            data={"effective_on": date_parts(today()), "reason": "x", "confirmed": "yes"},
        )
        assert response.status_code == 403
    sign_in(client, world.users[Role.ADMINISTRATOR])
    assert client.get(f"/providers/{provider.id}").status_code == 403

    # A provider manager sees their own agency's entry, without the council's buttons, and
    # no other provider's.
    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    own = text_of(client.get(f"/providers/{provider.id}"))
    assert "Brightwater Home Care" in own and "Suspend" not in own
    assert client.get(f"/providers/{other.id}").status_code == 404
    assert client.get(f"/providers/{other.id + 1000}").status_code == 404
    db.session.expire_all()
    assert world.provider.status == ProviderStatus.ACTIVE


def test_a_change_can_be_taken_back_to_its_form_from_the_check_page(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    data = {"effective_on": date_parts(today()), "reason": "Safeguarding concerns"}
    response = client.post(
        f"/providers/{world.provider.id}/suspend", data={**data, "confirmed": "yes", "edit": "yes"}
    )
    page = response.get_data(as_text=True)
    assert "Suspend Brightwater Home Care" in text_of(response)
    assert "Safeguarding concerns</textarea>" in page  # what was typed, to change
    db.session.expire_all()
    assert world.provider.status == ProviderStatus.ACTIVE and _changes(world.provider) == []


def test_a_long_history_is_paged(as_role, world: World) -> None:
    provider, by = world.provider, world.users[Role.COMMISSIONER]
    for number in range(30):  # 30 changes: 25 a page
        change_flag(
            provider,
            RegisterFact.TRUSTED_ASSESSOR,
            number % 2 == 1,
            on=today() - dt.timedelta(days=30 - number),
            reason=f"Review {number + 1}",
            by=by,
        )
    db.session.commit()
    client = as_role(Role.COMMISSIONER)
    first = text_of(client.get(f"/providers/{provider.id}"))
    assert "Review 30" in first and "Review 6 " in first and "Review 5 " not in first
    second = text_of(client.get(f"/providers/{provider.id}?page=2"))
    assert "Review 5 " in second and "Review 1 " in second and "Review 30" not in second


def test_the_name_references_and_contract_change_as_dated_history(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    provider = world.provider
    old_reference = provider.supplier_reference
    url = f"/providers/{provider.id}"
    on = date_parts(today())
    # The forms start from what the provider has now.
    assert 'value="Brightwater Home Care"' in client.get(f"{url}/name").get_data(as_text=True)
    for path, data in [
        ("name", {"value": "Brightwater Care Group", "reason": "Bought by the group"}),
        ("supplier-reference", {"value": "sup-77001"}),
        ("cqc-location", {"value": "1-987654321"}),
        ("contract", {"contract_type": "framework", "quadrant": ""}),
    ]:
        response = _change(client, f"{url}/{path}", {**data, "effective_on": on})
        assert response.status_code == 302, path
    db.session.expire_all()
    assert provider.name == "Brightwater Care Group"
    assert provider.supplier_reference == "SUP-77001"
    assert provider.cqc_location_id == "1-987654321"
    assert (provider.contract_type.value, provider.quadrant) == ("framework", None)
    assert _changes(provider) == [
        (RegisterFact.NAME, "Brightwater Home Care", "Brightwater Care Group"),
        (RegisterFact.SUPPLIER_REFERENCE, old_reference, "SUP-77001"),
        (RegisterFact.CQC_LOCATION_ID, None, "1-987654321"),
        (RegisterFact.CONTRACT, "patch:east", "framework"),
    ]
    page = text_of(client.get(url))
    assert "Name Brightwater Home Care Brightwater Care Group Bought by the group" in page
    assert "Contract Patch, East quadrant Framework" in page
    assert "CQC location ID Not recorded" not in page


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        (
            "name",
            {"value": "rival care ltd"},
            "A provider with this name is already on the register",
        ),
        ("name", {"value": ""}, "Enter the provider’s name"),
        ("supplier-reference", {"value": "OTHER1"}, "Another provider has this supplier reference"),
        ("cqc-location", {"value": "1-2"}, "Enter the CQC location ID as the CQC writes it"),
        ("contract", {"contract_type": "patch", "quadrant": ""}, "Select the quadrant a Patch"),
        ("contract", {"contract_type": "patch", "quadrant": "east"}, "Nothing has changed"),
    ],
)
def test_the_name_references_and_contract_say_what_is_wrong(
    as_role, world: World, path: str, data: dict[str, str], message: str
) -> None:
    world.other_provider.supplier_reference = "OTHER1"
    db.session.commit()
    client = as_role(Role.COMMISSIONER)
    response = client.post(
        f"/providers/{world.provider.id}/{path}",
        data={**data, "effective_on": date_parts(today()), "confirmed": "yes"},
    )
    assert response.status_code == 200
    assert message in text_of(response)
    assert _changes(world.provider) == []


def test_a_name_in_a_banner_is_shown_as_typed(as_role, world: World) -> None:
    """A success banner names what was changed as text: markup typed into a name is shown,
    never made into the page's own."""
    client = as_role(Role.COMMISSIONER)
    name = "Kite & <b>Hawk</b> Care"
    response = client.post("/providers/new", data={**new_provider_form(), "name": name})
    assert response.status_code == 302
    html = client.get(response.location).get_data(as_text=True)
    banner = html[html.index("govuk-notification-banner--success") :]
    assert "Kite &amp; &lt;b&gt;Hawk&lt;/b&gt; Care added to the register" in banner
    assert "<b>Hawk</b>" not in html
