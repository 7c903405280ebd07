from __future__ import annotations

from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length

from portal.common.forms import PortalForm
from portal.common.widgets import GovSubmitInput, GovTextInput


class CodeForm(PortalForm):
    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the 6-digit code from your authenticator app"),
            Length(max=20, message="Enter the 6-digit code from your authenticator app"),
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class RecoveryCodeForm(PortalForm):
    code = StringField(
        "Recovery code",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter a recovery code"),
            Length(max=40, message="Enter a recovery code as you saved it, such as abcde-12345"),
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class SavedCodesForm(PortalForm):
    """A button only: the CSRF token is the form."""

    submit = SubmitField("I have saved these codes", widget=GovSubmitInput())
