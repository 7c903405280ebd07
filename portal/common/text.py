"""Text people type, filtered the same way wherever it comes in (a form, an uploaded file,
a query string).

Control characters are refused, never silently stripped: a NUL byte breaks PostgreSQL (it
cannot store one in text) and SQLite would keep it; the others are invisible on the page and
in a payment list, and can make a saved record read differently from what was checked. A
line break and a tab belong in text areas only; a single-line box never has them from a
browser. Lone surrogates cannot be encoded as UTF-8 at all, and Unicode's noncharacters
(U+FDD0 to U+FDEF, and the last two code points of every plane, U+FFFE and U+FFFF among
them) are not text: HTML calls them a parse error and XML (an Excel file) forbids two of
them, so they are refused too.
"""

from __future__ import annotations

import re

_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(17)
)
# C0 controls, DEL and C1 controls, lone surrogates and noncharacters.
_SINGLE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}]")
# The same, less the tab, line feed and carriage return a text area may hold.
_MULTI_LINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}]")


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """Whether ``text`` holds a character the portal refuses to save."""
    if text.isprintable():  # in C, and true of almost all text: no control character at all
        return False
    pattern = _MULTI_LINE if multiline else _SINGLE_LINE
    return pattern.search(text) is not None


def without_control_characters(text: str) -> str:
    """``text`` with every character the portal refuses taken out: for text that is kept
    but was typed by no one who could be asked to type it again (a browser's User-Agent)."""
    if text.isprintable():
        return text
    return _SINGLE_LINE.sub("", text)


def control_character_message(what: str) -> str:
    """The message shown beside a field (or an upload's cell) that holds one: ``what`` names
    the field as the sentence needs it, e.g. 'The evidence'."""
    return (
        f"{what} contains a hidden character that cannot be saved: "
        "type it again rather than copying it from another program"
    )
