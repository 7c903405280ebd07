"""The re-ranking's arithmetic and its proposal rule, on their own."""

from __future__ import annotations

from portal.providers.enums import ContractType, ProviderStatus, Quadrant
from portal.reports.ranking import Component, _proposals, score_tenths

PATCH, FRAMEWORK, SPOT = ContractType.PATCH, ContractType.FRAMEWORK, ContractType.SPOT
ACTIVE = ProviderStatus.ACTIVE


def test_the_score_is_the_weighted_mean_of_the_figures_the_provider_has() -> None:
    parts = [
        Component("CQC rating", 30, 67, "Good"),
        Component("QAF level", 30, None, "Not assessed"),  # left out: its weight too
        Component("Outcome results", 20, 50, ""),
        Component("Outcome returns on time", 0, 100, ""),  # weight 0: does not count
    ]
    # (30 x 67 + 20 x 50) / 50 = 60.2
    assert score_tenths(parts) == 602
    # A half rounds up, in whole numbers: (1 x 0 + 1 x 1) / 2 = 0.5 -> 0.5; 1/8 -> 0.1
    assert score_tenths([Component("a", 1, 0, ""), Component("b", 1, 1, "")]) == 5
    assert score_tenths([Component("a", 7, 0, ""), Component("b", 1, 1, "")]) == 1
    assert score_tenths([Component("a", 0, 50, ""), Component("b", 5, None, "")]) is None


def test_prime_places_go_to_the_four_highest_ranked_patch_or_framework_providers() -> None:
    ranked = [
        (1, FRAMEWORK, None, ACTIVE),
        (2, PATCH, Quadrant.EAST, ProviderStatus.SUSPENDED),
        (3, PATCH, Quadrant.SOUTH, ACTIVE),
        (4, SPOT, None, ACTIVE),
        (5, PATCH, Quadrant.SOUTH, ACTIVE),  # its quadrant is taken by the higher-ranked
        (6, FRAMEWORK, None, ACTIVE),
        (7, PATCH, Quadrant.WEST, ACTIVE),  # fifth of the candidates: supplementary
    ]
    assert dict(_proposals(iter(ranked))) == {
        1: "Prime (East)",
        2: "Not proposed (suspended)",
        3: "Prime (South)",
        4: "Not proposed (Spot)",
        5: "Prime (West)",
        6: "Prime (Central)",
        7: "Supplementary",
    }


def test_fewer_candidates_than_quadrants_leave_places_empty() -> None:
    assert dict(_proposals(iter([(1, PATCH, Quadrant.CENTRAL, ACTIVE)]))) == {1: "Prime (Central)"}
