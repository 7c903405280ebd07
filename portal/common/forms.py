"""The portal's forms and the fields they share, with messages in the design system's voice.

Every form is a ``PortalForm``: whatever a person typed into any of its boxes (sub-forms
included) is refused, beside the box, if it holds a control character, so no form has to
remember to check (see portal/common/text.py for why).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileRequired
from wtforms import (
    BooleanField,
    DateField,
    Field,
    FieldList,
    FileField,
    Form,
    FormField,
    HiddenField,
    TextAreaField,
)
from wtforms.fields.choices import SelectFieldBase
from wtforms.validators import DataRequired, InputRequired, ValidationError
from wtforms.widgets import HiddenInput

from portal.common.money import parse_pounds
from portal.common.text import control_character_message, has_control_characters
from portal.common.widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
)

# Fields that send no text of their own: a file, and the CSRF token (checked by its own rule).
_NO_TEXT = (FileField, HiddenField)
# What a choice holding a control character is told: no browser sends one, and the message
# wtforms would give quotes the value, control characters and all, into the page.
NOT_A_CHOICE = "Select from the options shown"


class PortalForm(FlaskForm):
    """The base of every form in the portal.

    ``names_in_messages`` names a field the way a sentence needs it where its label will not
    do (a question, say): ``{"evidence": "The evidence"}``. A sub-form in a ``FormField`` or
    ``FieldList`` may have its own; it needs no base of its own, as the form it sits in
    checks it.
    """

    names_in_messages: ClassVar[dict[str, str]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        token = self._fields.get("csrf_token")
        if token is not None:
            token.widget = _TOKEN_INPUT

    def process(
        self,
        formdata: Any = None,
        obj: Any = None,
        data: Any = None,
        extra_filters: Any = None,
        **kwargs: Any,
    ) -> None:
        super().process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)
        for _, field in every_field(self):
            _take_out_control_characters(field)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        refused = refuse_control_characters(self)
        put_in_our_words(self)
        return valid and not refused


class _TokenInput(HiddenInput):
    """The CSRF token's hidden input, with no id: a page with two forms (assign and decide,
    say) would otherwise hold two elements with the id "csrf_token"."""

    def __call__(self, field: Field, **kwargs: Any) -> Any:
        return super().__call__(field, **{**kwargs, "id": False})


_TOKEN_INPUT = _TokenInput()


# Set on a field whose input held a control character when the form read it.
_SENT_CONTROL_CHARACTERS = "sent_control_characters"


def _take_out_control_characters(field: Field) -> None:
    """Mark a field sent a control character, and take them out of what it shows: they are no
    more valid in the page than in the database, and sent again, the text is what the person
    saw. (Its data was read from what was sent, so a number still reads as no number.)"""
    multiline = isinstance(field, TextAreaField)
    if isinstance(field, _NO_TEXT) or not any(
        isinstance(value, str) and has_control_characters(value, multiline=multiline)
        for value in field.raw_data or ()
    ):
        return
    setattr(field, _SENT_CONTROL_CHARACTERS, True)
    field.raw_data = [_shown(value, multiline=multiline) for value in field.raw_data or ()]
    if isinstance(field.data, str):  # a text box shows its data, a number box its raw data
        field.data = _shown(field.data, multiline=multiline)


def _shown(value: Any, *, multiline: bool) -> Any:
    if not isinstance(value, str):
        return value
    return "".join(c for c in value if not has_control_characters(c, multiline=multiline))


def refuse_control_characters(form: Form) -> bool:
    """Give every field of ``form`` that was sent a control character one error (any others
    it has, such as "not a number", follow from it); whether there was one. A tick box (or
    a button) is let be: it keeps only whether it was sent."""
    refused = False
    for within, field in every_field(form):
        if not getattr(field, _SENT_CONTROL_CHARACTERS, False) or isinstance(field, BooleanField):
            continue
        if isinstance(field, SelectFieldBase):
            field.errors = [NOT_A_CHOICE]
        else:
            field.errors = [control_character_message(name_in_messages(within, field))]
        refused = True
    if refused:
        _gather_list_errors(form)
    return refused


# wtforms' own messages (its locale/wtforms.pot), each with what a person is told instead, in
# the design system's words and naming the field: a field with no message of its own for a
# problem (a number box sent "ten", a choice not offered, a limit with no message) would
# otherwise say "Not a valid integer value." A builder is given the field's words (see
# ``FieldWords``) and the numbers wtforms put in its message.
_OUR_WORDS: tuple[tuple[re.Pattern[str], Callable[[FieldWords, re.Match[str]], str]], ...] = tuple(
    (re.compile(pattern), builder)
    for pattern, builder in (
        (r"This field is required\.", lambda w, m: w.required()),
        (r"Not a valid integer value\.", lambda w, m: f"{w.enter} as a whole number, like 10"),
        (r"Not a valid (decimal|float) value\.", lambda w, m: f"{w.enter} as a number, like 2.5"),
        (
            r"Not a valid (date|datetime|time|week) value\.",
            lambda w, m: f"{w.name} must be a real date",
        ),
        (
            r"Not a valid choice\.|Invalid Choice: could not coerce\.|Invalid choice\(s\): .*"
            r"|'.*' (is|are) not (a )?valid choices? for this field\.|Choices cannot be None\.",
            lambda w, m: w.select,
        ),
        (
            r"Field must be between (\d+) and (\d+) characters long\.",
            lambda w, m: f"{w.name} must be between {m[1]} and {int(m[2]):,} characters",
        ),
        (
            r"Field must be at least (\d+) characters? long\.",
            lambda w, m: f"{w.name} must be {int(m[1]):,} characters or more",
        ),
        (
            r"Field cannot be longer than (\d+) characters?\.",
            lambda w, m: f"{w.name} must be {int(m[1]):,} characters or fewer",
        ),
        (
            r"Field must be exactly (\d+) characters? long\.",
            lambda w, m: f"{w.name} must be {int(m[1]):,} characters",
        ),
        (
            r"Number must be between (.+) and (.+)\.",
            lambda w, m: f"{w.name} must be between {m[1]} and {m[2]}",
        ),
        (r"Number must be at least (.+)\.", lambda w, m: f"{w.name} must be {m[1]} or more"),
        (r"Number must be at most (.+)\.", lambda w, m: f"{w.name} must be {m[1]} or less"),
        (
            r"Invalid email address\.",
            lambda w, m: "Enter an email address in the correct format, like name@example.com",
        ),
        (r"Field must be equal to (.+)\.", lambda w, m: f"{w.name} must match {m[1].lower()}"),
        (
            r"This field cannot be edited\.|This field is disabled and cannot have a value\.",
            lambda w, m: f"{w.name} cannot be changed here",
        ),
        (
            r"Invalid (input|URL|UUID|IP address|Mac address)\.|Invalid value, .*",
            lambda w, m: f"{w.enter} in the correct format",
        ),
    )
)


@dataclass(frozen=True, slots=True)
class FieldWords:
    """How the messages name a field. A field's own "required" message already says it the
    way a person would ("Enter the number of starters this month, or 0", "Select whether you
    pay travel time"), so its other messages start from that; a field without one is named
    by ``names_in_messages`` or its label."""

    name: str  # the start of a sentence: "Calls a day", "The reason"
    asked: str | None  # the field's own required message, if it has one
    choice: bool

    @property
    def enter(self) -> str:
        """'Enter the number of starters this month': what to type, from the field's words."""
        if self.asked and self.asked.startswith("Enter "):
            return self.asked.split(",")[0]
        return f"Enter {_mid_sentence(self.name)}"

    @property
    def select(self) -> str:
        if self.asked and self.asked.startswith("Select "):
            return self.asked
        return f"Select {_mid_sentence(self.name)} from the options shown"  # noqa: S608 (words, not SQL)

    def required(self) -> str:
        return self.select if self.choice else self.enter


def _mid_sentence(name: str) -> str:
    """A name as it reads inside a sentence: 'The reason' -> 'the reason'; an acronym
    ('FTE', 'CQC rating') keeps its capitals."""
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]


def field_words(form: Form, field: Field) -> FieldWords:
    asked = next(
        (
            validator.message
            for validator in field.validators
            if isinstance(validator, InputRequired | DataRequired | FileRequired)
            and isinstance(validator.message, str)
        ),
        None,
    )
    return FieldWords(
        name=name_in_messages(form, field),
        asked=asked,
        choice=isinstance(field, SelectFieldBase | FileField),
    )


def in_our_words(form: Form, field: Field, message: str) -> str:
    """``message`` as a person is told it: wtforms' own messages are put in the field's words."""
    for pattern, builder in _OUR_WORDS:
        match = pattern.fullmatch(message)
        if match:
            return builder(field_words(form, field), match)
    return message


def put_in_our_words(form: Form) -> None:
    """Every error of every field of ``form`` that is one of wtforms' own, replaced; a field
    whose input could not be read at all says only that."""
    changed = False
    for within, field in every_field(form):
        if not field.errors or isinstance(field.errors, dict):
            continue
        errors = list(field.errors)
        if field.process_errors and errors and errors[0] in field.process_errors:
            # What was sent could not be read ("ten" for a number): that is the one thing to
            # say; its range ("must be 1 to 60") would only confuse.
            errors = errors[:1]
        ours = [
            in_our_words(within, field, error) if isinstance(error, str) else error
            for error in errors
        ]
        if ours != list(field.errors):
            field.errors = ours
            changed = True
    if changed:
        _gather_list_errors(form)


def every_field(form: Form) -> Iterator[tuple[Form, Field]]:
    """Every field of ``form`` and of the forms within it (not the sub-forms themselves),
    each with the form it is in."""
    for field in form:
        if isinstance(field, FormField):
            yield from every_field(field.form)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                if isinstance(entry, FormField):
                    yield from every_field(entry.form)
                else:
                    yield form, entry
        else:
            yield form, field


def _gather_list_errors(form: Form) -> None:
    """A list gathers its entries' errors as it is validated, so again now: an entry that
    skips its own checks (a package line being ended) had none then."""
    for field in form:
        if isinstance(field, FormField):
            _gather_list_errors(field.form)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                if isinstance(entry, FormField):
                    _gather_list_errors(entry.form)
            entries = [entry.errors for entry in field.entries]
            field.errors = entries if any(entries) else []


def name_in_messages(form: Form, field: Field) -> str:
    names: dict[str, str] = getattr(form, "names_in_messages", {})
    return names.get(field.short_name) or field.label.text.removesuffix(" (optional)")


# A whole number in a query string: digits 0 to 9 (str.isdigit also takes "²", which int()
# refuses), no more of them than a database integer holds.
_QUERY_NUMBER = re.compile("[0-9]{1,9}")


def query_text(name: str, *, longest: int = 100) -> str:
    """Text typed into a search box that sends a query string. One holding a control
    character is ignored, as a filter ignores a value it does not recognise: it could match
    nothing saved, and PostgreSQL refuses a NUL outright."""
    value = request.args.get(name, "")[:longest]
    return "" if has_control_characters(value) else value


def query_number(name: str) -> int | None:
    """A whole number from the query string (an id, a page), or None for anything else."""
    value = request.args.get(name, "")
    return int(value) if _QUERY_NUMBER.fullmatch(value) else None


class AtMost:
    """The largest figure a field may hold, read from what was typed (a field whose figure
    could not be read has already said so)."""

    def __init__(self, most: int, message: str) -> None:
        self.most = most
        self.message = message

    def __call__(self, form: Form, field: Field) -> None:
        if field.data is not None and field.data > self.most:
            raise ValidationError(self.message)


def typed_pence(
    field: Field, *, problem: str, most: int, too_much: str, required: str | None = None
) -> int | None:
    """The amount of money typed into ``field``, in pence. None when it is empty (``required``
    says so where it may not be), not an amount (``problem``) or more than ``most`` pence
    (``too_much``); each message is put beside the field."""
    text = (field.data or "").strip()
    if not text:
        if required:
            field.errors = [*field.errors, required]
        return None
    try:
        pence = parse_pounds(text)
    except ValueError:
        field.errors = [*field.errors, problem]
        return None
    if pence > most:
        field.errors = [*field.errors, too_much]
        return None
    return pence


# Digits 0 to 9 only (str.isdigit also takes "²", which int() refuses), and no more of them
# than a year has.
_DATE_PART = re.compile("[0-9]{1,4}")


class GovDateField(DateField):
    """A day, month and year date that says what is wrong the GOV.UK way."""

    def __init__(self, label: str, *, invalid_message: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("widget", GovDateInput())
        kwargs.setdefault("format", "%d %m %Y")
        super().__init__(label, **kwargs)
        self.invalid_message = invalid_message or f"{label} must be a real date"

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        super().process(formdata, data, extra_filters)
        # The widget expects day, month and year; a request without the field at all
        # (not a browser) should show the field empty, not break the page.
        if self.raw_data is not None and len(self.raw_data) != 3:
            self.raw_data = None
        # Spaces alone are no date: InputRequired, which reads the day as sent, must see
        # an empty one.
        elif self.raw_data and not any(str(v).strip(" ") for v in self.raw_data):
            self.raw_data = ["", "", ""]

    def process_formdata(self, valuelist: list[Any]) -> None:
        parts = [str(v).strip(" ") for v in valuelist]
        if not any(parts):
            self.data = None
            return
        if len(parts) != 3 or not all(_DATE_PART.fullmatch(p) for p in parts):
            self.data = None
            raise ValueError(self.invalid_message)
        day, month, year = (int(p) for p in parts)
        if year < 1900:
            self.data = None
            raise ValueError(self.invalid_message)
        try:
            self.data = dt.date(year, month, day)
        except ValueError as error:
            self.data = None
            raise ValueError(self.invalid_message) from error


def _drop_empty_hint(params: dict[str, Any]) -> dict[str, Any]:
    hint = params.get("hint")
    if isinstance(hint, dict) and not (hint.get("text") or hint.get("html")):
        params["hint"] = None
    return params


class GovRadios(GovRadioInput):
    """Radios that leave out the hint when there is none (the widget renders an empty one)."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        return _drop_empty_hint(super().map_gov_params(field, **kwargs))


class GovCheckboxes(GovCheckboxesInput):
    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        return _drop_empty_hint(super().map_gov_params(field, **kwargs))


class GovCheckbox(GovCheckboxInput):
    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        return _drop_empty_hint(super().map_gov_params(field, **kwargs))
