"""Table F's figures agree with each other as shown: whole percents rounded as people round
them, each change the difference of the two shown, and none reported for a sample too small
to compare."""

from __future__ import annotations

import pytest

from portal.outcomes.table_f import Share, whole_percent


@pytest.mark.parametrize(
    ("met", "sample", "expected"),
    [(33, 40, 83), (1, 3, 33), (2, 3, 67), (1, 8, 13), (0, 5, 0), (5, 5, 100), (0, 0, None)],
)
def test_a_share_is_a_whole_percent_with_a_half_rounded_up(
    met: int, sample: int, expected: int | None
) -> None:
    assert whole_percent(met, sample) == expected


def test_the_change_is_the_difference_of_the_percents_shown() -> None:
    # 81.6% against 57.4%: unrounded, 24.2 points; shown, 82% against 57%: 25 points.
    share = Share("1", "", met=408, sample=500, previous_met=287, previous_sample=500)
    assert (share.shown, share.previous_shown, share.change) == (82, 57, 25)


@pytest.mark.parametrize(
    ("sample", "previous_sample", "small", "previous_small"),
    [(29, 100, True, False), (100, 12, False, True), (10, 10, True, True)],
)
def test_a_sample_too_small_is_flagged_and_no_change_is_reported(
    sample: int, previous_sample: int, small: bool, previous_small: bool
) -> None:
    share = Share(
        "1.1",
        "",
        met=sample // 2,
        sample=sample,
        previous_met=previous_sample,
        previous_sample=previous_sample,
        smallest=30,
    )
    assert (share.small, share.previous_small) == (small, previous_small)
    assert share.shown is not None and share.previous_shown is not None
    assert not share.comparable and share.change is None


def test_samples_at_the_smallest_size_are_compared() -> None:
    share = Share("1", "", met=15, sample=30, previous_met=20, previous_sample=30, smallest=30)
    assert share.comparable and share.change == 50 - 67


def test_no_previous_quarter_is_nothing_to_compare_rather_than_too_small() -> None:
    share = Share("1", "", met=15, sample=40, smallest=30)
    assert share.previous_shown is None and share.change is None and not share.previous_small
