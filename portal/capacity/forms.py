from __future__ import annotations

from decimal import Decimal
from typing import Any

from wtforms import BooleanField, Field, Form, FormField, IntegerField, RadioField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from portal.capacity.operations import FLOWS, CapacityData, QuadrantFigures
from portal.common.forms import AtMost, GovCheckbox, GovRadios, PortalForm
from portal.common.money import (
    MOST_HOURLY_PENCE,
    format_hours_figure,
    parse_hours,
    parse_hundredths,
    parse_pounds,
    pence_to_decimal_string,
)
from portal.common.widgets import GovSubmitInput, GovTextInput
from portal.providers.enums import Quadrant

# The most of anything a provider counts (people, staff, packages) or of weekly hours: more
# than any agency has, and in minutes or hundredths still far inside the database's whole
# numbers (6,000,000 minutes, 10,000,000 hundredths; the capacity picture adds them up as
# 64-bit sums).
MOST_FIGURE = 100_000


class _ParsedField(Field):
    """A text box read by a parser into an integer (minutes, pence, hundredths), no more
    than ``most`` of them."""

    widget = GovTextInput()
    parser: Any = None
    problem = ""
    most = 0

    def __init__(self, label: str, *, problem: str, required: str, **kwargs: Any) -> None:
        kwargs.setdefault(
            "validators",
            [InputRequired(message=required), AtMost(self.most, self.too_much(label))],
        )
        super().__init__(label, **kwargs)
        self.problem = problem

    def too_much(self, label: str) -> str:
        return f"{label} must be {MOST_FIGURE:,} or fewer"

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return self.show(self.data) if self.data is not None else ""

    def show(self, value: int) -> str:
        return str(value)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = type(self).parser(str(valuelist[0]))
        except ValueError as error:
            self.data = None
            raise ValueError(self.problem) from error


class HoursField(_ParsedField):
    parser = staticmethod(parse_hours)
    most = MOST_FIGURE * 60

    def show(self, value: int) -> str:
        return format_hours_figure(value)


class PoundsField(_ParsedField):
    """An hourly rate of pay."""

    parser = staticmethod(parse_pounds)
    most = MOST_HOURLY_PENCE

    def too_much(self, label: str) -> str:
        return f"{label} must be £{MOST_HOURLY_PENCE // 100} or less"

    def show(self, value: int) -> str:
        return pence_to_decimal_string(value)


class HundredthsField(_ParsedField):
    parser = staticmethod(parse_hundredths)
    most = MOST_FIGURE * 100

    def show(self, value: int) -> str:
        return f"{Decimal(value) / 100:f}"


def _count(label: str, what: str, *, hint: str = "") -> IntegerField:
    return IntegerField(
        label,
        widget=GovTextInput(),
        description=hint,
        validators=[
            InputRequired(message=f"Enter {what}, or 0"),
            NumberRange(min=0, message=f"{label} must be 0 or more"),
            AtMost(MOST_FIGURE, f"{label} must be {MOST_FIGURE:,} or fewer"),
        ],
    )


def _yes_no(label: str, what: str) -> RadioField:
    return RadioField(
        label,
        choices=[("yes", "Yes"), ("no", "No")],
        widget=GovRadios(),
        validators=[InputRequired(message=f"Select whether {what}")],
    )


def _checkbox(label: str) -> BooleanField:
    return BooleanField(label, widget=GovCheckbox())


class QuadrantForm(Form):
    spare = HoursField(
        "Spare weekly hours",
        problem="Enter spare hours as a number, for example 12.5",
        required="Enter the spare weekly hours, or 0",
    )
    new_packages = _count("New packages you could start in the next 7 days", "new packages")


class CapacityForm(PortalForm):
    service_users = _count("People you support", "the number of people you support")
    delivered = HoursField(
        "Weekly hours of care delivered",
        problem="Enter hours as a number, for example 1,250.5",
        required="Enter the weekly hours of care you deliver, or 0",
    )
    east = FormField(QuadrantForm, label="East quadrant")
    west = FormField(QuadrantForm, label="West quadrant")
    central = FormField(QuadrantForm, label="Central quadrant")
    south = FormField(QuadrantForm, label="South quadrant")
    weekend_starts = _yes_no("Can you start new packages at weekends?", "you start at weekends")
    seven_day_discharge = _yes_no(
        "Do you accept hospital discharges 7 days a week?",
        "you accept hospital discharges 7 days a week",
    )
    winter = HoursField(
        "Spare weekly hours you expect over winter",
        problem="Enter hours as a number, for example 40",
        required="Enter the spare weekly hours you expect over winter, or 0",
    )
    festive = HoursField(
        "Spare weekly hours over Christmas and New Year",
        problem="Enter hours as a number, for example 20",
        required="Enter the spare weekly hours over Christmas and New Year, or 0",
    )
    takes_children = _checkbox("Children and young people")
    takes_palliative = _checkbox("Palliative and end of life care")
    takes_double_handed = _checkbox("Double-handed care")
    takes_dementia = _checkbox("Dementia care")
    headcount = _count("Care staff headcount", "your care staff headcount")
    fte = HundredthsField(
        "Care staff full-time equivalents",
        problem="Enter full-time equivalents as a number, for example 24.5",
        required="Enter your care staff full-time equivalents, or 0",
    )
    starters = _count("Starters this month", "the number of starters")
    leavers = _count("Leavers this month", "the number of leavers")
    vacancies = _count("Vacancies", "the number of vacancies")
    overseas_sponsored = _count(
        "Overseas-sponsored recruits", "the number of overseas-sponsored recruits"
    )
    agency = HoursField(
        "Weekly hours covered by agency staff",
        problem="Enter hours as a number, for example 15",
        required="Enter the weekly hours covered by agency staff, or 0",
    )
    pays_travel_time = _yes_no("Do you pay care staff for travel time?", "you pay travel time")
    hourly_pay = PoundsField(
        "Average hourly pay for care staff",
        problem="Enter pay in pounds and pence, for example 12.85",
        required="Enter your care staff's average hourly pay",
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())

    QUADRANT_FIELDS = {
        Quadrant.EAST: "east",
        Quadrant.WEST: "west",
        Quadrant.CENTRAL: "central",
        Quadrant.SOUTH: "south",
    }

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        # The four quadrants ask the same questions: say which one a problem is in.
        for name in self.QUADRANT_FIELDS.values():
            quadrant = getattr(self, name)
            for field in quadrant.form:
                field.errors = [f"{quadrant.label.text}: {error}" for error in field.errors]
        return valid

    def start_empty(self) -> None:
        """A first return: no spare capacity anywhere until the provider says so."""
        for name in self.QUADRANT_FIELDS.values():
            sub: Any = getattr(self, name).form
            sub.spare.data = 0
            sub.new_packages.data = 0

    def to_data(self) -> CapacityData:
        quadrants = {}
        for quadrant, name in self.QUADRANT_FIELDS.items():
            sub: Any = getattr(self, name).form
            figures = QuadrantFigures(int(sub.spare.data or 0), int(sub.new_packages.data or 0))
            if figures.spare_weekly_minutes or figures.new_packages:
                quadrants[quadrant] = figures
        return CapacityData(
            service_users=self.service_users.data or 0,
            delivered_weekly_minutes=self.delivered.data or 0,
            weekend_starts=self.weekend_starts.data == "yes",
            seven_day_discharge=self.seven_day_discharge.data == "yes",
            winter_weekly_minutes=self.winter.data or 0,
            festive_weekly_minutes=self.festive.data or 0,
            takes_children=bool(self.takes_children.data),
            takes_palliative=bool(self.takes_palliative.data),
            takes_double_handed=bool(self.takes_double_handed.data),
            takes_dementia=bool(self.takes_dementia.data),
            headcount=self.headcount.data or 0,
            fte_hundredths=self.fte.data or 0,
            starters=self.starters.data or 0,
            leavers=self.leavers.data or 0,
            vacancies=self.vacancies.data or 0,
            overseas_sponsored=self.overseas_sponsored.data or 0,
            agency_weekly_minutes=self.agency.data or 0,
            pays_travel_time=self.pays_travel_time.data == "yes",
            hourly_pay_pence=self.hourly_pay.data or 0,
            quadrants=quadrants,
        )

    def fill_from(self, capacity: Any, *, flows: bool = True) -> None:
        """Start from an earlier return's figures: a correction's own, all of them; an
        earlier month's (``flows`` False), its stocks only, the month's flows left empty."""
        self.service_users.data = capacity.service_users
        self.delivered.data = capacity.delivered_weekly_minutes
        by_quadrant = {q.quadrant: q for q in capacity.quadrants}
        for quadrant, name in self.QUADRANT_FIELDS.items():
            sub: Any = getattr(self, name).form
            row = by_quadrant.get(quadrant)
            sub.spare.data = row.spare_weekly_minutes if row else 0
            sub.new_packages.data = row.new_packages if row else 0
        for name in ("weekend_starts", "seven_day_discharge", "pays_travel_time"):
            getattr(self, name).data = "yes" if getattr(capacity, name) else "no"
        self.winter.data = capacity.winter_weekly_minutes
        self.festive.data = capacity.festive_weekly_minutes
        for name in ("takes_children", "takes_palliative", "takes_double_handed", "takes_dementia"):
            getattr(self, name).data = getattr(capacity, name)
        for name in ("headcount", "starters", "leavers", "vacancies", "overseas_sponsored"):
            getattr(self, name).data = getattr(capacity, name)
        self.fte.data = capacity.fte_hundredths
        self.agency.data = capacity.agency_weekly_minutes
        self.hourly_pay.data = capacity.hourly_pay_pence
        if not flows:
            for name in FLOWS:
                getattr(self, name).data = None


class ConfirmForm(PortalForm):
    """The one-step returns: nothing has changed since last month, or a nil return."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())
