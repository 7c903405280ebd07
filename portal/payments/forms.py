from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import IntegerField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from portal.common.forms import GovDateField
from portal.common.money import parse_pounds


class CreateBatchForm(FlaskForm):
    # Choices are not fixed: create_batch checks each id is a payment ready to batch.
    payment_ids = SelectMultipleField("Payments", coerce=int, validate_choice=False)
    submit = SubmitField("Create batch", widget=GovSubmitInput())


class ExportBatchForm(FlaskForm):
    submit = SubmitField("Export payment list", widget=GovSubmitInput())


def _pounds_or_none(field: StringField) -> int | None:
    text = (field.data or "").strip()
    return parse_pounds(text) if text else None


class PaymentRuleForm(FlaskForm):
    effective_from = GovDateField(
        "When does the new rule start?",
        invalid_message="The start date must be a real date, for example 1 4 2027",
        validators=[InputRequired(message="Enter the date the new rule starts")],
    )
    weeks = IntegerField(
        "Weeks of payment",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the number of weeks the payment covers"),
            NumberRange(min=1, max=52, message="Weeks of payment must be between 1 and 52"),
        ],
    )
    minimum = StringField("Minimum payment (optional)", widget=GovTextInput())
    cap = StringField("Largest payment (optional)", widget=GovTextInput())
    threshold = StringField("Second approval above (optional)", widget=GovTextInput())
    submit = SubmitField("Save the new rule", widget=GovSubmitInput())

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field, what in (
            (self.minimum, "the minimum payment"),
            (self.cap, "the largest payment"),
            (self.threshold, "the amount that needs a second approval"),
        ):
            try:
                _pounds_or_none(field)
            except ValueError:
                field.errors = [*field.errors, f"Enter {what} in pounds, for example 50 or 50.00"]
                valid = False
        return valid

    def amounts(self) -> dict[str, int | None]:
        return {
            "minimum_pence": _pounds_or_none(self.minimum),
            "cap_pence": _pounds_or_none(self.cap),
            "second_approval_threshold_pence": _pounds_or_none(self.threshold),
        }


class SecondApprovalForm(FlaskForm):
    approve = SubmitField("Give second approval", widget=GovSubmitInput())
