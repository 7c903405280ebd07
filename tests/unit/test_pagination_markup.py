"""The portal writes govukPagination's markup out by hand for speed
(common/_pagination.html): it must stay the macro's, byte for byte, for every shape of page
list (one page, first, middle, last, either side of the gaps), so that an upgrade of
govuk-frontend-jinja that changes the component shows here."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.common.pagination import Page

GOVUK = (
    '{% from "govuk_frontend_jinja/components/pagination/macro.html" import govukPagination %}'
    "{{ govukPagination(page.pagination_params()) }}"
)
PLAIN = '{% from "common/_pagination.html" import pagination %}{{ pagination(page) }}'


@pytest.mark.parametrize("total", [0, 1, 25, 26, 51, 76, 101, 151, 918])
def test_the_written_out_pagination_is_govuk_paginations_markup(total: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    govuk, plain = app.jinja_env.from_string(GOVUK), app.jinja_env.from_string(PLAIN)
    pages = max(1, -(-total // 25))
    for number in range(1, pages + 1):
        with app.test_request_context(f"/recommendations?page={number}&q=a+%26+b"):
            page = Page(items=[], total=total, number=number, size=25)
            assert plain.render(page=page) == govuk.render(page=page), (total, number)
