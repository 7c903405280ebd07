"""Capacity returns: filed by a provider each month, in full, as "nothing has changed since
last month", or as a nil return when it supports no one. Late returns are accepted and
marked late."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, replace

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit.operations import record, snapshot
from portal.capacity.models import CapacityByQuadrant, CapacityKind, CapacityReturn
from portal.capacity.rules import Window, capacity_window
from portal.common.database import first_one_wins
from portal.common.dates import format_date, today
from portal.common.errors import DomainError
from portal.common.models import lock, utcnow
from portal.council.models import get_settings
from portal.extensions import db
from portal.providers.enums import Quadrant
from portal.providers.models import PackageLine, Provider
from portal.providers.queries import lines_active_on

FIGURES = (
    "service_users",
    "delivered_weekly_minutes",
    "weekend_starts",
    "seven_day_discharge",
    "winter_weekly_minutes",
    "festive_weekly_minutes",
    "takes_children",
    "takes_palliative",
    "takes_double_handed",
    "takes_dementia",
    "headcount",
    "fte_hundredths",
    "starters",
    "leavers",
    "vacancies",
    "overseas_sponsored",
    "agency_weekly_minutes",
    "pays_travel_time",
    "hourly_pay_pence",
)
# Figures that count what happened during the month, rather than how things stand: never
# carried from one month's return into the next (every other figure is a stock, such as the
# headcount, or a rate, such as the weekly hours, and is offered again to be checked). "New
# packages you could start in the next 7 days" is what a provider could take on, a stock.
FLOWS = ("starters", "leavers")


@dataclass(frozen=True)
class QuadrantFigures:
    spare_weekly_minutes: int = 0
    new_packages: int = 0


@dataclass(frozen=True)
class CapacityData:
    service_users: int = 0
    delivered_weekly_minutes: int = 0
    weekend_starts: bool = False
    seven_day_discharge: bool = False
    winter_weekly_minutes: int = 0
    festive_weekly_minutes: int = 0
    takes_children: bool = False
    takes_palliative: bool = False
    takes_double_handed: bool = False
    takes_dementia: bool = False
    headcount: int = 0
    fte_hundredths: int = 0
    starters: int = 0
    leavers: int = 0
    vacancies: int = 0
    overseas_sponsored: int = 0
    agency_weekly_minutes: int = 0
    pays_travel_time: bool = False
    hourly_pay_pence: int = 0
    quadrants: dict[Quadrant, QuadrantFigures] = field(default_factory=dict)


def window_for(month: dt.date) -> Window:
    settings = get_settings()
    return capacity_window(
        month, opens_day=settings.capacity_opens_day, closes_day=settings.capacity_closes_day
    )


def check_figures(data: CapacityData) -> None:
    """The bounds a form cannot express field by field. Each problem names its field."""
    numbers = {name: value for name, value in asdict(data).items() if isinstance(value, int)}
    for name, value in numbers.items():
        if not isinstance(value, bool) and value < 0:
            raise DomainError("Figures cannot be negative", field=name)
    if data.leavers > data.headcount + data.starters:
        raise DomainError(
            "Leavers cannot be more than your care staff headcount plus starters", field="leavers"
        )
    if data.overseas_sponsored > data.headcount:
        raise DomainError(
            "Overseas-sponsored recruits cannot be more than your care staff headcount",
            field="overseas_sponsored",
        )
    if data.fte_hundredths > data.headcount * 100 * 2:
        raise DomainError(
            "Full-time equivalents cannot be more than twice the headcount", field="fte"
        )
    if data.headcount and not data.hourly_pay_pence:
        raise DomainError("Enter your care staff's average hourly pay", field="hourly_pay")


def supports_anyone(provider: Provider, on: dt.date) -> int:
    """How many people the provider supports on ``on``, from its package lines."""
    return int(
        db.session.scalar(
            select(func.count(func.distinct(PackageLine.service_user_id))).where(
                PackageLine.provider_id == provider.id, lines_active_on(on)
            )
        )
        or 0
    )


def find_return(provider_id: int, month: dt.date) -> CapacityReturn | None:
    return db.session.scalar(
        select(CapacityReturn).where(
            CapacityReturn.provider_id == provider_id, CapacityReturn.month == month.replace(day=1)
        )
    )


def previous_return(provider_id: int, month: dt.date) -> CapacityReturn | None:
    """The provider's latest return before ``month``."""
    return db.session.scalar(
        select(CapacityReturn)
        .where(CapacityReturn.provider_id == provider_id, CapacityReturn.month < month)
        .order_by(CapacityReturn.month.desc())
        .limit(1)
    )


def _snapshot(capacity: CapacityReturn) -> dict[str, object]:
    data = snapshot(capacity, ("kind", "late", *FIGURES))
    data["quadrants"] = {
        q.quadrant.value: [q.spare_weekly_minutes, q.new_packages] for q in capacity.quadrants
    }
    return data


def _save(
    provider: Provider, month: dt.date, kind: CapacityKind, data: CapacityData, *, by: User
) -> CapacityReturn:
    month = month.replace(day=1)
    window = window_for(month)
    if not provider.on_register(month):  # a month starting after it left
        raise DomainError(
            f"{provider.name} left the register on {format_date(provider.exited_on)}, so it "
            f"owes no return for {month:%B %Y}"
        )
    if today() < window.opens:
        raise DomainError(
            f"The return for {month:%B %Y} can be made from {format_date(window.opens)}"
        )
    existing = find_return(provider.id, month)
    values = {name: getattr(data, name) for name in FIGURES} | {"kind": kind}
    quadrants = [
        CapacityByQuadrant(
            quadrant=quadrant,
            spare_weekly_minutes=figures.spare_weekly_minutes,
            new_packages=figures.new_packages,
        )
        for quadrant, figures in sorted(data.quadrants.items())
    ]
    if existing is None:
        capacity = CapacityReturn(
            provider_id=provider.id,
            month=month,
            late=window.is_late(today()),
            submitted_at=utcnow(),
            submitted_by_id=by.id,
            quadrants=quadrants,
            **values,
        )
        # Two people sending the first return for a month at once: one return is kept, and
        # the other person is told it has been sent.
        with first_one_wins(
            f"{provider.name}’s return for {month:%B %Y} has just been sent by someone "
            "else. Open it from your capacity returns to check it, or to correct it"
        ):
            db.session.add(capacity)
        before = None
        action = "capacity_return.submitted"
    else:
        # A correction: the figures change; who sent it first and when, and so lateness,
        # do not (the audit trail holds who corrected it). Locked, so two corrections at
        # once are made one after the other.
        capacity = existing
        lock(capacity)
        before = _snapshot(capacity)
        action = "capacity_return.corrected"
        with db.session.no_autoflush:
            for name, value in values.items():
                setattr(capacity, name, value)
            # Rows are changed in place: a new row for a quadrant that still has one would
            # meet the old one before it was deleted.
            current = {row.quadrant: row for row in capacity.quadrants}
            for row in quadrants:
                kept = current.pop(row.quadrant, None)
                if kept is None:
                    capacity.quadrants.append(row)
                else:
                    kept.spare_weekly_minutes = row.spare_weekly_minutes
                    kept.new_packages = row.new_packages
            for stale in current.values():
                capacity.quadrants.remove(stale)
    db.session.flush()
    record(action, capacity, by=by, before=before, after=_snapshot(capacity))
    return capacity


def submit_return(
    provider: Provider, month: dt.date, data: CapacityData, *, by: User
) -> CapacityReturn:
    check_figures(data)
    return _save(provider, month, CapacityKind.FULL, data, by=by)


def confirm_unchanged(provider: Provider, month: dt.date, *, by: User) -> CapacityReturn:
    """Last month's figures, confirmed as this month's in one step: its stocks, with no
    starters or leavers this month (what happened in last month is not this month's)."""
    previous = previous_return(provider.id, month.replace(day=1))
    if previous is None:
        raise DomainError("There is no earlier return to confirm: fill in this month's figures")
    data = replace(
        CapacityData(
            **{name: getattr(previous, name) for name in FIGURES},
            quadrants={
                q.quadrant: QuadrantFigures(q.spare_weekly_minutes, q.new_packages)
                for q in previous.quadrants
            },
        ),
        starters=0,  # the FLOWS
        leavers=0,
    )
    return _save(provider, month, CapacityKind.UNCHANGED, data, by=by)


def nil_return(provider: Provider, month: dt.date, *, by: User) -> CapacityReturn:
    """For a provider supporting no one: every figure zero, every answer no."""
    supported = supports_anyone(provider, today())
    if supported:
        raise DomainError(
            f"{provider.name} supports {supported} "
            f"{'person' if supported == 1 else 'people'}: a nil return is only for a provider "
            "supporting no one. Fill in this month's figures instead."
        )
    return _save(provider, month, CapacityKind.NIL, CapacityData(), by=by)


def get_return(return_id: int, *, provider_id: int | None) -> CapacityReturn:
    """One return; a provider only ever reaches its own (anything else is "not found")."""
    from flask import abort

    statement = select(CapacityReturn).where(CapacityReturn.id == return_id)
    if provider_id is not None:
        statement = statement.where(CapacityReturn.provider_id == provider_id)
    found = db.session.scalar(statement)
    if found is None:
        abort(404)
    return found
