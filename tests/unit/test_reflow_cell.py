"""A reflowing table's cell: the column's heading for the eye only, the value escaped, a call
block's markup kept, and the classes a numeric or long value needs."""

from __future__ import annotations

from jinja2 import DictLoader, Environment

from portal.common.reflow import reflow_cell


def _render(source: str, **values: object) -> str:
    env = Environment(
        loader=DictLoader({"page.html": source, "_reflow.html": "{% set cell = reflow_cell %}"}),
        autoescape=True,
    )
    env.globals["reflow_cell"] = reflow_cell
    return env.get_template("page.html").render(**values)


def test_a_value_is_escaped_and_its_heading_hidden_from_screen_readers() -> None:
    html = _render(
        '{% from "_reflow.html" import cell %}{{ cell("Provider", name) }}',
        name="Kite & <Hawk> Care",
    )
    assert html == (
        '<td class="govuk-table__cell" role="cell">'
        '<span class="portal-reflow__heading" aria-hidden="true">Provider</span>'
        '<div class="portal-reflow__value">Kite &amp; &lt;Hawk&gt; Care</div></td>'
    )


def test_a_call_blocks_markup_is_kept_and_its_values_escaped() -> None:
    html = _render(
        '{% from "_reflow.html" import cell %}'
        '{% call cell("Person") %}<a href="/p/1">{{ name }}</a>{% endcall %}',
        name="<b>Ann</b>",
    )
    assert (
        '<div class="portal-reflow__value"><a href="/p/1">&lt;b&gt;Ann&lt;/b&gt;</a></div>' in html
    )


def test_figures_long_values_and_headless_columns_get_their_classes() -> None:
    assert 'class="govuk-table__cell portal-numeric"' in reflow_cell("Amount", 12, numeric=True)
    long = reflow_cell("Problem", "Row 2: …", long=True, colspan=3)
    assert 'class="govuk-table__cell portal-reflow__cell--long" role="cell" colspan="3"' in long
    headless = reflow_cell("", "Open", classes="portal-nowrap")
    assert "portal-reflow__heading" not in headless
    assert 'class="govuk-table__cell portal-reflow__cell--long portal-nowrap"' in headless
