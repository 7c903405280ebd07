"""What an extract would change, worked out against the register without writing anything.

Lines are matched by the case system's line id with the latest line held under it:

- none held: the line **starts**, with the extract's dates;
- held alike (the same provider, category, calls, minutes, carers, days, rate and end date,
  and starting no later than the held line): **unchanged**;
- alike but for an earlier end date, or one where the held line has none: the held line
  **ends** on that date (never before it started);
- anything else: the line **changes**: its successor starts on the extract's start date or
  the extract date, whichever is later (and after the held line starts), and the held line
  ends the day before. A held line already ended before then is left as it is.

In a full extract, every open line (ending on or after the extract date, or not at all)
that the extract does not list **ends** on the extract date. A person whose provider
changes **moves**: the old provider's lines the extract does not carry on end the day
before the new provider's first line starts. Nothing held is edited but a line's end date
and a person's details; before the extract date, history is not rewritten.

Reading is set-based: every provider, person and line the extract could touch is read in a
handful of queries, whatever the extract's size.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import Any

from sqlalchemy import and_, false, or_, select

from portal.caseload.extract import NHS_NUMBER, Extract, LineData, PersonData, ProviderInfo
from portal.common.care import CareCategory
from portal.common.money import format_pence
from portal.common.sheets import Problem
from portal.extensions import db
from portal.providers.enums import ProviderStatus
from portal.providers.models import PackageLine, Provider, ServiceUser, describe_line

DAY = dt.timedelta(days=1)
# A person's details the extract sets, as ServiceUser's columns.
DETAILS = (
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "funding",
    "quadrant",
    "pricing_zone",
    "sex",
    "ethnicity",
)
# A line's values, as PackageLine's columns: a difference in any makes a successor.
VALUES = (
    "provider_id",
    "care_category",
    "calls_per_day",
    "minutes_per_call",
    "carers_per_call",
    "days_of_week",
    "hourly_rate_pence",
)
COUNTS = (
    "people_new",
    "people_changed",
    "people_moved",
    "lines_started",
    "lines_changed",
    "lines_ended",
    "lines_unchanged",
)


@dataclass(frozen=True, slots=True)
class HeldPerson:
    id: int
    provider_id: int
    details: tuple[Any, ...]  # in DETAILS' order, enums by value


@dataclass(frozen=True, slots=True)
class HeldLine:
    id: int
    service_user_id: int
    line_id: str | None
    values: tuple[Any, ...]  # in VALUES' order
    start_date: dt.date
    end_date: dt.date | None


@dataclass(frozen=True, slots=True)
class NewLine:
    """A line to start: its values (VALUES' order), the person by case reference (a new
    person has no id yet), its dates and the line it succeeds, if any."""

    case_reference: str
    line_id: str
    values: tuple[Any, ...]
    start_date: dt.date
    end_date: dt.date | None
    succeeds: int | None
    row: int


@dataclass(frozen=True, slots=True)
class Ending:
    line_id: int
    service_user_id: int
    provider_id: int
    before: dt.date | None
    end_date: dt.date
    why: str  # "changed", "ended", "vanished" or "moved"


@dataclass(frozen=True, slots=True)
class Warning:
    row: int
    case_reference: str
    message: str


@dataclass
class Plan:
    extract_date: dt.date
    full: bool
    new_people: list[PersonData] = field(default_factory=list)
    changed_people: list[tuple[HeldPerson, PersonData]] = field(default_factory=list)
    moved_people: list[tuple[HeldPerson, PersonData, int]] = field(default_factory=list)
    starts: list[NewLine] = field(default_factory=list)
    endings: list[Ending] = field(default_factory=list)
    unchanged: int = 0
    warnings: list[Warning] = field(default_factory=list)
    # What only the register shows is wrong (an NHS number held for someone else).
    problems: list[Problem] = field(default_factory=list)
    provider_names: dict[int, str] = field(default_factory=dict)
    provider_ids: dict[str, int] = field(default_factory=dict)  # by supplier reference
    # The held people the plan's lines belong to, by case reference.
    held_person_ids: dict[str, int] = field(default_factory=dict)
    # Each person whose line ends, by id: their case reference.
    ending_references: dict[int, str] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "people_new": len(self.new_people),
            "people_changed": len(self.changed_people),
            "people_moved": len(self.moved_people),
            "lines_started": sum(1 for s in self.starts if s.succeeds is None),
            "lines_changed": sum(1 for s in self.starts if s.succeeds is not None),
            "lines_ended": sum(1 for e in self.endings if e.why != "changed"),
            "lines_unchanged": self.unchanged,
        }

    @property
    def changes_anything(self) -> bool:
        return any(self.counts[name] for name in COUNTS if name != "lines_unchanged")

    def digest(self) -> str:
        """SHA-256 of every change, in the plan's order (which follows the extract's rows
        and the lines' ids, so the same file against the same register gives the same)."""
        changes: list[tuple[Any, ...]] = [("new", _person_values(p)) for p in self.new_people]
        changes += [("changed", h.id, _person_values(p)) for h, p in self.changed_people]
        changes += [("moved", h.id, provider) for h, _, provider in self.moved_people]
        changes += [
            ("start", s.case_reference, s.line_id, s.values, s.start_date, s.end_date, s.succeeds)
            for s in self.starts
        ]
        changes += [("end", e.line_id, e.before, e.end_date) for e in self.endings]
        return hashlib.sha256(repr(changes).encode()).hexdigest()


def _plain(values: Iterable[Any]) -> list[Any]:
    return [getattr(value, "value", value) for value in values]


_DETAILS_OF = attrgetter(*DETAILS)
_VALUES_OF = attrgetter("case_reference", *DETAILS)


def _person_values(person: PersonData) -> tuple[Any, ...]:
    return _VALUES_OF(person)


def load_providers() -> dict[str, ProviderInfo]:
    """Every provider by supplier reference (upper case), read once."""
    rows = db.session.execute(
        select(Provider.id, Provider.name, Provider.supplier_reference, Provider.status)
    )
    return {ref.upper(): ProviderInfo(id_, name, status) for id_, name, ref, status in rows}


def _held_people() -> dict[str, HeldPerson]:
    columns = [getattr(ServiceUser, name) for name in DETAILS]
    rows = db.session.execute(
        select(ServiceUser.id, ServiceUser.case_reference, ServiceUser.provider_id, *columns)
    )
    return {
        reference: HeldPerson(id_, provider_id, tuple(_plain(details)))
        for id_, reference, provider_id, *details in rows
    }


def _held_lines(extract_date: dt.date, *, full: bool, moved: Collection[int]) -> list[HeldLine]:
    """Every line from the case system, and the open lines (ending on or after the extract
    date, or not at all) an import may end: everyone's for a full extract, else those of
    the people who move. Oldest first, so the latest under each line id comes last."""
    open_ = or_(PackageLine.end_date.is_(None), PackageLine.end_date >= extract_date)
    if not full:
        open_ = and_(open_, PackageLine.service_user_id.in_(moved)) if moved else false()
    columns = [getattr(PackageLine, name) for name in VALUES]
    rows = db.session.execute(
        select(
            PackageLine.id,
            PackageLine.service_user_id,
            PackageLine.case_system_line_id,
            PackageLine.start_date,
            PackageLine.end_date,
            *columns,
        )
        .where(or_(PackageLine.case_system_line_id.is_not(None), open_))
        .order_by(PackageLine.start_date, PackageLine.id)
    )
    return [
        HeldLine(id_, person, line_id, tuple(_plain(values)), start, end)
        for id_, person, line_id, start, end, *values in rows
    ]


def _is_open(line: HeldLine, on: dt.date) -> bool:
    return line.end_date is None or line.end_date >= on


def plan_import(
    extract: Extract,
    *,
    extract_date: dt.date,
    full: bool,
    providers: dict[str, ProviderInfo],
    card_rate: Any,
) -> Plan:
    """What applying ``extract`` would do. ``card_rate(zone, category, day)`` gives the
    card's rate for the warnings (RateCard.rate)."""
    plan = Plan(extract_date=extract_date, full=full)
    plan.provider_names = {info.id: info.name for info in providers.values()}
    plan.provider_ids = {reference: info.id for reference, info in providers.items()}
    status = {info.id: info.status for info in providers.values()}
    people = _held_people()
    moved: dict[int, int] = {}  # person id -> new provider id
    nhs_holders = {p.details[0]: ref for ref, p in people.items() if p.details[0]}
    kept = [DETAILS.index(name) for name in sorted(extract.absent) if name in DETAILS]
    for person in extract.people.values():
        provider_id = providers[person.supplier_reference].id
        holder = nhs_holders.get(person.nhs_number) if person.nhs_number else None
        if holder is not None and holder != person.case_reference:
            plan.problems.append(
                Problem(person.row, NHS_NUMBER, f"This NHS number is held for {holder}")
            )
        known = people.get(person.case_reference)
        if known is None:
            plan.new_people.append(person)
            continue
        plan.held_person_ids[person.case_reference] = known.id
        if kept:  # a column the file left out: what the register holds stands
            person = replace(person, **{DETAILS[i]: known.details[i] for i in kept})
        if known.details != _DETAILS_OF(person):
            plan.changed_people.append((known, person))
        if known.provider_id != provider_id:
            plan.moved_people.append((known, person, provider_id))
            moved[known.id] = provider_id

    held_lines = _held_lines(extract_date, full=full, moved=moved.keys())
    latest: dict[str, HeldLine] = {}
    for line in held_lines:
        if line.line_id is not None:
            latest[line.line_id] = line
    listed: set[int] = set()
    new_provider_starts: dict[int, dt.date] = {}
    for data in extract.lines:
        person = extract.people[data.case_reference]
        provider_id = providers[data.supplier_reference].id
        values = (
            provider_id,
            data.care_category,
            data.calls_per_day,
            data.minutes_per_call,
            data.carers_per_call,
            data.days_of_week,
            data.hourly_rate_pence,
        )
        held = latest.get(data.line_id)
        held_person = people.get(data.case_reference)
        if held is not None and (held_person is None or held.service_user_id != held_person.id):
            held = None  # the id names another person's line: this person's is new
        if held is not None:
            listed.add(held.id)
        start = _plan_line(plan, data, values, held)
        if start is not None:
            _warn(plan, data, person, start, status, card_rate)
            if held_person is not None and held_person.id in moved:
                first = new_provider_starts.get(held_person.id)
                if first is None or start.start_date < first:
                    new_provider_starts[held_person.id] = start.start_date

    references = {held.id: reference for reference, held in people.items()}
    for line in held_lines:
        if line.id in listed or not _is_open(line, extract_date):
            continue
        if line.service_user_id in moved and line.values[0] != moved[line.service_user_id]:
            handover = new_provider_starts.get(line.service_user_id, extract_date + DAY)
            _end(plan, line, handover - DAY, "moved")
        elif full:
            _end(plan, line, extract_date, "vanished")
    plan.ending_references = {
        e.service_user_id: references[e.service_user_id] for e in plan.endings
    }
    return plan


def _plan_line(
    plan: Plan, data: LineData, values: tuple[Any, ...], held: HeldLine | None
) -> NewLine | None:
    """The change one extract line makes, added to the plan; the line it starts, if any."""
    if held is None:
        new = NewLine(
            data.case_reference,
            data.line_id,
            values,
            data.start_date,
            data.end_date,
            None,
            data.row,
        )
        plan.starts.append(new)
        return new
    alike = held.values == values
    if alike and held.end_date == data.end_date and held.start_date >= data.start_date:
        plan.unchanged += 1
        return None
    if (
        alike
        and data.end_date is not None
        and (held.end_date is None or data.end_date < held.end_date)
    ):
        end = max(data.end_date, held.start_date)
        if end == held.end_date:
            plan.unchanged += 1
        else:
            _end(plan, held, end, "ended")
        return None
    start = max(data.start_date, plan.extract_date, held.start_date + DAY)
    if held.end_date is not None and held.end_date < start:
        start = max(data.start_date, held.end_date + DAY)  # it ended already: carry on after
    elif data.end_date is None or data.end_date >= start:
        _end(plan, held, start - DAY, "changed")
    if data.end_date is not None and data.end_date < start:
        plan.unchanged += 1  # the change would end before it began: history stands
        return None
    new = NewLine(
        data.case_reference, data.line_id, values, start, data.end_date, held.id, data.row
    )
    plan.starts.append(new)
    return new


def _end(plan: Plan, line: HeldLine, day: dt.date, why: str) -> None:
    end = max(day, line.start_date)
    if line.end_date is not None and line.end_date <= end:
        return  # it ends by then already
    plan.endings.append(
        Ending(line.id, line.service_user_id, line.values[0], line.end_date, end, why)
    )


def _warn(
    plan: Plan,
    data: LineData,
    person: PersonData,
    start: NewLine,
    status: dict[int, ProviderStatus],
    card_rate: Any,
) -> None:
    provider_id = start.values[0]
    if start.succeeds is None and status[provider_id] != ProviderStatus.ACTIVE:
        plan.warnings.append(
            Warning(
                data.row,
                data.case_reference,
                f"A new package line goes to {plan.provider_names[provider_id]}, which is "
                f"{status[provider_id].label.lower()}",
            )
        )
    if data.rate_from_card:
        return
    card = card_rate(person.pricing_zone, data.care_category, start.start_date)
    if card is not None and card != data.hourly_rate_pence:
        plan.warnings.append(
            Warning(
                data.row,
                data.case_reference,
                f"Line {data.line_id}’s rate, {format_pence(data.hourly_rate_pence)} an hour, "
                f"differs from the card’s {format_pence(card)} for {person.pricing_zone} "
                f"{CareCategory(data.care_category).label.lower()} care",
            )
        )


def describe_values(values: tuple[Any, ...]) -> str:
    """A line's shape in words, from its VALUES."""
    _, _, calls, minutes, carers, days, _ = values
    return describe_line(calls, minutes, carers, days)
