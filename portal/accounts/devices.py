"""What a session was begun from, in words a person recognises on "Your sessions":
"Chrome on Windows", "Mobile Safari on iOS". Read once, at sign-in, from the User-Agent
header by ua-parser (the uap-core rules every browser vendor's string is matched against),
rather than by hand-written patterns that would age with every new browser.

The header is whatever the browser (or anyone) sent, so what is kept is bounded and has
its control characters taken out: it is shown on a page, never trusted.
"""

from __future__ import annotations

from ua_parser import parse

from portal.accounts.models import DEVICE_LENGTH
from portal.common.text import without_control_characters

UNKNOWN = "An unknown browser"
# The rules' name for "no rule matched".
_NOTHING_FOUND = "Other"
# Longer than any real User-Agent: a longer header is cut before it is parsed, so a
# crafted one costs the rules no more time than a real one.
_READ_AT_MOST = 1000


def describe(user_agent: str | None) -> str:
    """The browser and operating system a User-Agent header names, or ``UNKNOWN``."""
    result = parse((user_agent or "")[:_READ_AT_MOST])
    browser = _name(result.user_agent.family if result.user_agent else None)
    system = _name(result.os.family if result.os else None)
    if browser and system:
        words = f"{browser} on {system}"
    else:
        words = browser or (f"A browser on {system}" if system else UNKNOWN)
    return words[:DEVICE_LENGTH]


def _name(family: str | None) -> str | None:
    if not family:
        return None
    name = " ".join(without_control_characters(family).split())
    return None if not name or name == _NOTHING_FOUND else name
