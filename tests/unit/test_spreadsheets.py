"""The guard every spreadsheet the portal writes goes through."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

import portal
from portal.common.spreadsheets import GUARDED, SafeCsvWriter, formula_safe, unguarded


@given(
    st.text()
    | st.tuples(st.text("'", min_size=1), st.sampled_from(GUARDED), st.text()).map("".join)
)
def test_no_guarded_text_starts_a_formula_and_it_reads_back_the_same(text: str) -> None:
    safe = formula_safe(text)
    assert safe[:1] not in GUARDED
    assert unguarded(safe) == text


def test_a_csv_guards_text_and_leaves_figures_as_numbers() -> None:
    buffer = io.StringIO()
    SafeCsvWriter(buffer).writerow(["=SUM(A1:A9)", "@cmd", "-12", Decimal("-12.50"), -3, "Ann"])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == [
        "'=SUM(A1:A9)",
        "'@cmd",
        "'-12",
        "-12.50",
        "-3",
        "Ann",
    ]


def test_every_csv_the_portal_writes_goes_through_the_guard() -> None:
    """csv.writer is used in the guard's own module, and in the payment list, which guards
    cell by cell for speed (tests/integration/test_finance.py proves it): a new download
    cannot forget the guard."""
    root = Path(portal.__file__).parent
    writers = re.compile(r"csv\.(writer|DictWriter)\(")
    found = {
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if writers.search(path.read_text(encoding="utf-8"))
    }
    assert found == {"common/spreadsheets.py", "payments/exports.py"}
