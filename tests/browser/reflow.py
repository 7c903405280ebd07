"""Checks that a table reflows at a phone's width (each row a block, each value beside its
column's heading, still a table to a screen reader) or is an ordinary table at a desktop's,
for any browser test that reaches one."""

from __future__ import annotations

from typing import Any

from tests.browser.pages import Browser

# What the page holds about a table: its column headings, the wrapper it scrolls in, and for
# each body row its cells, each with where its content lies and the heading it shows.
_MEASURE = """table => {
  const sides = r => ({left: r.left, right: r.right, top: r.top, width: r.width, height: r.height});
  const box = element => sides(element.getBoundingClientRect());
  // Where the content a person sees lies: the union of its words and elements, leaving out
  // text only for screen readers (govuk-visually-hidden clips it to nothing on the screen).
  const content = element => {
    let left = Infinity, right = -Infinity, top = Infinity, bottom = -Infinity;
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim() || node.parentElement.closest('.govuk-visually-hidden')) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) {
        left = Math.min(left, r.left); right = Math.max(right, r.right);
        top = Math.min(top, r.top); bottom = Math.max(bottom, r.bottom);
      }
    }
    for (const child of element.querySelectorAll('*')) {
      if (child.closest('.govuk-visually-hidden') || !child.checkVisibility()) continue;
      const r = child.getBoundingClientRect();
      if (!r.width || !r.height) continue;
      left = Math.min(left, r.left); right = Math.max(right, r.right);
      top = Math.min(top, r.top); bottom = Math.max(bottom, r.bottom);
    }
    if (left === Infinity) return sides(element.getBoundingClientRect());
    return {left, right, top, width: right - left, height: bottom - top};
  };
  const wrapper = table.closest('.portal-table-wrapper');
  const rows = [...table.tBodies[0].rows].map(row => [...row.cells].map(cell => {
    const heading = cell.querySelector('.portal-reflow__heading');
    const value = cell.querySelector('.portal-reflow__value');
    return {
      tag: cell.tagName.toLowerCase(),
      display: getComputedStyle(cell).display,
      cell: box(cell),
      content: content(value || cell),
      text: (value || cell).innerText.trim(),
      heading: heading && heading.checkVisibility() ? heading.innerText.trim() : null,
    };
  }));
  return {
    display: getComputedStyle(table).display,
    // A heading only for screen readers (a column of links to act on the row) shows as ''.
    headings: [...table.tHead.rows[0].cells].map(th => {
      const hidden = th.querySelector('.govuk-visually-hidden');
      const text = th.textContent.trim();
      return hidden && hidden.textContent.trim() === text ? '' : text;
    }),
    head: box(table.tHead),
    wrapper: {scroll: wrapper.scrollWidth, client: wrapper.clientWidth},
    rows: rows,
  };
}"""


def measured(browser: Browser, caption: str) -> dict[str, Any]:
    table = browser.page.get_by_role("table", name=caption)
    assert table.count() == 1, f"no table {caption!r} on {browser.page.url}"
    return dict(table.evaluate(_MEASURE))


def accessibility_tree(browser: Browser) -> list[tuple[str, str]]:
    """Each node of Chromium's own accessibility tree for the page, as (role, name): what a
    screen reader is given, whatever the CSS made of the table."""
    session = browser.page.context.new_cdp_session(browser.page)
    try:
        nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    return [
        (
            str(node.get("role", {}).get("value", "")),
            " ".join(str(node.get("name", {}).get("value", "")).split()),
        )
        for node in nodes
        if not node.get("ignored")
    ]


def assert_reflowed(browser: Browser, caption: str, *, width: int) -> None:
    """At a phone's width: nothing to scroll sideways, every cell's content inside the
    screen beside the heading of its column, and the table still a table to a screen reader."""
    table = measured(browser, caption)
    assert browser.page_width() <= width
    assert table["wrapper"]["scroll"] <= table["wrapper"]["client"], (
        f"{caption!r} scrolls sideways: {table['wrapper']}"
    )
    headings = table["headings"]
    assert table["rows"], f"{caption!r} has no rows"
    for row in table["rows"]:
        cells = [cell for cell in row if cell["tag"] == "td"]
        for cell in row:
            content = cell["content"]
            assert content["width"] > 0 and content["height"] > 0, cell
            assert content["left"] >= 0 and content["right"] <= width, (
                f"{cell['text']!r} in {caption!r} lies outside the screen: {content}"
            )
        for cell in cells:
            assert cell["heading"] or "" in headings, f"{cell['text']!r} shows no heading"
        if len(cells) == len(headings):  # a row of its own, one cell to each column
            assert [cell["heading"] or "" for cell in cells] == headings
            tops = [cell["cell"]["top"] for cell in cells]
            assert tops == sorted(tops) and len(set(tops)) == len(tops), (
                f"the cells of a row in {caption!r} are not stacked: {tops}"
            )

    tree = accessibility_tree(browser)
    assert ("table", caption) in tree
    column_headers = [name for role, name in tree if role == "columnheader"]
    for heading in filter(None, headings):
        assert heading in column_headers, f"{heading!r} is no column heading to a screen reader"
    # The heading shown in each cell is for the eye: a screen reader announces the column's.
    cell_names = [name for role, name in tree if role == "cell"]
    assert cell_names
    # A value may itself begin with a heading's word (an upload problem's "Row 2 (...)"):
    # what is checked is that nothing was put before the value.
    values = {" ".join(str(cell["text"]).split()) for row in table["rows"] for cell in row}
    for name in cell_names:
        if name in values:
            continue
        assert not any(name.startswith(f"{heading} ") for heading in filter(None, headings)), name


def assert_a_table(browser: Browser, caption: str) -> None:
    """At a desktop's width: an ordinary table, its headings on top, each row on one line,
    no heading repeated in the cells."""
    table = measured(browser, caption)
    assert table["display"] == "table"
    assert table["head"]["height"] > 0
    for row in table["rows"]:
        assert {cell["display"] for cell in row} == {"table-cell"}
        assert all(cell["heading"] is None for cell in row)
        assert len({cell["cell"]["top"] for cell in row}) == 1
