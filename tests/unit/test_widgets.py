"""The portal's widgets (common/widgets.py) call the GOV.UK macros themselves and keep the
HTML they made: every field of every form must render byte for byte as govuk-frontend-wtf's
own widget renders it, blank, filled in and refused; and HTML kept for one set of
parameters must never be shown for another."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import govuk_frontend_wtf
import pytest
from flask import Flask
from govuk_frontend_wtf.gov_form_base import GovFormBase
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Field, FieldList, Form, FormField

from portal import create_app
from portal.common import widgets
from portal.common.widgets import MacroWidget
from tests.unit.test_portal_forms import PAGE_FORMS

WIDGETS = [cls for cls in vars(widgets).values() if isinstance(cls, type)]
WIDGETS = [cls for cls in WIDGETS if issubclass(cls, MacroWidget) and cls is not MacroWidget]


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})


@pytest.mark.parametrize("widget", WIDGETS, ids=lambda cls: cls.__name__)
def test_each_widget_finds_the_macro_its_own_template_calls(
    app: Flask, widget: type[MacroWidget]
) -> None:
    template = (
        Path(govuk_frontend_wtf.__file__).parent / "templates" / widget.template.split("/")[1]
    )
    source = template.read_text()
    macro, name = widgets._macro(app.jinja_env, widget.template)
    assert source.startswith(f"{{% from '{macro}' import {name} %}}")
    assert callable(getattr(app.jinja_env.get_template(macro).module, name))


def _fields(form: Form) -> Iterator[Field]:
    for field in form:
        if isinstance(field, FieldList):
            for entry in field.entries:
                yield from _fields(entry.form) if isinstance(entry, FormField) else [entry]
        elif isinstance(field, FormField):
            yield from _fields(field.form)
        else:
            yield field


def _render_both(field: Field) -> tuple[Markup, Markup]:
    """The field through the portal's widget, then through govuk-frontend-wtf's render."""
    ours = field()
    widget = field.widget
    original = widget.render
    try:
        widget.render = lambda params: GovFormBase.render(widget, params)  # type: ignore[method-assign]
        theirs = field()
    finally:
        widget.render = original  # type: ignore[method-assign]
    return ours, theirs


def _rendered_forms(app: Flask, formdata: MultiDict[str, str] | None) -> Iterator[Field]:
    for form_class in PAGE_FORMS:
        with app.test_request_context(method="POST" if formdata is not None else "GET"):
            form = form_class(formdata=formdata, meta={"csrf": False})
            for field in _fields(form):
                if getattr(field, "choices", False) is None:  # choices a view sets
                    field.choices = [("", "Select one"), ("a", "A & <b>")]
                if isinstance(field.widget, MacroWidget):
                    yield field


def test_every_field_of_every_form_renders_as_govuk_frontend_wtf_renders_it(app: Flask) -> None:
    seen: set[type] = set()
    # Blank, then with every box filled in wrongly so that each shows its error.
    for formdata in (None, MultiDict({"x": "1"})):
        for field in _rendered_forms(app, formdata):
            with app.test_request_context():
                if formdata is not None and field.type not in ("SubmitField", "FileField"):
                    field.process(MultiDict({field.name: "\x01 nonsense"}))
                    field.errors = [f"Enter {field.label.text} properly"]
                ours, theirs = _render_both(field)
                assert ours == theirs, field.name
                assert type(ours) is Markup
            seen.add(type(field.widget))
    assert {cls for cls in WIDGETS if cls.__name__ != "GovPasswordInput"} <= {
        cls for widget in seen for cls in widget.__mro__
    }


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"value": "1"}, {"value": 1}),
        ({"value": 1}, {"value": True}),
        ({"hint": {"text": "<b>"}}, {"hint": {"html": "<b>"}}),
        ({"hint": {"html": "<b>"}}, {"hint": {"html": Markup("<b>")}}),
        ({"items": [{"value": "a", "checked": True}]}, {"items": [{"value": "a"}]}),
    ],
)
def test_html_kept_for_one_set_of_parameters_is_never_shown_for_another(
    app: Flask, first: dict[str, Any], second: dict[str, Any]
) -> None:
    widget = widgets.GovTextInput()
    base = {"id": "box", "name": "box", "label": {"text": "Box"}}
    with app.test_request_context():
        for params in (first, second, first):
            ours = widget.render({**base, **params})
            assert ours == GovFormBase.render(widget, {**base, **params})


def test_parameters_come_back_from_their_key_as_they_were() -> None:
    params = {
        "text": "a",
        "html": Markup("<b>a</b>"),
        "number": 2,
        "ratio": 0.5,
        "on": False,
        "none": None,
        "items": [{"value": "1", "checked": True}, ("x", 1)],
    }
    back = widgets._thawed(widgets._frozen(params))
    assert back == params
    assert type(back["html"]) is Markup and type(back["on"]) is bool
    assert type(back["items"][1]) is tuple
