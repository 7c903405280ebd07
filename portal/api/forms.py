from __future__ import annotations

from wtforms import RadioField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from portal.api.keys import LIFETIMES, NAME_LONGEST
from portal.common.forms import GovRadios, PortalForm
from portal.common.widgets import GovSubmitInput, GovTextInput


class NewKeyForm(PortalForm):
    name = StringField(
        "Name the key",
        description="Name the system and where it runs, so you can tell your keys apart, "
        "for example “Nourish, live”",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter a name for the key"),
            Length(
                max=NAME_LONGEST, message=f"The name must be {NAME_LONGEST} characters or fewer"
            ),
        ],
    )
    lifetime = RadioField(
        "How long should the key work?",
        description="When it expires your system’s calls are refused: make a new key before then",
        choices=[(str(days), label) for days, label in LIFETIMES.items()],
        default="90",
        widget=GovRadios(),
        validators=[InputRequired(message="Select how long the key works")],
    )
    submit = SubmitField("Make the key", widget=GovSubmitInput())
    names_in_messages = {"lifetime": "How long the key works"}


class RevokeKeyForm(PortalForm):
    """A button only: the CSRF token is the form."""

    submit = SubmitField("Revoke key", widget=GovSubmitInput())
