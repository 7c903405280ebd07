"""The load test's form reader sends what a browser would: the CSRF token and filled-in
boxes, only the ticked boxes and chosen radios, each select's chosen option (or its first),
text areas, and no buttons or disabled fields."""

from __future__ import annotations

import pytest

from loadtest.forms import csrf_token, form_posting_to, forms

PAGE = """
<form method="post" action="/sign-out"><input type="hidden" name="csrf_token" value="t0k">
  <button type="submit">Sign out</button></form>
<form method="post" novalidate>
  <input type="hidden" name="csrf_token" value="t0k">
  <input class="govuk-input" name="headcount" type="text" value="35">
  <input name="empty" type="text">
  <input name="weekend_starts" type="radio" value="yes" checked>
  <input name="weekend_starts" type="radio" value="no">
  <input name="takes_dementia" type="checkbox" value="y" checked>
  <input name="takes_palliative" type="checkbox" value="y">
  <input name="locked" type="text" value="x" disabled>
  <select name="quadrant"><option value="">Choose</option>
    <option value="east" selected>East</option></select>
  <select name="scope"><option value="all">All</option><option value="one">One</option></select>
  <select name="plain"><option>First &amp; only</option></select>
  <textarea name="reason">
Line one
line two</textarea>
  <input type="submit" name="submit" value="Send">
</form>
"""


def test_a_form_is_read_as_a_browser_sends_it() -> None:
    form = form_posting_to(PAGE, "/capacity/2026/12")
    assert form.fields == [
        ("csrf_token", "t0k"),
        ("headcount", "35"),
        ("empty", ""),
        ("weekend_starts", "yes"),
        ("takes_dementia", "y"),
        ("quadrant", "east"),
        ("scope", "all"),
        ("plain", "First & only"),
        ("reason", "Line one\nline two"),
    ]


def test_the_form_posting_elsewhere_is_not_taken() -> None:
    assert form_posting_to(PAGE, "/sign-out").fields == [("csrf_token", "t0k")]
    assert [f.action for f in forms(PAGE)] == ["/sign-out", ""]
    with pytest.raises(LookupError):
        form_posting_to("<form method='get' action='/x'></form>", "/x")


def test_the_csrf_token_comes_from_any_form() -> None:
    assert csrf_token(PAGE) == "t0k"
    with pytest.raises(LookupError):
        csrf_token("<p>No form</p>")
