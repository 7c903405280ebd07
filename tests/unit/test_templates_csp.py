"""The Content-Security-Policy allows no inline style and no inline script but one carrying
the page's nonce: no template the portal renders may hold one, or the browser would refuse
it (a bar without its length, a menu that never opens)."""

from __future__ import annotations

import re
from pathlib import Path

import govuk_frontend_jinja
import govuk_frontend_wtf
import pytest

from portal.common.templating import bar_width

PORTAL = Path(__file__).parents[2] / "portal"
TEMPLATE_FOLDERS = [
    *sorted(PORTAL.glob("**/templates")),
    Path(govuk_frontend_jinja.__file__).parent / "templates",
    Path(govuk_frontend_wtf.__file__).parent / "templates",
]
TEMPLATES = sorted(path for folder in TEMPLATE_FOLDERS for path in folder.rglob("*.html"))
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.I)
# Inline styles, event handler attributes and javascript: links all count as inline code.
INLINE = re.compile(r"<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.I)


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_the_templates_are_found() -> None:
    names = {_name(path) for path in TEMPLATES}
    assert {"templates/base.html", "outcomes/table_f.html", "templates/template.html"} <= names


@pytest.mark.parametrize("path", TEMPLATES, ids=_name)
def test_no_template_holds_inline_script_or_style(path: Path) -> None:
    text = path.read_text()
    for tag in SCRIPT_TAG.findall(text):
        assert "src=" in tag or 'nonce="{{ cspNonce }}"' in tag, f"{_name(path)}: {tag}"
    assert not INLINE.findall(text), _name(path)


def test_a_bar_is_drawn_by_a_class_for_each_whole_percent() -> None:
    """Table F's and the capacity picture's bars: no inline width, a class per percent."""
    assert [bar_width(p) for p in (-3, 0, 0.4, 49.6, 100, 140.2)] == [0, 0, 0, 50, 100, 100]
    css = (PORTAL / "static" / "css" / "portal.css").read_text()
    for percent in range(101):
        assert f".portal-bar__fill--{percent}{{width:{percent}%}}" in css
