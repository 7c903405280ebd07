from __future__ import annotations

from typing import Any

from wtforms import EmailField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length, Optional

from portal.common.forms import GovCheckboxes, PortalForm
from portal.common.roles import Role
from portal.common.widgets import GovSelect, GovSubmitInput, GovTextInput


def _optional_id(value: object) -> int | None:
    """A select's chosen id, or None for its empty first choice."""
    if value in (None, ""):
        return None
    return int(str(value))


def role_choices(roles: list[Role]) -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in roles]


def _roles_field() -> SelectMultipleField:
    # Which roles a page offers is its choice (views set ``choices``): an agency
    # administrator offers fewer than the council's.
    # No Optional(): it would take an empty first value as "nothing sent" and clear the
    # refusal of a value that is not one of the choices.
    return SelectMultipleField("Roles", choices=role_choices(list(Role)), widget=GovCheckboxes())


class _ChoosesRoles(PortalForm):
    roles: SelectMultipleField
    # Whether a role must be ticked here (the council's pages); an agency administrator's
    # colleague is a provider manager whatever is ticked.
    roles_required = True

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.roles_required and not self.roles.data and not self.roles.errors:
            self.roles.errors = [*self.roles.errors, "Select at least one role"]
            valid = False
        return valid

    def chosen_roles(self) -> frozenset[Role]:
        return frozenset(Role(value) for value in self.roles.data or [])


class RolesForm(_ChoosesRoles):
    roles = _roles_field()
    submit = SubmitField("Save roles", widget=GovSubmitInput())


class InviteForm(_ChoosesRoles):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the person’s full name"),
            Length(max=200, message="The name must be 200 characters or fewer"),
        ],
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the person’s email address"),
            Length(max=254, message="The email address must be 254 characters or fewer"),
            Email(
                message="Enter an email address in the correct format, like name@example.com",
                check_deliverability=False,
            ),
        ],
    )
    roles = _roles_field()
    provider_id = SelectField(
        "Provider",
        choices=[],
        coerce=_optional_id,
        widget=GovSelect(),
        validators=[Optional()],
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())
    names_in_messages = {"provider_id": "The provider"}


class ConfirmForm(PortalForm):
    """A button only: the CSRF token is the form."""

    submit = SubmitField("Continue", widget=GovSubmitInput())
