from __future__ import annotations

import datetime as dt
from typing import Any

from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional, Regexp

from portal.common.database import LARGEST_ID
from portal.common.forms import GovDateField, PortalForm
from portal.common.widgets import GovSelect, GovTextInput


def _stripped(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _optional_text(label: str, check: Any) -> StringField:
    # Stripped: spaces alone are no filter (Optional() lets them through as sent, and a
    # record ID of " " is no number to look for).
    return StringField(
        label, widget=GovTextInput(), filters=[_stripped], validators=[Optional(), check]
    )


class AuditFilterForm(PortalForm):
    """The audit viewer's filters, sent as a query string (a GET changes nothing, so no
    CSRF token). Each is optional; the views set the record type and action choices."""

    class Meta:
        csrf = False

    case_reference = _optional_text(
        "Service user’s case reference",
        Length(max=20, message="The case reference must be 20 characters or fewer"),
    )
    record_type = SelectField("Record type", choices=[], widget=GovSelect(), validate_choice=False)
    record_id = _optional_text(
        "Record ID",
        Regexp("^[0-9]{1,10}$", message="Enter a record ID as a whole number, like 42"),
    )
    action = SelectField("Action", choices=[], widget=GovSelect(), validate_choice=False)
    actor = _optional_text(
        "Done by (name or email address)",
        Length(max=254, message="Done by must be 254 characters or fewer"),
    )
    date_from = GovDateField("Date from", validators=[Optional()])
    date_to = GovDateField("Date to", validators=[Optional()])

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        start, end = self.date_from.data, self.date_to.data
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            self.date_to.errors = [
                *self.date_to.errors,
                "Date to must be the same as or after date from",
            ]
            valid = False
        record_id = self.record_id
        if not record_id.errors and record_id.data and not 1 <= int(record_id.data) <= LARGEST_ID:
            self.record_id.errors = [*self.record_id.errors, "Enter a record ID from 1 upwards"]
            valid = False
        for field, message in (
            (self.record_type, "Select a record type from the list"),
            (self.action, "Select an action from the list"),
        ):
            offered = {str(choice[0]) for choice in field.choices or []}
            if field.data and field.data not in offered:
                field.errors = [*field.errors, message]
                valid = False
        return valid
