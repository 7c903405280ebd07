from __future__ import annotations

from typing import Any

from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.common.forms import GovDateField, GovRadios, PortalForm, typed_pence
from portal.common.money import parse_pounds
from portal.common.widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput

# A payment rule's amounts, at most: far above any payment the rule makes (a week's care
# is a few hundred pounds), and far inside the database's whole numbers.
MOST_RULE_PENCE = 100_000_00


class CreateBatchForm(PortalForm):
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
    names_in_messages = {"provider_id": "The provider"}

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.scope.data == "provider" and not self.provider_id.data:
            self.provider_id.errors = [*self.provider_id.errors, "Select the provider"]
            valid = False
        return valid

    def chosen_provider_id(self) -> int | None:
        return int(self.provider_id.data) if self.scope.data == "provider" else None


class ExportBatchForm(PortalForm):
    submit = SubmitField("Confirm and export", widget=GovSubmitInput())


class MarkPaidForm(PortalForm):
    paid_on = GovDateField(
        "When was the batch paid?",
        invalid_message="The payment date must be a real date, for example 27 3 2027",
        validators=[InputRequired(message="Enter the date the batch was paid")],
    )
    submit = SubmitField("Mark as paid", widget=GovSubmitInput())

    names_in_messages = {"paid_on": "The payment date"}


class CancelPaymentForm(PortalForm):
    reason = TextAreaField(
        "Why is the payment being cancelled?",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Enter why the payment is being cancelled"),
            Length(max=1000, message="The reason must be 1,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Cancel the payment", widget=GovSubmitInput())

    names_in_messages = {"reason": "The reason"}


class ReversePaymentForm(PortalForm):
    reason = TextAreaField(
        "Why is the payment being reversed?",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Enter why the payment is being reversed"),
            Length(max=1000, message="The reason must be 1,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Reverse the payment", widget=GovSubmitInput())

    names_in_messages = {"reason": "The reason"}


def _pounds_or_none(field: StringField) -> int | None:
    text = (field.data or "").strip()
    return parse_pounds(text) if text else None


class PaymentRuleForm(PortalForm):
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

    names_in_messages = {
        "effective_from": "The start date",
        "threshold": "The amount that needs a second approval",
    }

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field, what in (
            (self.minimum, "the minimum payment"),
            (self.cap, "the largest payment"),
            (self.threshold, "the amount that needs a second approval"),
        ):
            if field.errors:
                continue  # a hidden character, said already
            pence = typed_pence(
                field,
                problem=f"Enter {what} in pounds, for example 50 or 50.00",
                most=MOST_RULE_PENCE,
                too_much=f"{what.capitalize()} must be £{MOST_RULE_PENCE // 100:,} or less",
            )
            if field is self.cap and pence == 0:
                field.errors = [*field.errors, "The largest payment must be more than £0"]
            valid = valid and not field.errors
        return valid

    def amounts(self) -> dict[str, int | None]:
        return {
            "minimum_pence": _pounds_or_none(self.minimum),
            "cap_pence": _pounds_or_none(self.cap),
            "second_approval_threshold_pence": _pounds_or_none(self.threshold),
        }


class SecondApprovalForm(PortalForm):
    approve = SubmitField("Give second approval", widget=GovSubmitInput())
