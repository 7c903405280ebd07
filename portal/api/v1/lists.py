"""A page of a list, as every list in the API gives it: its items, where it is in the
whole, and links to the pages either side."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from sqlalchemy import Select

from portal.common.pagination import Page, paginate


@dataclass(frozen=True)
class Found:
    page: Page

    def body(self, items: list[Any]) -> dict[str, Any]:
        page = self.page
        return {
            "items": items,
            "page": page.number,
            "per_page": page.size,
            "total": page.total,
            "pages": page.pages,
            "links": {
                "self_": _page_url(page.number, page.size),
                "next": _page_url(page.number + 1, page.size) if page.number < page.pages else None,
                "prev": _page_url(page.number - 1, page.size) if page.number > 1 else None,
            },
        }


def page_of(
    statement: Select[Any],
    *,
    per_page: int,
    scalars: bool = False,
    params: Mapping[str, Any] | None = None,
) -> Found:
    """The page the query asks for (``page``, checked by the schema) of ``statement``."""
    return Found(paginate(statement, size=per_page, scalars=scalars, params=params))


def _page_url(number: int, size: int) -> str:
    values: dict[str, Any] = {
        k: v for k, v in request.args.items() if k not in ("page", "per_page")
    }
    values.update(request.view_args or {})
    assert request.endpoint is not None
    return url_for(request.endpoint, **values, page=number, per_page=size)
