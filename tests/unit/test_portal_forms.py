"""Every form in portal/ refuses a control character in any field, without the field having
to ask: the forms are walked here, so a new form or field is covered by being written."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, FieldList, FileField, Form, FormField, HiddenField
from wtforms.fields.choices import SelectFieldBase

import portal
from portal.common.forms import (
    NOT_A_CHOICE,
    GovDateField,
    PortalForm,
    every_field,
    name_in_messages,
    query_number,
    query_text,
)
from portal.common.text import control_character_message


def _form_classes() -> list[type[Form]]:
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)

    def below(cls: type[Form]) -> Iterator[type[Form]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return sorted(
        {cls for cls in below(Form) if cls.__module__.startswith("portal.")},
        key=lambda cls: f"{cls.__module__}.{cls.__qualname__}",
    )


FORMS = _form_classes()
# The forms pages show; a base such as OutcomeForm is there for the forms made from it.
PAGE_FORMS = [cls for cls in FORMS if issubclass(cls, FlaskForm) and not cls.__subclasses__()]


@pytest.fixture(autouse=True)
def _request() -> Iterator[None]:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="unit", WTF_CSRF_ENABLED=False)
    with app.test_request_context():
        yield


def test_the_forms_are_found() -> None:
    names = {cls.__name__ for cls in FORMS}
    assert {"SignInForm", "RecommendationForm", "LineForm", "Outcome1Form", "CapacityForm"} <= (
        names
    )


def test_every_form_a_page_shows_is_a_portal_form() -> None:
    assert [cls for cls in PAGE_FORMS if not issubclass(cls, PortalForm)] == []


def test_every_other_form_sits_inside_a_portal_form() -> None:
    """A plain wtforms Form is checked by the form it sits in, so it must sit in one."""
    inside = set()
    for cls in PAGE_FORMS:
        for _, unbound in cls()._unbound_fields:
            if unbound.field_class is FieldList:
                unbound = unbound.args[0]
            if unbound.field_class is FormField:
                inside.add(unbound.args[0])
    assert [cls for cls in FORMS if not issubclass(cls, FlaskForm) and cls not in inside] == []


def _filled(cls: type[Form], value: str) -> Any:
    """``cls`` sent ``value`` in every field (a date in each of its parts, one entry of every
    list)."""
    empty = cls(formdata=None)
    for field in empty:
        if isinstance(field, FieldList):
            field.append_entry()
    data = MultiDict()
    for _, field in every_field(empty):
        for _ in range(3 if isinstance(field, GovDateField) else 1):
            data.add(field.name, value)
    form = cls(formdata=data)
    for _, field in every_field(form):
        if isinstance(field, SelectFieldBase) and field.choices is None:
            field.choices = [("", "")]  # choices a view fills in
    return form


@pytest.mark.parametrize("cls", PAGE_FORMS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize(
    "value", ["\x00", "12\x1f", "yes\x7f", "a\x85b", "\x0b", "a\ufffe", "\U0010ffff"], ids=repr
)
def test_a_control_character_anywhere_is_refused_beside_its_field(cls: type, value: str) -> None:
    form = _filled(cls, value)
    refusable = [
        (within, field)
        for within, field in every_field(form)
        # A tick box (and a button) keeps only whether it was sent; a file is not text.
        if not isinstance(field, BooleanField | FileField | HiddenField)
    ]
    valid = form.validate()
    assert not (refusable and valid)
    for within, field in refusable:
        expected = (
            NOT_A_CHOICE
            if isinstance(field, SelectFieldBase)
            else control_character_message(name_in_messages(within, field))
        )
        # First (a form's own checks may add more), and perhaps after the part of the form
        # it is in, as "East quadrant: ".
        assert field.errors and field.errors[0].endswith(expected), field.name
        assert not any(value in str(shown) for shown in field.raw_data or ()), field.name
    assert form.errors or not refusable, "the error summary is built from form.errors"


def test_an_ending_package_line_still_refuses_one() -> None:
    """A line being ended skips its checks, as nothing else about it matters."""
    from portal.recommendations.forms import RecommendationForm

    sent = MultiDict({"lines-0-end_line": "y", "lines-0-calls_per_day": "\x00"})
    form = RecommendationForm(formdata=sent)
    assert not form.validate()
    line = form.lines.entries[0].form
    assert line.calls_per_day.errors == [control_character_message("Calls a day")]
    assert form.errors["lines"] == [{"calls_per_day": line.calls_per_day.errors}]


@pytest.mark.parametrize("cls", FORMS, ids=lambda cls: cls.__name__)
def test_every_field_is_named_as_a_sentence_needs(cls: type) -> None:
    """The control character message starts with the field's name: a label that is a
    question needs a name in ``names_in_messages``."""
    form = _filled(cls, "")
    for within, field in every_field(form):
        if isinstance(field, BooleanField | FileField | HiddenField | SelectFieldBase):
            continue
        name = name_in_messages(within, field)
        assert "?" not in name and ":" not in name, f"{cls.__name__}.{field.name}: {name}"


def test_a_text_area_keeps_its_line_breaks_and_tabs() -> None:
    from portal.payments.forms import CancelPaymentForm

    form = CancelPaymentForm(formdata=MultiDict({"reason": "Wrong person.\r\n\tSee notes."}))
    assert form.validate()
    assert form.reason.data == "Wrong person.\r\n\tSee notes."


def test_a_single_line_box_refuses_a_tab() -> None:
    from portal.accounts.forms import SignInForm

    form = SignInForm(formdata=MultiDict({"email": "a@b.example\t", "password": "x"}))
    assert not form.validate()
    assert form.email.errors == [control_character_message("Email address")]
    assert form.email.data == "a@b.example"  # shown again without it


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (["²", "3", "2027"], "The start date must be a real date, for example 27 3 2027"),
        (["1", "3", "9" * 5000], "The start date must be a real date, for example 27 3 2027"),
        ([" ", " ", " "], "Enter the date the change should start"),
    ],
)
def test_a_date_refuses_what_is_no_date(parts: list[str], message: str) -> None:
    from portal.recommendations.forms import RecommendationForm

    form = RecommendationForm(formdata=MultiDict([("proposed_start_date", p) for p in parts]))
    form.validate()
    assert form.proposed_start_date.errors == [message]


@pytest.mark.parametrize(
    ("query", "number", "text"),
    [
        ("?page=12&q=Able", 12, "Able"),
        ("?page=²&q=Ab%00le", None, ""),
        ("?page=1234567890&q=%1F", None, ""),
        ("?page=-1&q=" + "a" * 150, None, "a" * 100),
    ],
)
def test_query_strings(query: str, number: int | None, text: str) -> None:
    app = Flask(__name__)
    with app.test_request_context(f"/{query}"):
        assert query_number("page") == number
        assert query_text("q") == text
