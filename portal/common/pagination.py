"""Pagination done in SQL: a LIMIT/OFFSET page and a COUNT, never a list in memory; and the
newest few rows of a growing history, with whether there are more."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

from flask import current_app, request, url_for
from sqlalchemy import Integer, Result, Select, bindparam, func, select

from portal.common.forms import query_number
from portal.extensions import db


@dataclass
class Page:
    items: list[Any]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first_item(self) -> int:
        return 0 if self.total == 0 else (self.number - 1) * self.size + 1

    @property
    def last_item(self) -> int:
        return min(self.total, self.number * self.size)

    def pagination_params(self) -> dict[str, Any]:
        """Parameters for govukPagination, keeping the page's other query arguments."""
        if self.pages <= 1:
            return {}

        def href(number: int) -> str:
            # Every value of each name: a date's day, month and year share one.
            values: dict[str, Any] = {k: v for k, v in request.args.lists() if k != "page"}
            values.update(request.view_args or {})
            values["page"] = number
            assert request.endpoint is not None
            return url_for(request.endpoint, **values)

        items: list[dict[str, Any]] = []
        previous_shown = 0
        for number in range(1, self.pages + 1):
            if number in (1, self.pages) or abs(number - self.number) <= 1:
                if previous_shown and number - previous_shown > 1:
                    items.append({"ellipsis": True})
                items.append(
                    {"number": number, "href": href(number), "current": number == self.number}
                )
                previous_shown = number
        params: dict[str, Any] = {"items": items}
        if self.number > 1:
            params["previous"] = {"href": href(self.number - 1)}
        if self.number < self.pages:
            params["next"] = {"href": href(self.number + 1)}
        return params


def requested_page() -> int:
    return query_number("page") or 1


# A statement built once (its values bound when it runs) is limited and counted by
# statements built once too, kept here by identity for the last few such statements: so
# no page builds and keys them for SQLAlchemy's statement cache again. A statement built
# afresh for each page simply misses.
_LIMIT = bindparam("pagination_limit", type_=Integer)
_OFFSET = bindparam("pagination_offset", type_=Integer)


@lru_cache(maxsize=128)
def _paged(statement: Select[Any]) -> Select[Any]:
    return statement.limit(_LIMIT).offset(_OFFSET)


@lru_cache(maxsize=128)
def _first(statement: Select[Any]) -> Select[Any]:
    return statement.limit(_LIMIT)


@lru_cache(maxsize=128)
def _count(statement: Select[Any]) -> Select[Any]:
    return select(func.count()).select_from(statement.order_by(None).subquery())


def paginate(
    statement: Select[Any],
    *,
    size: int | None = None,
    scalars: bool = True,
    total: int | None = None,
    around: Callable[[Select[Any]], Select[Any]] | None = None,
    params: Mapping[str, Any] | None = None,
) -> Page:
    """A page of ``statement``. ``total`` saves the COUNT when the caller already knows it.
    ``around`` builds the statement run from the page's own (limited) statement: for
    figures worked out per row, so that only the page's rows are worked out. ``params``
    are the values of a statement built once with its values bound when it runs."""
    size = size or current_app.config["PAGE_SIZE"]
    if total is None:
        total = db.session.scalar(_count(statement), params) or 0
    number = min(requested_page(), max(1, -(-total // size)))
    paged = _paged(statement)
    if around is not None:
        paged = around(paged)
    values = {**(params or {}), "pagination_limit": size, "pagination_offset": (number - 1) * size}
    result = db.session.execute(paged, values)
    items = list(result.scalars()) if scalars else records(result)
    return Page(items=items, total=total, number=number, size=size)


T = TypeVar("T")


@dataclass(frozen=True)
class Recent(Generic[T]):
    """The newest rows of a history that grows, and whether there are older ones: a page
    shows these and links to the rest, so it costs the same however long the history."""

    items: list[T]
    more: bool


def recent(
    statement: Select[Any],
    size: int,
    *,
    scalars: bool = True,
    params: Mapping[str, Any] | None = None,
) -> Recent[Any]:
    """The first ``size`` rows of a newest-first statement, reading one more row to learn
    whether there are others. ``params`` as for ``paginate``."""
    result = db.session.execute(_first(statement), {**(params or {}), "pagination_limit": size + 1})
    rows = list(result.scalars()) if scalars else records(result)
    return Recent(items=rows[:size], more=len(rows) > size)


def records(result: Result[Any]) -> list[Any]:
    """A result's rows as named tuples of its columns. A list's template reads each column of
    each row by name, which a named tuple answers several times faster than SQLAlchemy's
    Row, whose look-up by name runs Python code every time; both unpack and index alike.
    Columns a named tuple cannot be named by (a keyword, a repeated name) keep the Rows."""
    try:
        make = _record_type(tuple(result.keys()))._make
    except ValueError:
        return list(result.all())
    return [make(row) for row in result]


@lru_cache(maxsize=256)
def _record_type(columns: tuple[str, ...]) -> Any:
    return namedtuple("Record", columns)
