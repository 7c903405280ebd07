"""The words for care the register and the council's rate card share: the care categories a
provider is awarded and a package line is bought under, and the pricing zones that set the
hourly rate."""

from __future__ import annotations

import enum


class CareCategory(enum.StrEnum):
    STANDARD_ADULT = "standard_adult"
    CHILDREN_AND_YOUNG_PEOPLE = "children_and_young_people"
    DISCHARGE_TO_ASSESS = "discharge_to_assess"
    PALLIATIVE = "palliative"

    @property
    def label(self) -> str:
        return {
            "standard_adult": "Standard adult",
            "children_and_young_people": "Children and young people",
            "discharge_to_assess": "Discharge to assess",
            "palliative": "Palliative and end of life",
        }[self.value]


class PricingZone(enum.StrEnum):
    URBAN = "urban"
    FRINGE = "fringe"
    RURAL = "rural"
    ISOLATED = "isolated"

    @property
    def label(self) -> str:
        return self.value.capitalize()
