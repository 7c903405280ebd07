"""The provider register's forms: adding a provider, and each dated change to it."""

from __future__ import annotations

from typing import Any

from wtforms import (
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, Regexp

from portal.common.forms import GovCheckboxes, GovDateField, GovRadios, PortalForm
from portal.common.widgets import GovSubmitInput, GovTextArea, GovTextInput
from portal.providers.enums import CareCategory, ContractType, CqcRating, QafLevel, Quadrant

# The CQC's location ids: "1-" then the digits it numbers locations with.
CQC_LOCATION_ID = r"^1-[0-9]{9,11}$"
NOT_ASSESSED = "none"
YES_NO = [("yes", "Yes"), ("no", "No")]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _yes_no(label: str, message: str) -> RadioField:
    return RadioField(
        label, choices=YES_NO, widget=GovRadios(), validators=[InputRequired(message=message)]
    )


def _choice(label: str, members: Any, message: str) -> RadioField:
    """One of an enum's members, as radios."""
    return RadioField(
        label,
        choices=[(m.value, m.label) for m in members],
        widget=GovRadios(),
        validators=[InputRequired(message=message)],
    )


def _categories() -> SelectMultipleField:
    return SelectMultipleField(
        "Care categories awarded",
        choices=[(c.value, c.label) for c in CareCategory],
        widget=GovCheckboxes(),
    )


def _effective_on(label: str, what: str) -> GovDateField:
    return GovDateField(
        label,
        invalid_message=f"{what} must be a real date, for example 27 3 2026",
        validators=[InputRequired(message=f"Enter {what.lower()}")],
    )


def _reason(label: str) -> TextAreaField:
    return TextAreaField(
        label,
        widget=GovTextArea(),
        filters=[_strip],
        validators=[Length(max=1000, message="The reason must be 1,000 characters or fewer")],
    )


def _need_categories(field: SelectMultipleField) -> bool:
    if field.data:
        return True
    field.errors = [*field.errors, "Select at least one care category"]
    return False


def _name() -> StringField:
    return StringField(
        "Provider name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired(message="Enter the provider’s name"),
            Length(max=200, message="The name must be 200 characters or fewer"),
        ],
    )


def _supplier_reference() -> StringField:
    return StringField(
        "Supplier reference",
        widget=GovTextInput(),
        filters=[_strip, lambda value: value.upper() if isinstance(value, str) else value],
        validators=[
            InputRequired(message="Enter the supplier reference finance pays the provider by"),
            Length(max=40, message="The supplier reference must be 40 characters or fewer"),
            Regexp(
                r"^[A-Za-z0-9][A-Za-z0-9./-]*$",
                message="Use letters, numbers, full stops, hyphens and slashes only",
            ),
        ],
    )


def _cqc_location_id() -> StringField:
    return StringField(
        "CQC location ID",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired(message="Enter the provider’s CQC location ID"),
            Regexp(
                CQC_LOCATION_ID,
                message="Enter the CQC location ID as the CQC writes it, like 1-123456789",
            ),
        ],
    )


def _contract_type() -> RadioField:
    return _choice("Contract type", ContractType, "Select the provider’s contract type")


def _quadrant() -> RadioField:
    return RadioField(
        "Quadrant (for a Patch provider)",
        choices=[(q.value, q.label) for q in Quadrant],
        widget=GovRadios(),
        validators=[Optional()],
    )


def _need_quadrant(form: Any) -> bool:
    if form.contract_type.data == ContractType.PATCH.value and not form.quadrant.data:
        form.quadrant.errors = [*form.quadrant.errors, "Select the quadrant a Patch provider owns"]
        return False
    return True


class ProviderForm(PortalForm):
    name = _name()
    supplier_reference = _supplier_reference()
    cqc_location_id = _cqc_location_id()
    contract_type = _contract_type()
    quadrant = _quadrant()
    categories = _categories()
    strategic_tier = _yes_no(
        "Is the provider in the strategic tier?",
        "Select whether the provider is in the strategic tier",
    )
    trusted_assessor = _yes_no(
        "Is the provider a trusted assessor?",
        "Select whether the provider is a trusted assessor",
    )
    cqc_rating = _choice("CQC rating", CqcRating, "Select the provider’s CQC rating")
    cqc_rated_on = GovDateField(
        "Date of the CQC rating (optional if not yet rated)",
        invalid_message="The date of the CQC rating must be a real date, for example 27 3 2026",
        validators=[Optional()],
    )
    qaf_level = RadioField(
        "QAF level",
        choices=[*((q.value, q.label) for q in QafLevel), (NOT_ASSESSED, "Not assessed yet")],
        widget=GovRadios(),
        validators=[InputRequired(message="Select the provider’s QAF level, or not assessed yet")],
    )
    qaf_assessed_on = GovDateField(
        "Date of the QAF assessment (optional if not assessed)",
        invalid_message="The date of the QAF assessment must be a real date, for example 27 3 2026",
        validators=[Optional()],
    )
    submit = SubmitField("Add provider", widget=GovSubmitInput())

    names_in_messages = {
        "cqc_rated_on": "The date of the CQC rating",
        "qaf_assessed_on": "The date of the QAF assessment",
        "quadrant": "The quadrant",
        "categories": "The care categories",
    }

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        valid = _need_categories(self.categories) and valid
        valid = _need_quadrant(self) and valid
        rated = self.cqc_rating.data not in (None, CqcRating.NOT_YET_RATED.value)
        if rated and self.cqc_rated_on.data is None and not self.cqc_rated_on.errors:
            self.cqc_rated_on.errors = [
                *self.cqc_rated_on.errors,
                "Enter the date of the CQC rating",
            ]
            valid = False
        assessed = self.qaf_level.data not in (None, NOT_ASSESSED)
        if assessed and self.qaf_assessed_on.data is None and not self.qaf_assessed_on.errors:
            self.qaf_assessed_on.errors = [
                *self.qaf_assessed_on.errors,
                "Enter the date of the QAF assessment",
            ]
            valid = False
        return valid


class ChangeForm(PortalForm):
    """What every change shares: the date it takes effect (the change's own fields come
    first on its page). The first press of its button shows what will change; the page
    that shows it sends the same answers again, confirmed."""

    effective_on = _effective_on("From what date?", "The date")
    confirmed = HiddenField()
    submit = SubmitField("Continue", widget=GovSubmitInput())

    names_in_messages = {"effective_on": "The date"}


class ReasonedChangeForm(ChangeForm):
    """A change the council makes, with why (a rating is the CQC's or the QAF's own)."""

    reason = _reason("Why? (optional)")

    names_in_messages = {"effective_on": "The date", "reason": "The reason"}


class StatusForm(ReasonedChangeForm):
    reason = _reason("Why?")


class CqcRatingForm(ChangeForm):
    rating = _choice("New CQC rating", CqcRating, "Select the new CQC rating")
    effective_on = _effective_on("Date of the rating", "The date of the rating")

    names_in_messages = {"effective_on": "The date of the rating"}


class QafLevelForm(ChangeForm):
    level = _choice("New QAF level", QafLevel, "Select the new QAF level")
    effective_on = _effective_on("Date of the assessment", "The date of the assessment")

    names_in_messages = {"effective_on": "The date of the assessment"}


class FlagForm(ReasonedChangeForm):
    value = _yes_no("Change to", "Select yes or no")


class CategoriesForm(ReasonedChangeForm):
    categories = _categories()
    names_in_messages = {
        **ReasonedChangeForm.names_in_messages,
        "categories": "The care categories",
    }

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        return _need_categories(self.categories) and valid


class NameForm(ReasonedChangeForm):
    value = _name()


class SupplierReferenceForm(ReasonedChangeForm):
    value = _supplier_reference()


class CqcLocationForm(ReasonedChangeForm):
    value = _cqc_location_id()


class ContractForm(ReasonedChangeForm):
    contract_type = _contract_type()
    quadrant = _quadrant()
    names_in_messages = {**ReasonedChangeForm.names_in_messages, "quadrant": "The quadrant"}

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        return _need_quadrant(self) and valid
