from __future__ import annotations

import enum

# Shared with the council's rate card, which the providers do not own.
from portal.common.care import CareCategory, PricingZone

__all__ = [
    "CareCategory",
    "ContractType",
    "CqcRating",
    "Funding",
    "PricingZone",
    "ProviderStatus",
    "QafLevel",
    "Quadrant",
]


class ContractType(enum.StrEnum):
    PATCH = "patch"
    FRAMEWORK = "framework"
    SPOT = "spot"
    LEGACY = "legacy"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Quadrant(enum.StrEnum):
    EAST = "east"
    WEST = "west"
    CENTRAL = "central"
    SOUTH = "south"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ProviderStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXITED = "exited"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class CqcRating(enum.StrEnum):
    OUTSTANDING = "outstanding"
    GOOD = "good"
    REQUIRES_IMPROVEMENT = "requires_improvement"
    INADEQUATE = "inadequate"
    NOT_YET_RATED = "not_yet_rated"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class QafLevel(enum.StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"

    @property
    def label(self) -> str:
        return {"A": "A Excellent", "B": "B Good", "C": "C Compliant", "D": "D Non-compliant"}[
            self.value
        ]


class Funding(enum.StrEnum):
    COUNCIL = "council"
    HEALTH = "health"

    @property
    def label(self) -> str:
        return {"council": "Council", "health": "Health (continuing healthcare)"}[self.value]


class RegisterFact(enum.StrEnum):
    """What a change to the provider register changed (``ProviderChange.fact``)."""

    REGISTERED = "registered"
    STATUS = "status"
    CQC_RATING = "cqc_rating"
    QAF_LEVEL = "qaf_level"
    STRATEGIC_TIER = "strategic_tier"
    TRUSTED_ASSESSOR = "trusted_assessor"
    CARE_CATEGORIES = "care_categories"
    NAME = "name"
    SUPPLIER_REFERENCE = "supplier_reference"
    CQC_LOCATION_ID = "cqc_location_id"
    CONTRACT = "contract"

    @property
    def label(self) -> str:
        return {
            "registered": "Added to the register",
            "name": "Name",
            "supplier_reference": "Supplier reference",
            "cqc_location_id": "CQC location ID",
            "contract": "Contract",
            "status": "Status",
            "cqc_rating": "CQC rating",
            "qaf_level": "QAF level",
            "strategic_tier": "Strategic tier",
            "trusted_assessor": "Trusted assessor",
            "care_categories": "Care categories",
        }[self.value]
