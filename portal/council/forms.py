from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Regexp

_CODE = Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9./-]*$",
    message="Use letters, numbers, full stops, hyphens and slashes only",
)


class SettingsForm(FlaskForm):
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
