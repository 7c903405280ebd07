from __future__ import annotations

from typing import Any

from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length

from portal.common.database import LARGEST_ID
from portal.common.forms import GovCheckbox, GovCheckboxes, GovDateField, GovRadios, PortalForm
from portal.common.widgets import (
    GovFileInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)
from portal.outcomes.measures import OUTCOMES, Measure, MeasureResult, Outcome
from portal.outcomes.models import OutcomeReturn
from portal.outcomes.rules import (
    EVIDENCE_LONGEST,
    REASON_LONGEST,
    AnswerData,
    answer_problem,
)
from portal.outcomes.uploads import MAX_BYTES

RESULT_CHOICES = [(r.value, r.label) for r in MeasureResult]


class OutcomeForm(PortalForm):
    """One Appendix A outcome's measures. Fields are named after each measure
    (m1_1_result, m1_1_evidence...); ``outcome_form_class`` makes the class for each outcome."""

    outcome: Outcome
    save_and_continue = SubmitField("Save and continue", widget=GovSubmitInput())
    save_draft = SubmitField("Save as draft", widget=GovSubmitInput())

    def measure_fields(self, measure: Measure) -> dict[str, Any]:
        name = measure.field_name
        return {
            "result": self[f"{name}_result"],
            "evidence": self[f"{name}_evidence"],
            "sources": self[f"{name}_sources"],
            "na_reason": self[f"{name}_na_reason"],
        }

    @property
    def is_draft(self) -> bool:
        return bool(self.save_draft.data)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.is_draft:
            # A draft may be incomplete: only too-long text and unknown choices stop it.
            for measure in self.outcome.measures:
                self.measure_fields(measure)["result"].errors = [
                    e
                    for e in self.measure_fields(measure)["result"].errors
                    if "Select whether" not in e
                ]
            return not any(field.errors for field in self)
        for measure in self.outcome.measures:
            fields = self.measure_fields(measure)
            problem = answer_problem(
                measure,
                fields["result"].data,
                evidence=fields["evidence"].data or "",
                not_applicable_reason=fields["na_reason"].data or "",
            )
            if problem is not None:
                field_key, message = problem
                fields[field_key].errors = [*fields[field_key].errors, message]
                valid = False
        return valid

    def answers(self) -> list[AnswerData]:
        """The answers given on this page; a measure with no result yet is left out."""
        answers = []
        for measure in self.outcome.measures:
            fields = self.measure_fields(measure)
            if not fields["result"].data:
                continue
            answers.append(
                AnswerData(
                    measure=measure.code,
                    result=MeasureResult(fields["result"].data),
                    evidence=fields["evidence"].data or "",
                    not_applicable_reason=fields["na_reason"].data or "",
                    evidence_sources=list(fields["sources"].data or []),
                )
            )
        return answers

    def fill_from(self, outcome_return: OutcomeReturn) -> None:
        for measure in self.outcome.measures:
            answer = outcome_return.answer_for(measure.code)
            if answer is None:
                continue
            fields = self.measure_fields(measure)
            fields["result"].data = answer.result.value
            fields["evidence"].data = answer.evidence
            fields["na_reason"].data = answer.not_applicable_reason
            fields["sources"].data = list(answer.evidence_sources)


def _add_measure_fields(form_class: type[OutcomeForm], measure: Measure) -> None:
    name = measure.field_name
    code = measure.code
    setattr(
        form_class,
        f"{name}_result",
        RadioField(
            f"Is measure {code} met?",
            choices=RESULT_CHOICES,
            widget=GovRadios(),
            validators=[
                InputRequired(
                    message=f"Select whether measure {code} is met, partly met, not met or not applicable"
                )
            ],
        ),
    )
    setattr(
        form_class,
        f"{name}_evidence",
        TextAreaField(
            f"Evidence for measure {code}",
            widget=GovTextArea(),
            validators=[
                Length(
                    max=EVIDENCE_LONGEST,
                    message=f"Evidence for measure {code} must be "
                    f"{EVIDENCE_LONGEST:,} characters or fewer",
                )
            ],
        ),
    )
    setattr(
        form_class,
        f"{name}_sources",
        SelectMultipleField(
            f"Evidence sources for measure {code}",
            choices=[(s.value, s.label) for s in measure.sources],
            widget=GovCheckboxes(),
        ),
    )
    setattr(
        form_class,
        f"{name}_na_reason",
        TextAreaField(
            f"If measure {code} does not apply, why not?",
            widget=GovTextArea(),
            validators=[
                Length(
                    max=REASON_LONGEST,
                    message=f"The reason for measure {code} must be "
                    f"{REASON_LONGEST:,} characters or fewer",
                )
            ],
        ),
    )


def _make_outcome_form(outcome: Outcome) -> type[OutcomeForm]:
    names = {
        f"{m.field_name}_na_reason": f"The reason for measure {m.code}" for m in outcome.measures
    }
    form_class = type(
        f"Outcome{outcome.number}Form",
        (OutcomeForm,),
        {"outcome": outcome, "names_in_messages": names},
    )
    for measure in outcome.measures:
        _add_measure_fields(form_class, measure)
    return form_class


OUTCOME_FORMS = {outcome.number: _make_outcome_form(outcome) for outcome in OUTCOMES}


class SubmitReturnForm(PortalForm):
    submit = SubmitField("Submit return", widget=GovSubmitInput())


class StartFromPreviousForm(PortalForm):
    submit = SubmitField("Start from last quarter’s answers", widget=GovSubmitInput())


class ReviewReturnForm(PortalForm):
    decision = RadioField(
        "Your decision",
        choices=[("accept", "Accept the return"), ("return", "Return it for correction")],
        widget=GovRadios(),
        validators=[
            InputRequired(message="Select whether to accept the return or return it for correction")
        ],
    )
    reason = TextAreaField(
        "If you return it: what needs correcting",
        widget=GovTextArea(),
        validators=[Length(max=2000, message="The reason must be 2,000 characters or fewer")],
    )
    submit = SubmitField("Confirm", widget=GovSubmitInput())

    names_in_messages = {"reason": "The reason"}

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.decision.data == "return" and not (self.reason.data or "").strip():
            self.reason.errors = [*self.reason.errors, "Enter what the provider needs to correct"]
            valid = False
        return valid


class OpenPeriodForm(PortalForm):
    quarter = SelectField(
        "Quarter",
        widget=GovSelect(),
        validators=[InputRequired(message="Select the quarter to open")],
    )
    due_date = GovDateField(
        "When are the returns due?",
        invalid_message="The due date must be a real date, for example 14 1 2027",
        validators=[InputRequired(message="Enter the date the returns are due")],
    )
    submit = SubmitField("Open the period", widget=GovSubmitInput())

    names_in_messages = {"due_date": "The due date"}


class UploadReturnsForm(PortalForm):
    file = FileField(
        "Upload a file",
        widget=GovFileInput(),
        validators=[
            FileRequired(message="Select a CSV or Excel file"),
            FileAllowed(
                ["csv", "xlsx"], message="The selected file must be a CSV or an Excel (.xlsx) file"
            ),
            FileSize(max_size=MAX_BYTES, message="The file must be smaller than 2MB"),
        ],
    )
    confirm = BooleanField(
        "I confirm these returns are correct to the best of my knowledge, and want to submit them",
        widget=GovCheckbox(),
        validators=[
            InputRequired(message="Confirm the returns are correct before you submit them")
        ],
    )
    submit = SubmitField("Upload and submit", widget=GovSubmitInput())


def _return_id(value: Any) -> int:
    """A return's id, or a ValueError (an id no record could have is not sent to the
    database, where PostgreSQL would refuse it as out of range)."""
    number = int(value)
    if not 1 <= number <= LARGEST_ID:
        raise ValueError("not an id")
    return number


class AcceptReturnsForm(PortalForm):
    """Several of one provider's returns for a quarter, accepted at once. Its checkboxes sit
    in the rows of the page's table, so the template draws them; the ids are checked by
    ``operations.accept_returns``, which accepts only those still waiting."""

    returns = SelectMultipleField(
        "Returns to accept",
        coerce=_return_id,
        validate_choice=False,
        validators=[InputRequired(message="Select the returns to accept")],
    )
    submit = SubmitField("Accept selected returns", widget=GovSubmitInput())
