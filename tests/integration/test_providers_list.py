"""The providers list: each provider's contract, status, ratings and flags, with the care
categories it is awarded in a fixed order."""

from __future__ import annotations

from typing import Any

from portal.common.roles import Role
from portal.extensions import db
from portal.providers.enums import CareCategory, ContractType, ProviderStatus
from portal.providers.models import ProviderCategory
from tests.client import text_of
from tests.factories import ProviderFactory
from tests.fixtures import World


def test_each_provider_shows_its_care_categories_in_order(world: World, as_role: Any) -> None:
    world.provider.category_rows = [
        ProviderCategory(category=CareCategory.PALLIATIVE),
        ProviderCategory(category=CareCategory.DISCHARGE_TO_ASSESS),
        ProviderCategory(category=CareCategory.STANDARD_ADULT),
    ]
    world.other_provider.category_rows = [
        ProviderCategory(category=CareCategory.CHILDREN_AND_YOUNG_PEOPLE)
    ]
    ProviderFactory(
        name="Zeta Spot Care",
        contract_type=ContractType.SPOT,
        quadrant=None,
        status=ProviderStatus.SUSPENDED,
        trusted_assessor=False,
    )
    db.session.commit()

    page = text_of(as_role(Role.COMMISSIONER).get("/providers"))

    assert (
        "Brightwater Home Care Discharge to assess; Palliative and end of life; Standard adult "
        "Patch, East Active Good Not assessed Yes Yes"
    ) in page
    assert "Rival Care Ltd Children and young people Patch, East" in page
    assert "Zeta Spot Care Spot Suspended Good Not assessed Yes No" in page
    assert page.index("Rival Care Ltd") < page.index("Zeta Spot Care")  # Patch before Spot


def test_a_provider_without_categories_lists_none(as_role: Any) -> None:
    page = text_of(as_role(Role.FINANCE_OFFICER).get("/providers"))
    assert "Brightwater Home Care Patch, East Active" in page
