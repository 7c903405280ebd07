from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.common.forms import GovDateField, GovRadios
from portal.common.money import parse_pounds


class CreateBatchForm(FlaskForm):
    scope = RadioField(
        "Which payments go in the batch?",
        choices=[("all", "Every payment ready to pay"), ("provider", "One provider’s")],
        widget=GovRadios(),
        validators=[InputRequired(message="Select which payments go in the batch")],
    )
    provider_id = SelectField(
        "If one provider’s: which provider",
        coerce=str,
        widget=GovSelect(),
        validators=[Optional()],
    )
    submit = SubmitField("Create batch", widget=GovSubmitInput())

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.scope.data == "provider" and not self.provider_id.data:
            self.provider_id.errors = [*self.provider_id.errors, "Select the provider"]
            valid = False
        return valid

    def chosen_provider_id(self) -> int | None:
        return int(self.provider_id.data) if self.scope.data == "provider" else None


class ExportBatchForm(FlaskForm):
    submit = SubmitField("Export payment list", widget=GovSubmitInput())


class MarkPaidForm(FlaskForm):
    paid_on = GovDateField(
        "When was the batch paid?",
        invalid_message="The payment date must be a real date, for example 27 3 2027",
        validators=[InputRequired(message="Enter the date the batch was paid")],
    )
    submit = SubmitField("Mark as paid", widget=GovSubmitInput())


class CancelPaymentForm(FlaskForm):
    reason = TextAreaField(
        "Why is the payment being cancelled?",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Enter why the payment is being cancelled"),
            Length(max=1000, message="The reason must be 1,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Cancel the payment", widget=GovSubmitInput())


class ReversePaymentForm(FlaskForm):
    reason = TextAreaField(
        "Why is the payment being reversed?",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Enter why the payment is being reversed"),
            Length(max=1000, message="The reason must be 1,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Reverse the payment", widget=GovSubmitInput())


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
