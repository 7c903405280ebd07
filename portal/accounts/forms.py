from __future__ import annotations

from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import InputRequired, Length

from portal.common.forms import PortalForm
from portal.common.widgets import GovPasswordInput, GovSubmitInput, GovTextInput


class SignInForm(PortalForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter your email address"), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password")],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class SetPasswordForm(PortalForm):
    password = PasswordField(
        "Create a password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter a password")],
    )
    submit = SubmitField("Set password", widget=GovSubmitInput())
