"""Do reductions hold? By provider, the approved reductions whose 91-day or 12-month
checkpoint falls in a span of days, and what became of them there: held, went back up,
ended, or not yet known (the day is still to come). The share sustained is of those whose
checkpoint has come.

Only the stored checkpoints are read (``ReductionCheckpoint``, kept by
``portal.recommendations.checkpoints``), in one grouped statement through an index on each
checkpoint's day, so the cost does not grow with the package lines or the years held."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Date, Select, bindparam, func, literal_column, select, union_all

from portal.common import stored_figures
from portal.common.dates import FinancialYear, today
from portal.common.stored_figures import Window, kept_figure, months_between
from portal.common.stored_figures import figures as kept
from portal.extensions import db
from portal.outcomes.table_f import whole_percent
from portal.providers.models import PackageLine, Provider
from portal.recommendations.checkpoints import CHECKPOINTS
from portal.recommendations.models import ReductionCheckpoint, Verdict

# How each checkpoint is named in sentences and headings.
CHECKPOINT_NAMES = {91: "91 days", 365: "12 months"}


@dataclass(frozen=True)
class Held:
    """What became of some reductions at one checkpoint."""

    held: int = 0
    went_back_up: int = 0
    ended: int = 0
    not_yet_known: int = 0

    @property
    def reductions(self) -> int:
        """Those whose checkpoint falls in the span."""
        return self.held + self.went_back_up + self.ended + self.not_yet_known

    @property
    def known(self) -> int:
        """Those whose checkpoint has come."""
        return self.held + self.went_back_up + self.ended

    @property
    def sustained_percent(self) -> int | None:
        """The share held of those whose checkpoint has come, a whole percent (a half
        rounded up); None when none has come."""
        return whole_percent(self.held, self.known)

    def __add__(self, other: Held) -> Held:
        return Held(
            self.held + other.held,
            self.went_back_up + other.went_back_up,
            self.ended + other.ended,
            self.not_yet_known + other.not_yet_known,
        )


@dataclass
class ProviderHeld:
    provider_id: int
    provider_name: str
    at: dict[int, Held] = field(default_factory=lambda: {days: Held() for days in CHECKPOINTS})


@dataclass(frozen=True)
class HeldFigures:
    """The providers in name order, and the council's totals at each checkpoint."""

    providers: list[ProviderHeld]
    council: dict[int, Held]


_FIELD = {
    Verdict.HELD: "held",
    Verdict.WENT_BACK_UP: "went_back_up",
    Verdict.ENDED: "ended",
    Verdict.NOT_YET_KNOWN: "not_yet_known",
}


def _checkpoints_between() -> Any:
    """(provider, checkpoint, verdict) for each checkpoint from :first to :last inclusive,
    each checkpoint's rows read through its own covering index."""
    table = ReductionCheckpoint.__table__
    first, last = bindparam("first", type_=Date), bindparam("last", type_=Date)
    return union_all(
        *(
            select(
                table.c.provider_id,
                literal_column(str(days)).label("checkpoint"),
                table.c[f"verdict_{days}"].label("verdict"),
            ).where(table.c[f"checkpoint_{days}_on"].between(first, last))
            for days in CHECKPOINTS
        )
    ).subquery()


@cache
def held_statement() -> Select[Any]:
    """(provider, name, checkpoint, verdict, reductions) for the checkpoints from :first to
    :last inclusive: each checkpoint's rows read through its own covering index."""
    each = _checkpoints_between()
    return (
        select(Provider.id, Provider.name, each.c.checkpoint, each.c.verdict, func.count())
        .join(each, each.c.provider_id == Provider.id)
        .group_by(Provider.id, Provider.name, each.c.checkpoint, each.c.verdict)
        .order_by(Provider.name, Provider.id)
    )


def held_by_provider(first: dt.date, last: dt.date) -> HeldFigures:
    """The reductions whose checkpoints fall from ``first`` to ``last`` (inclusive), by
    provider, with the council's totals, counted now in one statement: for any span of
    days. The pages read whole months' through ``held_figures``, from the counts kept."""
    providers: dict[int, ProviderHeld] = {}
    council = {days: Held() for days in CHECKPOINTS}
    rows = db.session.connection().execute(held_statement(), {"first": first, "last": last})
    for provider_id, name, checkpoint, verdict, count in rows:
        days = int(checkpoint)
        one = Held(**{_FIELD[Verdict(verdict)]: int(count)})
        row = providers.setdefault(provider_id, ProviderHeld(provider_id, name))
        row.at[days] = row.at[days] + one
        council[days] = council[days] + one
    return HeldFigures(list(providers.values()), council)


@cache
def _counts_statement() -> Select[Any]:
    each = _checkpoints_between()
    return select(each.c.provider_id, each.c.checkpoint, each.c.verdict, func.count()).group_by(
        each.c.provider_id, each.c.checkpoint, each.c.verdict
    )


def counts_between(first: dt.date, last: dt.date) -> list[tuple[int, int, Verdict, int]]:
    """(provider, checkpoint, verdict, reductions) for the checkpoints from ``first`` to
    ``last`` inclusive: the figures ``held_by_provider`` adds up, without the names."""
    rows = db.session.connection().execute(_counts_statement(), {"first": first, "last": last})
    return [
        (int(provider_id), int(checkpoint), Verdict(verdict), int(count))
        for provider_id, checkpoint, verdict, count in rows
    ]


def checkpoint_days() -> tuple[dt.date | None, dt.date | None]:
    """The first and the last checkpoint day held: the span any of them falls in."""
    table = ReductionCheckpoint.__table__
    first, last = (
        db.session.connection()
        .execute(select(func.min(table.c.checkpoint_91_on), func.max(table.c.checkpoint_365_on)))
        .one()
    )
    return first, last


# Each month's counts are kept (``portal.common.stored_figures``) until a checkpoint in it
# is worked out again (``portal.recommendations.checkpoints`` forgets them).
FIGURE = "held.checkpoints"


def _checkpoint_months() -> list[Window]:
    """The months a page may ask for: the financial years from the first line's or
    checkpoint's to the last checkpoint's or a year from now, whichever is later (a
    financial year shown runs at most that far ahead)."""
    first, last = checkpoint_days()
    first_line = db.session.scalar(select(func.min(PackageLine.start_date)))
    starts = [day for day in (first, first_line) if day is not None]
    if not starts:
        return []
    ahead = today() + dt.timedelta(days=366)
    return months_between(
        FinancialYear.containing(min(starts)).first_day,
        FinancialYear.containing(max(last or ahead, ahead)).last_day,
    )


# The council's counts in a month, beside each provider's.
COUNCIL = "all"
# A provider's counts in a month, in this order: each checkpoint's verdicts.
ORDER = tuple((days, verdict) for days in CHECKPOINTS for verdict in _FIELD)


@kept_figure(FIGURE, stored_figures.HELD, _checkpoint_months, always=True)
def _count_held(months: Sequence[Window]) -> dict[int, dict[str, Any]]:
    """For each window, the reductions whose checkpoint falls in it: for each provider
    (by id), its counts in ``ORDER``; and the council's (``COUNCIL``)."""
    place = {key: index for index, key in enumerate(ORDER)}
    found: dict[int, dict[str, Any]] = {}
    for n, window in enumerate(months):
        providers: dict[str, list[int]] = {}
        council = [0] * len(ORDER)
        for provider_id, days, verdict, count in counts_between(window.first, window.last):
            index = place[(days, verdict)]
            providers.setdefault(str(provider_id), [0] * len(ORDER))[index] = count
            council[index] += count
        found[n] = {**providers, COUNCIL: council}
    return found


@cache
def _names_statement() -> Select[Any]:
    return select(Provider.id, Provider.name).where(
        Provider.id.in_(bindparam("ids", expanding=True))
    )


def held_figures(
    first: dt.date, last: dt.date, *, provider: tuple[int, str] | None = None
) -> HeldFigures:
    """The reductions whose checkpoints fall in the whole months from ``first``'s to
    ``last``'s, by provider in name order (only ``provider``'s, by id and name, when
    given), and the council's totals: each month's counts read from those kept, or
    counted."""
    found: dict[str, list[int]] = {}
    council = [0] * len(ORDER)
    mine = None if provider is None else str(provider[0])
    for parts in kept(FIGURE, months_between(first, last)):
        for key, counts in parts.items():
            if key == COUNCIL:
                council = [a + b for a, b in zip(council, counts, strict=True)]
            elif mine is None or key == mine:
                before = found.get(key)
                found[key] = (
                    counts
                    if before is None
                    else [a + b for a, b in zip(before, counts, strict=True)]
                )
    by_id = {int(key): counts for key, counts in found.items()}
    names: dict[int, str] = {} if provider is None else {provider[0]: provider[1]}
    if by_id and provider is None:
        rows = db.session.connection().execute(_names_statement(), {"ids": list(by_id)})
        names = {int(row[0]): str(row[1]) for row in rows}
    providers = [
        ProviderHeld(pid, names[pid], _by_checkpoint(counts))
        for pid, counts in sorted(by_id.items(), key=lambda item: (names[item[0]], item[0]))
    ]
    return HeldFigures(providers, _by_checkpoint(council))


def _by_checkpoint(counts: list[int]) -> dict[int, Held]:
    width = len(_FIELD)
    return {
        days: Held(*counts[index * width : (index + 1) * width])
        for index, days in enumerate(CHECKPOINTS)
    }
