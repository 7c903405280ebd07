"""No form says what wtforms says by default ("Not a valid integer value.", "This field is
required."): every form is walked, every field sent values it cannot take, and each message a
person is shown is in the design system's words and names its field.

wtforms' messages are collected from wtforms itself (its message catalogue and the strings its
code and Flask-WTF's pass to gettext), not typed in here, so a message a new version adds is
looked for too."""

from __future__ import annotations

import re
from pathlib import Path

import flask_wtf
import pytest
import wtforms
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import Field, Form

from portal.common.forms import PortalForm, every_field, field_words, in_our_words
from tests.unit.test_portal_forms import PAGE_FORMS, _filled, _request  # noqa: F401 (fixture)

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%s")


def _catalogue() -> set[str]:
    """Every English message of wtforms' (its .pot) and any other string it or Flask-WTF's
    file checks pass to gettext."""
    root = Path(wtforms.__file__).parent
    pot = (root / "locale" / "wtforms.pot").read_text(encoding="utf-8")
    found = set(re.findall(r'^msgid(?:_plural)? "(.+)"$', pot, re.M))
    sources = [*root.rglob("*.py"), Path(flask_wtf.__file__).parent / "file.py"]
    for source in sources:
        text = source.read_text(encoding="utf-8")
        found |= set(re.findall(r'gettext\(\s*"([^"]+)"', text))
        found |= set(re.findall(r'ngettext\(\s*"[^"]+",\s*"([^"]+)"', text))
    return found


def _pattern(message: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(message)
    # split keeps the placeholder's name (or None): every other part is literal text
    literal = [re.escape(part) for part in parts[::2]]
    return re.compile("(.+)".join(literal))


DEFAULTS = sorted(_catalogue())
PATTERNS = [_pattern(message) for message in DEFAULTS]
# Bad values for every kind of field: nothing, spaces, words in a number box, a negative, a
# huge number, a fraction, a string far too long, a date that is no date.
BAD = ["", " ", "ten", "-1", "99999999999", "1.5", "x" * 5000, "32", "a@"]


def _is_default(message: str) -> bool:
    return any(pattern.fullmatch(message) for pattern in PATTERNS)


def test_the_catalogue_holds_the_messages_people_saw() -> None:
    for message in (
        "Not a valid integer value.",
        "This field is required.",
        "Not a valid decimal value.",
        "Not a valid choice.",
        "Invalid email address.",
        "Not a valid date value.",
        "Invalid input.",
        "File does not have an approved extension.",
    ):
        assert message in DEFAULTS
    assert _is_default("Field must be between 1 and 20 characters long.")
    assert _is_default("Number must be between 0 and 999.")
    assert _is_default("'ten' is not a valid choice for this field.")


def _errors(form: Form) -> list[tuple[Form, Field, str]]:
    return [
        (within, field, error)
        for within, field in every_field(form)
        for error in field.errors
        if isinstance(error, str)
    ]


def _names_its_field(within: Form, field: Field, message: str) -> bool:
    words = field_words(within, field)
    said = message.lower()
    asked = (words.asked or "").split(",")[0].lower()
    return words.name.lower() in said or bool(asked and asked in said)


@pytest.mark.parametrize("cls", PAGE_FORMS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("value", BAD, ids=lambda value: repr(value[:8]))
def test_no_form_says_what_wtforms_says(cls: type[PortalForm], value: str) -> None:
    """Sent ``value`` in every field: no message is one of wtforms' own, and where wtforms'
    own would have been said (its checks run alone, without the portal's), what is said in
    its place names the field."""
    form = _filled(cls, value)
    form.validate()
    shown = _errors(form)
    assert [(field.name, error) for _, field, error in shown if _is_default(error)] == []

    bare = _filled(cls, value)
    FlaskForm.validate(bare)  # wtforms' and the fields' own checks only
    for within, field, error in _errors(bare):
        if _is_default(error):
            said = in_our_words(within, field, error)
            assert _names_its_field(within, field, said), (field.name, error, said)


def test_a_missing_field_is_asked_for_in_its_own_words() -> None:
    from portal.council.forms import SettingsForm

    form = SettingsForm(formdata=MultiDict({"decision_target_working_days": "ten"}))
    form.validate()
    assert form.decision_target_working_days.errors == [
        "Enter the working days a care manager has to decide as a whole number, like 10"
    ]


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("This field is required.", "Enter your care staff headcount"),
        (
            "Not a valid integer value.",
            "Enter your care staff headcount as a whole number, like 10",
        ),
        ("Number must be between 0 and 999.", "Care staff headcount must be between 0 and 999"),
        ("Number must be at least 0.", "Care staff headcount must be 0 or more"),
        (
            "Field cannot be longer than 20 characters.",
            "Care staff headcount must be 20 characters or fewer",
        ),
        ("Something the form says itself", "Something the form says itself"),
    ],
)
def test_each_of_wtforms_messages_in_a_fields_words(message: str, said: str) -> None:
    from portal.capacity.forms import CapacityForm

    form = CapacityForm(formdata=None)
    assert in_our_words(form, form.headcount, message) == said


def test_a_choice_not_offered_is_asked_for_again() -> None:
    from portal.providers.forms import ContractForm

    form = ContractForm(formdata=MultiDict({"contract_type": "franchise", "quadrant": "north"}))
    form.validate()
    assert form.contract_type.errors == ["Select the provider’s contract type"]
    assert form.quadrant.errors == ["Select the quadrant from the options shown"]
