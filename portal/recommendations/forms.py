from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.common.forms import GovCheckbox, GovCheckboxes, GovDateField, GovRadios, PortalForm
from portal.common.weekdays import DAY_NAMES, EVERY_DAY, days_mask
from portal.common.widgets import (
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from portal.recommendations.models import ChangeKind, ReasonCategory, RecommendationStatus
from portal.recommendations.operations import LineProposal, RecommendationData


class LineForm(Form):
    """A line of the proposed package (no CSRF of its own: it sits in a form)."""

    calls_per_day = IntegerField(
        "Calls a day",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the number of calls a day"),
            NumberRange(min=1, max=12, message="Calls a day must be between 1 and 12"),
        ],
    )
    minutes_per_call = IntegerField(
        "Minutes a call",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the minutes a call"),
            NumberRange(min=5, max=720, message="Minutes a call must be between 5 and 720"),
        ],
    )
    carers_per_call = RadioField(
        "Carers a call",
        choices=[("1", "One carer"), ("2", "Two carers (double-handed)")],
        widget=GovRadios(),
        validators=[InputRequired(message="Select how many carers each call needs")],
    )
    days = SelectMultipleField(
        "Days of the week",
        choices=list(enumerate(DAY_NAMES)),
        coerce=int,
        widget=GovCheckboxes(),
        validators=[DataRequired(message="Select the days the calls happen on")],
    )

    def proposal(self, replaces_line_id: int | None) -> LineProposal:
        return LineProposal(
            replaces_line_id=replaces_line_id,
            calls_per_day=int(self.calls_per_day.data or 0),
            minutes_per_call=int(self.minutes_per_call.data or 0),
            carers_per_call=int(self.carers_per_call.data or 1),
            days_of_week=days_mask(self.days.data or []),
        )


class CurrentLineForm(LineForm):
    """What a current line should become, or that it should end."""

    end_line = BooleanField(
        "End this line",
        widget=GovCheckbox(),
        validators=[Optional()],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        if self.end_line.data:
            return True  # nothing else about an ending line matters
        return super().validate(extra_validators)

    def proposal(self, replaces_line_id: int | None) -> LineProposal:
        if self.end_line.data:
            assert replaces_line_id is not None
            return LineProposal(replaces_line_id, 0, 5, 1, EVERY_DAY)
        return super().proposal(replaces_line_id)


class RecommendationForm(PortalForm):
    kind = RadioField(
        "What change do you recommend?",
        choices=[
            (ChangeKind.REDUCE.value, "Reduce the package"),
            (ChangeKind.INCREASE.value, "Increase the package"),
            (ChangeKind.REFRAME.value, "Reframe the package (same hours, a different shape)"),
        ],
        widget=GovRadios(),
        validators=[
            InputRequired(message="Select whether to reduce, increase or reframe the package")
        ],
    )
    lines = FieldList(FormField(CurrentLineForm), min_entries=0)
    new_lines = FieldList(FormField(LineForm), min_entries=0)
    reason_category = RadioField(
        "What is the main reason for the change?",
        choices=[(c.value, c.label) for c in ReasonCategory],
        widget=GovRadios(),
        validators=[InputRequired(message="Select the main reason for the change")],
    )
    reason = TextAreaField(
        "Why is the change right for the person?",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Enter why the change is right for the person"),
            Length(max=4000, message="The reason must be 4,000 characters or fewer"),
        ],
    )
    evidence = TextAreaField(
        "What is the evidence?",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Enter the evidence for the change"),
            Length(max=4000, message="The evidence must be 4,000 characters or fewer"),
        ],
    )
    person_consulted_and_agrees = BooleanField(
        "The person was consulted and agrees with the change",
        widget=GovCheckbox(),
        validators=[InputRequired(message="Confirm the person was consulted and agrees")],
    )
    family_consulted = BooleanField(
        "Their family or representative was consulted, where appropriate",
        widget=GovCheckbox(),
        validators=[Optional()],
    )
    risk_assessed = BooleanField(
        "The risks of the change have been assessed",
        widget=GovCheckbox(),
        validators=[InputRequired(message="Confirm the risks of the change have been assessed")],
    )
    proposed_start_date = GovDateField(
        "When should the change start?",
        invalid_message="The start date must be a real date, for example 27 3 2027",
        validators=[InputRequired(message="Enter the date the change should start")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())

    names_in_messages = {
        "reason": "The reason",
        "evidence": "The evidence",
        "proposed_start_date": "The start date",
    }

    def to_data(self, line_ids: list[int]) -> RecommendationData:
        proposals = [
            entry.form.proposal(line_id)
            for line_id, entry in zip(line_ids, self.lines.entries, strict=True)
        ] + [entry.form.proposal(None) for entry in self.new_lines.entries]
        return RecommendationData(
            kind=ChangeKind(self.kind.data),
            lines=proposals,
            reason_category=ReasonCategory(self.reason_category.data),
            reason=self.reason.data or "",
            evidence=self.evidence.data or "",
            person_consulted_and_agrees=bool(self.person_consulted_and_agrees.data),
            family_consulted=bool(self.family_consulted.data),
            risk_assessed=bool(self.risk_assessed.data),
            proposed_start_date=self.proposed_start_date.data,  # type: ignore[arg-type]
        )


class SubmitRecommendationForm(PortalForm):
    submit = SubmitField("Submit recommendation", widget=GovSubmitInput())


class DecisionForm(PortalForm):
    decision = RadioField(
        "Your decision",
        choices=[
            ("approve", "Approve"),
            ("reject", "Reject"),
            ("more_information", "Ask the provider for more information"),
        ],
        widget=GovRadios(),
        validators=[
            InputRequired(message="Select whether to approve, reject or ask for more information")
        ],
    )
    start_date = GovDateField(
        "Agreed start date",
        invalid_message="The agreed start date must be a real date, for example 27 3 2027",
        validators=[Optional()],
    )
    reason = TextAreaField(
        "Why are you rejecting it?",
        widget=GovTextArea(),
        validators=[Length(max=4000, message="The reason must be 4,000 characters or fewer")],
    )
    question = TextAreaField(
        "Your question for the provider",
        widget=GovTextArea(),
        validators=[Length(max=4000, message="The question must be 4,000 characters or fewer")],
    )
    submit = SubmitField("Confirm decision", widget=GovSubmitInput())

    names_in_messages = {"question": "Your question", "reason": "Your reason"}

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if (
            self.decision.data == "approve"
            and self.start_date.data is None
            and not self.start_date.errors
        ):
            self.start_date.errors = [*self.start_date.errors, "Enter the date the change starts"]
            valid = False
        if self.decision.data == "more_information" and not (self.question.data or "").strip():
            self.question.errors = [*self.question.errors, "Enter what you need to know"]
            valid = False
        if self.decision.data == "reject" and not (self.reason.data or "").strip():
            self.reason.errors = [
                *self.reason.errors,
                "Enter why you are rejecting the recommendation",
            ]
            valid = False
        return valid


class AnswerForm(PortalForm):
    answer = TextAreaField(
        "Your answer",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Enter your answer"),
            Length(max=4000, message="The answer must be 4,000 characters or fewer"),
        ],
    )
    send = SubmitField("Send answer", widget=GovSubmitInput())


class WithdrawForm(PortalForm):
    withdraw = SubmitField("Yes, withdraw it", widget=GovSubmitInput())


class AssignForm(PortalForm):
    assign = SubmitField("Assign to me", widget=GovSubmitInput())


def _optional_date(label: str) -> GovDateField:
    return GovDateField(
        label,
        invalid_message=f"{label} must be a real date, for example 27 3 2026",
        validators=[Optional()],
    )


class DecidedFilterForm(PortalForm):
    """The "Decided by you" list's filters, sent as a query string (a GET changes nothing,
    so no CSRF token). Each is optional."""

    class Meta:
        csrf = False

    outcome = SelectField(
        "Decision",
        choices=[
            ("", "Approved or rejected"),
            (RecommendationStatus.APPROVED.value, "Approved"),
            (RecommendationStatus.REJECTED.value, "Rejected"),
        ],
        widget=GovSelect(),
        validators=[Optional()],
    )
    decided_from = _optional_date("Decided from")
    decided_to = _optional_date("Decided to")

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        start, end = self.decided_from.data, self.decided_to.data
        if start is not None and end is not None and end < start:
            self.decided_to.errors = [
                *self.decided_to.errors,
                "Decided to must be the same as or after decided from",
            ]
            valid = False
        return valid
