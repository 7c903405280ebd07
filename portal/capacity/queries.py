"""Reading capacity returns for a provider's own pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select

from portal.capacity.models import CapacityByQuadrant, CapacityKind, CapacityReturn
from portal.capacity.rules import ReturnIndices
from portal.extensions import db


@dataclass(frozen=True)
class ReturnLine(ReturnIndices):
    """A return as the provider's list of its returns shows it: the figures the list and
    the one-step "nothing has changed" offer need, with its quadrants' spare hours summed."""

    id: int
    month: dt.date
    kind: CapacityKind
    submitted_at: dt.datetime
    late: bool
    service_users: int
    delivered_weekly_minutes: int
    spare_weekly_minutes: int
    headcount: int
    starters: int
    leavers: int
    hourly_pay_pence: int


@cache
def _history_statement() -> Select[Any]:
    """:provider's newest :limit returns, the quadrants summed in the query. Built once,
    with the values bound when it runs."""
    spare = (
        select(func.coalesce(func.sum(CapacityByQuadrant.spare_weekly_minutes), 0))
        .where(CapacityByQuadrant.return_id == CapacityReturn.id)
        .scalar_subquery()
    )
    return (
        select(
            CapacityReturn.id,
            CapacityReturn.month,
            CapacityReturn.kind,
            CapacityReturn.submitted_at,
            CapacityReturn.late,
            CapacityReturn.service_users,
            CapacityReturn.delivered_weekly_minutes,
            spare,
            CapacityReturn.headcount,
            CapacityReturn.starters,
            CapacityReturn.leavers,
            CapacityReturn.hourly_pay_pence,
        )
        .where(CapacityReturn.provider_id == bindparam("provider"))
        .order_by(CapacityReturn.month.desc())
        .limit(bindparam("limit", type_=Integer))
    )


def provider_history(provider_id: int, *, limit: int = 24) -> list[ReturnLine]:
    """A provider's returns, newest month first: one query, the quadrants summed in it."""
    rows = db.session.connection().execute(
        _history_statement(), {"provider": provider_id, "limit": limit}
    )
    return [ReturnLine(*row) for row in rows]
