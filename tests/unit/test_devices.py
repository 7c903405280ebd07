"""What "Your sessions" calls the browser a session began in, read from its User-Agent."""

from __future__ import annotations

import pytest

from portal.accounts.devices import UNKNOWN, describe
from portal.accounts.models import DEVICE_LENGTH
from portal.common.text import without_control_characters


@pytest.mark.parametrize(
    ("agent", "words"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "Chrome on Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox on Mac OS X",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Mobile Safari on iOS",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
            "Edge on Windows",
        ),
        ("curl/8.5.0", "curl"),
        ("", UNKNOWN),
        (None, UNKNOWN),
        ("\x00\x01 nothing a browser sends", UNKNOWN),
    ],
)
def test_a_browser_is_named_as_a_person_knows_it(agent: str | None, words: str) -> None:
    assert describe(agent) == words


def test_what_is_kept_is_bounded() -> None:
    # uap-core's rules copy an unknown crawler's own name out of the string.
    crafted = "Mozilla/5.0 (compatible; " + "B" * 200 + "bot/2.1; +http://bot.example)"
    assert describe(crafted).startswith("BBBB")
    assert len(describe(crafted)) <= DEVICE_LENGTH
    assert len(describe("X" * 100_000)) <= DEVICE_LENGTH


def test_control_characters_are_taken_out_of_what_is_kept() -> None:
    assert without_control_characters("Fire\x07fox\x1b[31m") == "Firefox[31m"
    assert without_control_characters("Chrome") == "Chrome"
