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
