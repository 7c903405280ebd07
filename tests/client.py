"""A test client that checks every HTML page it fetches, as a careful reviewer would:
well-formed HTML, a title, no duplicate ids, and an error summary whenever a field shows an
error, and a legend on every fieldset."""

from __future__ import annotations

import re
from collections import Counter
from html import unescape
from typing import Any

import html5lib
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

_parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)


def check_page(response: TestResponse) -> None:
    if response.mimetype != "text/html" or response.status_code in (301, 302, 303):
        return
    html = response.get_data(as_text=True)
    document = _parser.parse(html)  # raises on malformed HTML
    title = document.find(".//title")
    assert title is not None and (title.text or "").strip(), "page has no title"
    ids = [element.get("id") for element in document.iter() if element.get("id")]
    duplicated = [value for value, count in Counter(ids).items() if count > 1]
    assert not duplicated, f"duplicate ids: {duplicated}"
    for fieldset in document.iter("fieldset"):
        legend = fieldset.find("legend")
        words = "".join(legend.itertext()).strip() if legend is not None else ""
        assert words, "a fieldset without a legend: its radios or inputs have no question"
    if "govuk-error-message" in html:
        assert "govuk-error-summary" in html, "a field error without the error summary"
        assert (title.text or "").startswith("Error: "), "an error page title must start 'Error:'"


class CheckedClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        check_page(response)
        return response


def text_of(response: TestResponse) -> str:
    """The page's visible words on one line, for asserting what a user would read (at a
    desktop's width: a reflowing table's cells repeat their column's heading only on a
    phone's screen)."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<span class="portal-reflow__heading"[^>]*>[^<]*</span>', " ", html)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())
