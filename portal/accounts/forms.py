from __future__ import annotations

from wtforms import EmailField, Field, PasswordField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length

from portal.accounts.models import User
from portal.accounts.passwords import problem_for
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


class ChangePasswordForm(PortalForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your current password")],
    )
    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter a new password")],
    )
    password_again = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Enter your new password again"),
            EqualTo("password", message="The new passwords do not match"),
        ],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class ForgottenPasswordForm(PortalForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter your email address"), Length(max=254)],
    )
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


def allowed_password(field: Field, user: User) -> str | None:
    """The new password typed in ``field`` for ``user``'s account, or None when the policy
    refuses it: the reason is then put beside the field."""
    password = str(field.data or "")
    problem = problem_for(password, name=user.name, email=user.email)
    if problem:
        field.errors = [*field.errors, problem]
        return None
    return password


class EndSessionForm(PortalForm):
    """A button only (the CSRF token is the form): sign out one of the person's other
    sessions, or all of them. The page writes its buttons itself, one per session."""

    submit = SubmitField("Sign out", widget=GovSubmitInput())
