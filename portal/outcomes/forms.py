from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import RadioField, SelectField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.common.forms import GovCheckboxes, GovDateField, GovRadios
from portal.outcomes.measures import MEASURES, Measure, MeasureResult
from portal.outcomes.models import OutcomeReturn
from portal.outcomes.operations import AnswerData

RESULT_CHOICES = [(r.value, r.label) for r in MeasureResult]


class OutcomeReturnForm(FlaskForm):
    """All nine Appendix A measures; fields are named after each measure (m1_1_result...)."""

    submit = SubmitField("Continue", widget=GovSubmitInput())

    def measure_fields(self, measure: Measure) -> dict[str, Any]:
        name = measure.field_name
        return {
            "result": self[f"{name}_result"],
            "evidence": self[f"{name}_evidence"],
            "sources": self[f"{name}_sources"],
            "na_reason": self[f"{name}_na_reason"],
        }

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for measure in MEASURES:
            fields = self.measure_fields(measure)
            result = fields["result"].data
            if (
                result == MeasureResult.NOT_APPLICABLE
                and not (fields["na_reason"].data or "").strip()
            ):
                fields["na_reason"].errors.append(
                    f"Enter why measure {measure.code} does not apply"
                )
                valid = False
            if (
                result in (MeasureResult.MET, MeasureResult.PARTLY_MET)
                and not (fields["evidence"].data or "").strip()
            ):
                fields["evidence"].errors.append(
                    f"Enter the evidence that measure {measure.code} is "
                    f"{'met' if result == MeasureResult.MET else 'partly met'}"
                )
                valid = False
        return valid

    def answers(self) -> list[AnswerData]:
        answers = []
        for measure in MEASURES:
            fields = self.measure_fields(measure)
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
        for measure in MEASURES:
            answer = outcome_return.answer_for(measure.code)
            if answer is None:
                continue
            fields = self.measure_fields(measure)
            fields["result"].data = answer.result.value
            fields["evidence"].data = answer.evidence
            fields["na_reason"].data = answer.not_applicable_reason
            fields["sources"].data = list(answer.evidence_sources)


def _add_measure_fields(form_class: type[FlaskForm], measure: Measure) -> None:
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
                    max=4000,
                    message=f"Evidence for measure {code} must be 4,000 characters or fewer",
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
                    max=2000,
                    message=f"The reason for measure {code} must be 2,000 characters or fewer",
                )
            ],
        ),
    )


for _measure in MEASURES:
    _add_measure_fields(OutcomeReturnForm, _measure)


class SubmitReturnForm(FlaskForm):
    submit = SubmitField("Submit return", widget=GovSubmitInput())


class OpenPeriodForm(FlaskForm):
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
