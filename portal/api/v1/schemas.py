"""What the API takes and gives, as marshmallow schemas: strict (an unknown field is a
problem, not ignored), bounded as the forms are, and the source of the OpenAPI document.

The rules of Appendix A themselves are not here: a return's answers, once they have the
right shape, are checked by ``portal.outcomes.rules``, as the form's and the upload's are."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from portal.common.dates import as_utc
from portal.common.text import control_character_message, has_control_characters
from portal.outcomes.measures import MEASURES, Measure, MeasureResult
from portal.outcomes.rules import EVIDENCE_LONGEST, REASON_LONGEST

# The most a list may be asked for at once.
PER_PAGE_MOST = 200
PER_PAGE_DEFAULT = 50


class Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class PlainText:
    """Refuses the characters the forms refuse (common/text.py), in the forms' words."""

    def __init__(self, what: str, *, multiline: bool) -> None:
        self.what = what
        self.multiline = multiline

    def __call__(self, value: str) -> str:
        if has_control_characters(value, multiline=self.multiline):
            raise ValidationError(control_character_message(self.what))
        return value


def text(what: str, longest: int, *, multiline: bool = False, **kwargs: Any) -> fields.String:
    return fields.String(
        validate=[
            validate.Length(max=longest, error=f"{what} must be {longest:,} characters or fewer"),
            PlainText(what, multiline=multiline),
        ],
        **kwargs,
    )


class Moment(fields.DateTime):
    """A moment, in RFC 3339 with its zone: UTC, as the portal keeps every moment (SQLite
    hands them back without their zone)."""

    def _serialize(
        self, value: Any, attr: str | None, obj: Any, **kwargs: Any
    ) -> str | float | None:
        if isinstance(value, dt.datetime):
            value = as_utc(value)
        return super()._serialize(value, attr, obj, **kwargs)


# --- Lists ---------------------------------------------------------------------------------


class PageQuery(Strict):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=1_000_000, error="page must be from 1 to 1,000,000"),
        metadata={"description": "Which page of the list, from 1"},
    )
    per_page = fields.Integer(
        load_default=PER_PAGE_DEFAULT,
        validate=validate.Range(
            min=1, max=PER_PAGE_MOST, error=f"per_page must be from 1 to {PER_PAGE_MOST}"
        ),
        metadata={"description": f"How many on a page, at most {PER_PAGE_MOST}"},
    )


class PageLinks(Schema):
    self_ = fields.String(data_key="self", required=True)
    next = fields.String(allow_none=True, required=True)
    prev = fields.String(allow_none=True, required=True)


class Paged(Schema):
    """What every list has besides its items."""

    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "How many in the whole list"})
    pages = fields.Integer(required=True)
    links = fields.Nested(PageLinks, required=True)


# --- Quarters ------------------------------------------------------------------------------


class Quarter(Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True, metadata={"example": "Q3 2026-27"})
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    due_date = fields.Date(
        required=True, metadata={"description": "Returns sent after this day are marked late"}
    )


class QuarterList(Paged):
    items = fields.List(fields.Nested(Quarter), required=True)


# --- Outcome returns -----------------------------------------------------------------------

RETURN_STATES = ("not_started", "draft", "submitted", "returned", "accepted")


class Person(Schema):
    id = fields.Integer(required=True, metadata={"description": "The portal's id for the person"})
    case_reference = fields.String(
        required=True, metadata={"description": "The council's case reference"}
    )
    name = fields.String(required=True)


class OwedReturn(Schema):
    person = fields.Nested(Person, required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(RETURN_STATES),
        metadata={"description": "not_started until the first answers are saved"},
    )
    submitted_at = Moment(allow_none=True, required=True)
    url = fields.String(required=True, metadata={"description": "The return's address in the API"})


class OwedReturnQuery(PageQuery):
    status = fields.String(
        validate=validate.OneOf(RETURN_STATES, error="status must be one of {choices}"),
        metadata={"description": "Only the returns in this state"},
    )
    case_reference = text(
        "case_reference",
        40,
        metadata={"description": "Only the person with this case reference"},
    )


class OwedReturnList(Paged):
    quarter = fields.Nested(Quarter, required=True)
    items = fields.List(fields.Nested(OwedReturn), required=True)


def _answer_schema(measure: Measure) -> type[Schema]:
    """A measure's answer: its evidence sources are only those Appendix A lists for it."""
    sources = [source.value for source in measure.sources]
    return Strict.from_dict(
        {
            "result": fields.String(
                required=True,
                validate=validate.OneOf(
                    [result.value for result in MeasureResult],
                    error="result must be one of {choices}",
                ),
            ),
            "evidence": text(
                "The evidence",
                EVIDENCE_LONGEST,
                multiline=True,
                load_default="",
                metadata={"description": "Needed to submit when the measure is met or partly met"},
            ),
            "not_applicable_reason": text(
                "The reason",
                REASON_LONGEST,
                multiline=True,
                load_default="",
                metadata={"description": "Needed to submit when the measure does not apply"},
            ),
            "evidence_sources": fields.List(
                fields.String(
                    validate=validate.OneOf(
                        sources,
                        error=f"Measure {measure.code}’s sources are {', '.join(sources)}",
                    )
                ),
                load_default=list,
                validate=validate.Length(max=len(sources)),
            ),
        },
        name=f"Answer{measure.field_name[1:]}",
    )


ANSWER_SCHEMAS = {measure.code: _answer_schema(measure) for measure in MEASURES}


Answers = Strict.from_dict(
    {
        measure.field_name: fields.Nested(
            ANSWER_SCHEMAS[measure.code],
            data_key=measure.code,
            metadata={"description": measure.text},
        )
        for measure in MEASURES
    },
    name="Answers",
)


class AnswersChange(Strict):
    answers = fields.Nested(
        Answers,
        required=True,
        metadata={
            "description": "The measures to save: a measure left out keeps what it had. A "
            "draft may be incomplete; submitting checks it whole."
        },
    )


# The most returns one call may submit together (and the request's size is bounded too).
MOST_IN_ONE_CALL = 500


class ReturnToSubmit(Strict):
    person_id = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=2**31 - 1, error="person_id must be a portal id"),
        metadata={"description": "The person's id, from the list of returns owed"},
    )
    answers = fields.Nested(
        Answers, required=True, metadata={"description": "Every measure's answer"}
    )


class Submissions(Strict):
    returns = fields.List(
        fields.Nested(ReturnToSubmit),
        required=True,
        validate=validate.Length(
            min=1,
            max=MOST_IN_ONE_CALL,
            error=f"Send from 1 to {MOST_IN_ONE_CALL} returns in one call",
        ),
    )


class SubmittedReturn(Schema):
    person_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(RETURN_STATES))
    url = fields.String(required=True)


class SubmissionsDone(Schema):
    submitted = fields.Integer(required=True, metadata={"description": "Returns submitted now"})
    unchanged = fields.Integer(
        required=True,
        metadata={"description": "Returns already handed in with exactly these answers"},
    )
    returns = fields.List(fields.Nested(SubmittedReturn), required=True)


class Problem(Schema):
    pointer = fields.String(metadata={"description": "Where in the return, as a JSON pointer"})
    detail = fields.String(required=True)


class Correction(Schema):
    requested_at = Moment(required=True)
    reason = fields.String(required=True)


class ReturnLinks(Schema):
    self_ = fields.String(data_key="self", required=True)
    submit = fields.String(required=True)


class OutcomeReturnOut(Schema):
    quarter = fields.Nested(Quarter, required=True)
    person = fields.Nested(Person, required=True)
    status = fields.String(required=True, validate=validate.OneOf(RETURN_STATES))
    submitted_at = Moment(allow_none=True, required=True)
    late = fields.Boolean(required=True, metadata={"description": "Submitted after the due date"})
    correction = fields.Nested(
        Correction,
        allow_none=True,
        required=True,
        metadata={"description": "What the council asked to be put right, while it is returned"},
    )
    answers = fields.Nested(Answers, required=True)
    problems = fields.List(
        fields.Nested(Problem),
        required=True,
        metadata={"description": "What stops the return being submitted as it stands"},
    )
    links = fields.Nested(ReturnLinks, required=True)


# --- Problems ------------------------------------------------------------------------------


class ProblemError(Schema):
    pointer = fields.String()
    parameter = fields.String()
    header = fields.String()
    detail = fields.String(required=True)


class ProblemDetails(Schema):
    """RFC 9457 problem details, as every error is answered."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.List(fields.Nested(ProblemError))


# --- Capacity returns ----------------------------------------------------------------------

# The most of anything a provider counts, of weekly minutes, of full-time equivalents in
# hundredths and of hourly pay in pence: the form's bounds (portal/capacity/forms.py).
MOST_COUNT = 100_000
MOST_MINUTES = MOST_COUNT * 60
MOST_HUNDREDTHS = MOST_COUNT * 100
MOST_PENCE = 100_00
QUADRANTS = ("east", "west", "central", "south")


def count(what: str, most: int = MOST_COUNT, **metadata: Any) -> fields.Integer:
    return fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=0, max=most, error=f"{what} must be from 0 to {most:,}"),
        metadata=metadata,
    )


class StrictBoolean(fields.Boolean):
    """true or false, as JSON writes them: not 1, "yes" or "true"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def yes_or_no(**metadata: Any) -> fields.Boolean:
    return StrictBoolean(required=True, metadata=metadata)


class QuadrantFiguresIn(Strict):
    spare_weekly_minutes = count("spare_weekly_minutes", MOST_MINUTES)
    new_packages = count(
        "new_packages", description="New packages you could start in the next 7 days"
    )


Quadrants = Strict.from_dict(
    {name: fields.Nested(QuadrantFiguresIn) for name in QUADRANTS},
    name="Quadrants",
)


class CapacityFigures(Strict):
    """A month's figures, in whole numbers: minutes a week, pence, hundredths."""

    service_users = count("service_users", description="People you support")
    delivered_weekly_minutes = count("delivered_weekly_minutes", MOST_MINUTES)
    quadrants = fields.Nested(
        Quadrants,
        required=True,
        metadata={"description": "Spare capacity by quadrant; a quadrant left out has none"},
    )
    weekend_starts = yes_or_no(description="Can you start new packages at weekends?")
    seven_day_discharge = yes_or_no(description="Do you accept hospital discharges 7 days a week?")
    winter_weekly_minutes = count("winter_weekly_minutes", MOST_MINUTES)
    festive_weekly_minutes = count("festive_weekly_minutes", MOST_MINUTES)
    takes_children = yes_or_no()
    takes_palliative = yes_or_no()
    takes_double_handed = yes_or_no()
    takes_dementia = yes_or_no()
    headcount = count("headcount", description="Care staff headcount")
    fte_hundredths = count(
        "fte_hundredths", MOST_HUNDREDTHS, description="Full-time equivalents, in hundredths"
    )
    starters = count("starters")
    leavers = count("leavers")
    vacancies = count("vacancies")
    overseas_sponsored = count("overseas_sponsored")
    agency_weekly_minutes = count("agency_weekly_minutes", MOST_MINUTES)
    pays_travel_time = yes_or_no()
    hourly_pay_pence = count(
        "hourly_pay_pence", MOST_PENCE, description="Average hourly pay, in pence"
    )


class CapacityWindow(Schema):
    opens = fields.Date(required=True)
    closes = fields.Date(required=True, metadata={"description": "Returns after it are late"})


class CapacityLinks(Schema):
    self_ = fields.String(data_key="self", required=True)
    unchanged = fields.String(required=True)
    nil = fields.String(required=True)


class CapacityReturnOut(Schema):
    month = fields.Date(required=True, metadata={"description": "The first of the month"})
    status = fields.String(required=True, validate=validate.OneOf(("not_sent", "sent")))
    kind = fields.String(
        allow_none=True,
        required=True,
        validate=validate.OneOf(("full", "unchanged", "nil")),
        metadata={"description": "How it was sent: figures, nothing changed, or nil"},
    )
    window = fields.Nested(CapacityWindow, required=True)
    late = fields.Boolean(required=True)
    submitted_at = Moment(allow_none=True, required=True)
    figures = fields.Nested(CapacityFigures, allow_none=True, required=True)
    links = fields.Nested(CapacityLinks, required=True)


class CapacityReturnList(Paged):
    items = fields.List(fields.Nested(CapacityReturnOut), required=True)


# --- Recommendations -----------------------------------------------------------------------

RECOMMENDATION_STATES = (
    "draft",
    "submitted",
    "more_information",
    "approved",
    "rejected",
    "withdrawn",
)


class RecommendationQuery(PageQuery):
    status = fields.String(
        validate=validate.OneOf(RECOMMENDATION_STATES, error="status must be one of {choices}"),
        metadata={"description": "Only the recommendations in this state"},
    )


class Decision(Schema):
    decided_at = Moment(required=True)
    approved = fields.Boolean(required=True)
    reason = fields.String(required=True)
    agreed_start_date = fields.Date(allow_none=True, required=True)


class PaymentEarned(Schema):
    reference = fields.String(required=True)
    amount_pence = fields.Integer(required=True)
    status = fields.String(required=True)


class Message(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("question", "answer")))
    text = fields.String(required=True)
    sent_at = Moment(required=True)


class RecommendationOut(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True, metadata={"example": "TA000123"})
    person = fields.Nested(Person, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("reduce", "increase", "reframe")))
    status = fields.String(required=True, validate=validate.OneOf(RECOMMENDATION_STATES))
    reason_category = fields.String(required=True)
    proposed_start_date = fields.Date(required=True)
    submitted_at = Moment(allow_none=True, required=True)
    decision_due_date = fields.Date(allow_none=True, required=True)
    current_weekly_minutes = fields.Integer(required=True)
    proposed_weekly_minutes = fields.Integer(required=True)
    decision = fields.Nested(Decision, allow_none=True, required=True)
    payment = fields.Nested(
        PaymentEarned,
        allow_none=True,
        required=True,
        metadata={"description": "The one-off payment an approved reduction earns"},
    )
    messages = fields.List(
        fields.Nested(Message),
        required=True,
        metadata={"description": "The council's questions and your answers, oldest first"},
    )
    url = fields.String(required=True)


class RecommendationList(Paged):
    items = fields.List(fields.Nested(RecommendationOut), required=True)


# --- Payments and remittances --------------------------------------------------------------

PAYMENT_STATES = (
    "awaiting_second_approval",
    "approved",
    "batched",
    "exported",
    "paid",
    "cancelled",
)


class PaymentOut(Schema):
    reference = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("payment", "reversal")))
    status = fields.String(required=True, validate=validate.OneOf(PAYMENT_STATES))
    amount_pence = fields.Integer(
        required=True, metadata={"description": "In pence; a reversal's is below zero"}
    )
    reason = fields.String(required=True, metadata={"description": "Why it was reversed"})
    person = fields.Nested(Person, required=True)
    recommendation_reference = fields.String(required=True)
    paid_on = fields.Date(allow_none=True, required=True)


class PaymentList(Paged):
    items = fields.List(fields.Nested(PaymentOut), required=True)


class RemittanceSummary(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True, metadata={"description": "The batch's reference"})
    exported_at = Moment(allow_none=True, required=True)
    paid_on = fields.Date(allow_none=True, required=True)
    payments = fields.Integer(required=True)
    total_pence = fields.Integer(required=True)
    url = fields.String(required=True)


class RemittanceList(Paged):
    items = fields.List(fields.Nested(RemittanceSummary), required=True)


class RemittanceLineOut(Schema):
    payment_reference = fields.String(required=True)
    case_reference = fields.String(required=True)
    recommendation_reference = fields.String(required=True)
    description = fields.String(required=True)
    amount_pence = fields.Integer(required=True)


class RemittanceOut(Schema):
    reference = fields.String(required=True)
    exported_on = fields.Date(required=True)
    paid_on = fields.Date(allow_none=True, required=True)
    total_pence = fields.Integer(required=True)
    lines = fields.List(fields.Nested(RemittanceLineOut), required=True)
