"""Cells for the spreadsheets the portal writes (CSV and Excel), guarded so that none runs.

A spreadsheet treats a cell that starts with '=', '+', '-' or '@' (and, in some programs, a
tab, a carriage return or '|') as a formula, and a formula can fetch a web address or start
a program on the reader's computer. Anything a person typed (a provider's name, an
outcome's evidence) is therefore written with an apostrophe in front, which the spreadsheet
shows as text and hides. The figures the portal works out itself (a negative amount, a fall
in points) are numbers, not text, and are written as they are.

One guard for every download, rather than the ``defusedcsv`` package: that one also guards
figures ('-12.34' becomes text), rewrites every '|' as '\\|' so the text no longer reads back
the same, and knows nothing of Excel files.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO

GUARDED = ("=", "+", "-", "@", "\t", "\r", "|")
GUARD = "'"


# Text that looks guarded already: apostrophes, then a character a formula starts with.
_LOOKS_GUARDED = re.compile("'+[=+\\-@\t\r|]")


def formula_safe(text: str) -> str:
    """``text`` as a spreadsheet will show it, never run it (formula or CSV injection). Text
    that already looks guarded ('=1, as typed) is guarded too, so ``unguarded`` can tell the
    two apart and give back exactly what was typed."""
    if text[:1] in GUARDED or _LOOKS_GUARDED.match(text):
        return GUARD + text
    return text


def unguarded(text: str) -> str:
    """A cell read back from a file the portal wrote: the guard's apostrophe taken off, so a
    downloaded template uploaded again gives back the same text."""
    return text[1:] if _LOOKS_GUARDED.match(text) else text


class SafeCsvWriter:
    """``csv.writer`` for downloads: every text cell is made formula-safe; numbers (int,
    Decimal) are the portal's own figures and are written as they are."""

    def __init__(self, stream: IO[str]) -> None:
        self._writer = csv.writer(stream, lineterminator="\r\n")

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow(
            [formula_safe(cell) if isinstance(cell, str) else cell for cell in row]
        )
