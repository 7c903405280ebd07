"""Form fields shared across the portal, with messages in the design system's voice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
)
from wtforms import DateField


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

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not any(str(v).strip() for v in valuelist):
            self.data = None
            return
        parts = [str(v).strip() for v in valuelist]
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
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
