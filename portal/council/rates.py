"""The council's rate card: hourly rates by pricing zone and care category, each in force
from its date until a later one for the same zone and category supersedes it.

``card_rate`` answers one question with one query; an import asking for tens of thousands
of lines loads the whole card once (``load_card``) and asks the ``RateCard`` in memory.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from portal.audit.operations import record
from portal.common.care import CareCategory, PricingZone
from portal.common.dates import format_date, today
from portal.common.errors import DomainError
from portal.common.money import MOST_HOURLY_PENCE
from portal.council.models import CardRate
from portal.extensions import db


def card_rate(zone: PricingZone, category: CareCategory, on_date: dt.date) -> int | None:
    """The card's hourly rate in pence for this zone and category on ``on_date``, if any."""
    return db.session.scalar(
        select(CardRate.hourly_rate_pence)
        .where(
            CardRate.pricing_zone == zone,
            CardRate.care_category == category,
            CardRate.effective_from <= on_date,
        )
        .order_by(CardRate.effective_from.desc())
        .limit(1)
    )


class RateCard:
    """The whole card in memory: for each zone and category, its rates in date order."""

    def __init__(self, rates: list[tuple[PricingZone, CareCategory, dt.date, int]]) -> None:
        by_pair: dict[tuple[str, str], list[tuple[dt.date, int]]] = defaultdict(list)
        for zone, category, effective_from, pence in rates:
            by_pair[(zone.value, category.value)].append((effective_from, pence))
        self._dates = {pair: [d for d, _ in sorted(rows)] for pair, rows in by_pair.items()}
        self._pence = {pair: [p for _, p in sorted(rows)] for pair, rows in by_pair.items()}
        self._answers: dict[tuple[str, str, dt.date], int | None] = {}

    def rate(self, zone: str, category: str, on_date: dt.date) -> int | None:
        """As ``card_rate``, from memory. Zone and category by their values."""
        key = (zone, category, on_date)
        if key not in self._answers:  # a batch asks the same few questions many times
            self._answers[key] = self._rate(zone, category, on_date)
        return self._answers[key]

    def _rate(self, zone: str, category: str, on_date: dt.date) -> int | None:
        dates = self._dates.get((zone, category))
        if not dates:
            return None
        index = bisect.bisect_right(dates, on_date) - 1
        return self._pence[(zone, category)][index] if index >= 0 else None


def load_card() -> RateCard:
    """Every rate on the card, read with one query."""
    rows = db.session.execute(
        select(
            CardRate.pricing_zone,
            CardRate.care_category,
            CardRate.effective_from,
            CardRate.hourly_rate_pence,
        )
    )
    return RateCard([(zone, category, start, pence) for zone, category, start, pence in rows])


def rate_history() -> list[CardRate]:
    """Every rate, by zone and category, newest first within each."""
    return list(
        db.session.scalars(
            select(CardRate).order_by(
                CardRate.pricing_zone, CardRate.care_category, CardRate.effective_from.desc()
            )
        )
    )


def add_rate(
    *,
    zone: PricingZone,
    category: CareCategory,
    hourly_rate_pence: int,
    effective_from: dt.date,
    by: Any,
) -> CardRate:
    """A new rate for a zone and category from ``effective_from``. Rates are never changed;
    a new one starts after the latest for its zone and category, and today or later, so
    no line already bought changes its card rate. (A zone and category's first rate may
    be backdated to the contract's start.)"""
    if not 0 < hourly_rate_pence <= MOST_HOURLY_PENCE:
        raise DomainError(
            f"The hourly rate must be more than £0 and £{MOST_HOURLY_PENCE // 100} or less",
            field="rate",
        )
    latest = db.session.scalar(
        select(CardRate.effective_from)
        .where(CardRate.pricing_zone == zone, CardRate.care_category == category)
        .order_by(CardRate.effective_from.desc())
        .limit(1)
        .with_for_update()
    )
    if latest is not None:
        if effective_from < today():
            raise DomainError("The new rate must start today or later", field="effective_from")
        if effective_from <= latest:
            raise DomainError(
                f"The new rate must start after the current {zone.label.lower()} "
                f"{category.label.lower()} rate, which starts on {format_date(latest)}",
                field="effective_from",
            )
    rate = CardRate(
        pricing_zone=zone,
        care_category=category,
        hourly_rate_pence=hourly_rate_pence,
        effective_from=effective_from,
        created_by_id=getattr(by, "id", None),
    )
    db.session.add(rate)
    record("card_rate.added", rate, by=by, provider_id=None)
    return rate
