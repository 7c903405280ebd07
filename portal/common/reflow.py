"""The cell of a table that reflows at narrow widths (see common/_reflow.html): written in
Python rather than as a Jinja macro, since a list page calls it for every cell of every row
and a macro call costs several times a function's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape


def reflow_cell(
    heading: str,
    value: Any = "",
    numeric: bool = False,
    long: bool = False,
    classes: str = "",
    colspan: int | None = None,
    caller: Callable[[], str] | None = None,
) -> Markup:
    """A body cell: the column's heading (shown beside the value when the table is
    stacked, hidden from screen readers, which announce the column's own) and the value,
    or the markup of a ``{% call cell(...) %}`` block."""
    css = "govuk-table__cell"
    if numeric:
        css += " portal-numeric"
    if long or not heading:
        css += " portal-reflow__cell--long"
    if classes:
        css += f" {escape(classes)}"
    span = f' colspan="{escape(colspan)}"' if colspan else ""
    shown = (
        f'<span class="portal-reflow__heading" aria-hidden="true">{escape(heading)}</span>'
        if heading
        else ""
    )
    inner = caller() if caller is not None else escape(value)
    # Every value above is escaped (a call block's output is the template's, escaped as it
    # was written); an f-string costs a third of Markup.format, which escapes as it goes.
    return Markup(  # noqa: S704
        f'<td class="{css}" role="cell"{span}>{shown}'
        f'<div class="portal-reflow__value">{inner}</div></td>'
    )
