from __future__ import annotations

from typing import Any

from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Regexp

from portal.common.care import CareCategory, PricingZone
from portal.common.forms import GovDateField, PortalForm, typed_pence
from portal.common.money import MOST_HOURLY_PENCE
from portal.common.widgets import GovSelect, GovSubmitInput, GovTextInput
from portal.council.models import MOST_WEIGHT, RANKING_WEIGHTS

_CODE = Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9./-]*$",
    message="Use letters, numbers, full stops, hyphens and slashes only",
)


class SettingsForm(PortalForm):
    decision_target_working_days = IntegerField(
        "Working days a care manager has to decide a recommendation",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the working days a care manager has to decide"),
            NumberRange(min=1, max=60, message="The decision target must be 1 to 60 working days"),
        ],
    )
    outcome_return_due_days = IntegerField(
        "Days after a quarter ends that outcome returns are due",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the days after a quarter that returns are due"),
            NumberRange(
                min=1, max=90, message="Returns must be due 1 to 90 days after the quarter"
            ),
        ],
    )
    capacity_opens_day = IntegerField(
        "Day of the month capacity returns open",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the day of the month capacity returns open"),
            NumberRange(min=1, max=28, message="The opening day must be from the 1st to the 28th"),
        ],
    )
    capacity_closes_day = IntegerField(
        "Day of the month capacity returns close",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the day of the month capacity returns close"),
            NumberRange(min=1, max=28, message="The closing day must be from the 1st to the 28th"),
        ],
    )
    wage_floor = StringField(
        "Wage floor for care staff",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the hourly wage floor")],
    )
    smallest_comparable_sample = IntegerField(
        "Smallest sample to compare",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the smallest sample to compare, for example 30"),
            NumberRange(
                min=1, max=1000, message="The smallest sample must be from 1 to 1,000 returns"
            ),
        ],
    )
    cost_centre = StringField(
        "Cost centre",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the cost centre one-off payments are charged to"),
            Length(max=20, message="The cost centre must be 20 characters or fewer"),
            _CODE,
        ],
    )
    nominal_code = StringField(
        "Nominal code",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the nominal code one-off payments are charged to"),
            Length(max=20, message="The nominal code must be 20 characters or fewer"),
            _CODE,
        ],
    )
    submit = SubmitField("Save settings", widget=GovSubmitInput())

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        opens, closes = self.capacity_opens_day.data, self.capacity_closes_day.data
        if opens is not None and closes is not None and opens > closes:
            self.capacity_closes_day.errors = [
                *self.capacity_closes_day.errors,
                "The closing day must be on or after the opening day",
            ]
            valid = False
        if self.wage_floor.errors:  # empty, or a hidden character
            return False
        pence = typed_pence(
            self.wage_floor,
            required="Enter the hourly wage floor",
            problem="Enter the wage floor in pounds and pence, for example 12.71",
            most=MOST_HOURLY_PENCE,
            too_much=f"The wage floor must be £{MOST_HOURLY_PENCE // 100} an hour or less",
        )
        if pence is None:
            return False
        self.wage_floor_pence = pence
        return valid


class CardRateForm(PortalForm):
    pricing_zone = SelectField(
        "Pricing zone",
        choices=[("", "Select a pricing zone")] + [(z.value, z.label) for z in PricingZone],
        widget=GovSelect(),
        validators=[InputRequired(message="Select the pricing zone")],
    )
    care_category = SelectField(
        "Care category",
        choices=[("", "Select a care category")] + [(c.value, c.label) for c in CareCategory],
        widget=GovSelect(),
        validators=[InputRequired(message="Select the care category")],
    )
    rate = StringField("Hourly rate", widget=GovTextInput())
    effective_from = GovDateField(
        "When does the rate start?",
        invalid_message="The start date must be a real date, for example 1 4 2027",
        validators=[InputRequired(message="Enter the date the rate starts")],
    )
    submit = SubmitField("Add the rate", widget=GovSubmitInput())

    names_in_messages = {"effective_from": "The start date"}

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.rate.errors:  # a hidden character, said already
            return False
        pence = typed_pence(
            self.rate,
            required="Enter the hourly rate",
            problem="Enter the hourly rate in pounds and pence, for example 21.50",
            most=MOST_HOURLY_PENCE,
            too_much=f"The hourly rate must be £{MOST_HOURLY_PENCE // 100} or less",
        )
        if pence == 0:
            self.rate.errors = [*self.rate.errors, "The hourly rate must be more than £0"]
        if pence is None or pence == 0:
            return False
        self.hourly_rate_pence = pence
        return valid


def _weight(label: str, what: str) -> IntegerField:
    return IntegerField(
        label,
        widget=GovTextInput(),
        validators=[
            InputRequired(message=f"Enter the weight of {what}, from 0 to {MOST_WEIGHT}"),
            NumberRange(
                min=0,
                max=MOST_WEIGHT,
                message=f"The weight of {what} must be a whole number from 0 to {MOST_WEIGHT}",
            ),
        ],
    )


class RankingWeightsForm(PortalForm):
    """How much each figure counts towards a provider's score in the annual re-ranking."""

    ranking_weight_cqc = _weight("CQC rating", "the CQC rating")
    ranking_weight_qaf = _weight("QAF level", "the QAF level")
    ranking_weight_outcomes = _weight("Outcome results", "outcome results")
    ranking_weight_outcome_returns = _weight("Outcome returns on time", "outcome returns on time")
    ranking_weight_capacity_returns = _weight(
        "Capacity returns on time", "capacity returns on time"
    )
    submit = SubmitField("Save the weights", widget=GovSubmitInput())

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not any(self[name].data for name in RANKING_WEIGHTS):
            first = self[RANKING_WEIGHTS[0]]
            first.errors = [*first.errors, "Give at least one figure a weight above 0"]
            return False
        return valid
