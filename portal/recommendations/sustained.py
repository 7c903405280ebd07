"""Do reductions hold? By provider, the approved reductions whose 91-day or 12-month
checkpoint falls in a span of days, and what became of them there: held, went back up,
ended, or not yet known (the day is still to come). The share sustained is of those whose
checkpoint has come.

Only the stored checkpoints are read (``ReductionCheckpoint``, kept by
``portal.recommendations.checkpoints``), in one grouped statement through an index on each
checkpoint's day, so the cost does not grow with the package lines or the years held."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Date, Select, bindparam, case, func, literal_column, select, union_all

from portal.extensions import db
from portal.outcomes.table_f import whole_percent
from portal.providers.models import Provider
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
    provider, with the council's totals."""
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
def _one_provider_statement() -> Select[Any]:
    """(checkpoint, verdict, the council's reductions, the provider's) for the checkpoints
    from :first to :last inclusive, through the same covering indexes, with no join."""
    each = _checkpoints_between()
    mine = func.sum(case((each.c.provider_id == bindparam("provider_id"), 1), else_=0))
    return select(each.c.checkpoint, each.c.verdict, func.count(), mine).group_by(
        each.c.checkpoint, each.c.verdict
    )


def held_for_provider(
    provider_id: int, provider_name: str, first: dt.date, last: dt.date
) -> tuple[ProviderHeld, dict[int, Held]]:
    """One provider's reductions whose checkpoints fall from ``first`` to ``last``, and the
    council's totals (as ``held_by_provider`` counts them), from one grouped statement."""
    own = ProviderHeld(provider_id, provider_name)
    council = {days: Held() for days in CHECKPOINTS}
    rows = db.session.connection().execute(
        _one_provider_statement(), {"first": first, "last": last, "provider_id": provider_id}
    )
    for checkpoint, verdict, count, mine in rows:
        days, name = int(checkpoint), _FIELD[Verdict(verdict)]
        council[days] = council[days] + Held(**{name: int(count)})
        own.at[days] = own.at[days] + Held(**{name: int(mine or 0)})
    return own, council
