"""The GOV.UK widgets every form field is rendered with: govuk-frontend-wtf's, each calling
its GOV.UK macro itself and keeping the HTML it made.

govuk-frontend-wtf renders each field through Flask's ``render_template``: a template of
its own, the page's whole context worked out again (every context processor) and the
macro imported into it, then the macro's nested calls (a date is a fieldset, a hint and
three inputs). A field's HTML depends on nothing but the parameters the widget hands the
macro: the GOV.UK macros read no request, session or setting. So the widgets here call the
macro straight and keep the HTML of the last few hundred sets of parameters, keyed by the
parameters themselves: a form shown again with the same choices, values and hints (the
review page's decision form, the payments page's filters) costs a look-up per field, and
two sets of parameters that differ in anything, a value typed or a choice made, never share
HTML. A field shown with an error is rendered afresh and not kept. The HTML is byte for
byte what govuk-frontend-wtf renders."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from flask import current_app
from govuk_frontend_wtf import wtforms_widgets as gov
from jinja2 import Environment
from markupsafe import Markup

# How many fields' HTML each process keeps: every form field of every page shown with its
# usual choices fits many times over.
KEPT = 512


class _Unkept(Exception):
    """Parameters holding something other than text, numbers, Markup, lists and dicts."""


def _frozen(value: Any) -> Any:
    """``value`` as a hashable key that ``_thawed`` turns back into an equal value. Each
    kind is tagged so that values that compare equal but render differently (1 and True,
    text and Markup) never share a key."""
    kind = type(value)
    if kind is str or value is None:
        return value
    if kind is Markup:
        return ("markup", str(value))
    if kind in (bool, int, float):
        return (kind.__name__, value)
    if kind is dict:
        if not all(type(key) is str for key in value):
            raise _Unkept
        return ("dict", tuple((key, _frozen(item)) for key, item in value.items()))
    if kind in (list, tuple):
        return (kind.__name__, tuple(_frozen(item) for item in value))
    raise _Unkept


_KINDS: dict[str, Any] = {"markup": Markup, "bool": bool, "int": int, "float": float}


def _thawed(key: Any) -> Any:
    if key is None or type(key) is str:
        return key
    tag, content = key
    if tag == "dict":
        return {name: _thawed(item) for name, item in content}
    if tag == "list":
        return [_thawed(item) for item in content]
    if tag == "tuple":
        return tuple(_thawed(item) for item in content)
    return _KINDS[tag](content)


@lru_cache(maxsize=64)
def _macro(environment: Environment, template: str) -> tuple[str, str]:
    """The GOV.UK macro (its template and name) that a govuk-frontend-wtf widget's template
    imports and calls, as ``{% from '...' import govukInput %}{{ govukInput(params) }}``."""
    assert environment.loader is not None
    source, _, _ = environment.loader.get_source(environment, template)
    found = _IMPORT.match(source)
    if found is None:
        raise LookupError(f"{template} does not start by importing a GOV.UK macro")
    return found.group(1), found.group(2)


_IMPORT = re.compile(r"{% from '([^']+)' import (\w+) %}")


def _call_macro(environment: Environment, widget_template: str, params: Any) -> Markup:
    template, name = _macro(environment, widget_template)
    html = getattr(environment.get_template(template).module, name)(params)
    if not isinstance(html, Markup):  # the templates are HTML, so escaped as they are made
        raise TypeError(f"{name} gave text, not Markup: is autoescaping off?")
    return html


@lru_cache(maxsize=KEPT)
def _kept(environment: Environment, widget_template: str, key: Any) -> Markup:
    return _call_macro(environment, widget_template, _thawed(key))


class MacroWidget:
    """Mixed in before a govuk-frontend-wtf widget: renders with the GOV.UK macro that the
    widget's own template calls."""

    template: str  # the govuk-frontend-wtf widget's

    def render(self, params: dict[str, Any]) -> Markup:
        environment = current_app.jinja_env
        if params.get("errorMessage"):
            return _call_macro(environment, self.template, params)
        try:
            key = _frozen(params)
        except _Unkept:
            return _call_macro(environment, self.template, params)
        return _kept(environment, self.template, key)


# fmt: off
class GovTextInput(MacroWidget, gov.GovTextInput): ...
class GovPasswordInput(MacroWidget, gov.GovPasswordInput): ...
class GovTextArea(MacroWidget, gov.GovTextArea): ...
class GovSelect(MacroWidget, gov.GovSelect): ...
class GovSubmitInput(MacroWidget, gov.GovSubmitInput): ...
class GovFileInput(MacroWidget, gov.GovFileInput): ...
class GovDateInput(MacroWidget, gov.GovDateInput): ...
class GovRadioInput(MacroWidget, gov.GovRadioInput): ...
class GovCheckboxesInput(MacroWidget, gov.GovCheckboxesInput): ...
class GovCheckboxInput(MacroWidget, gov.GovCheckboxInput): ...
# fmt: on
