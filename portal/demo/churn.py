"""The demo year's comings and goings: each month the case system's changes-only extract
brings new people (some on a few weeks of discharge to assess), ends the care of others (a
move to a care home, a death, a recovery) and changes some packages, imported as the nightly
job does. So the dashboard's monthly counts move, lines end at every length, and the Patch
providers take a growing share of new packages, as the committee report describes."""

from __future__ import annotations

import datetime as dt
import io
import random

from sqlalchemy import select

from portal.accounts.models import User
from portal.caseload.extract import COLUMNS, LAYOUT, OPTIONAL
from portal.caseload.operations import import_at_once
from portal.common.dates import today
from portal.common.sheets import read_table
from portal.common.spreadsheets import SafeCsvWriter
from portal.common.weekdays import short_days
from portal.demo import year
from portal.extensions import db
from portal.providers.enums import CareCategory, PricingZone, ProviderStatus, Quadrant
from portal.providers.models import PackageLine, Provider, ServiceUser

SEXES = ("female", "female", "male", "male", "male", "not known")
ETHNICITIES = (("A", 70), ("C", 8), ("H", 6), ("N", 5), ("M", 4), ("Z", 7))


def _month_after(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def comings_and_goings(
    rng: random.Random,
    providers: list[Provider],
    rates: dict[PricingZone, int],
    names: tuple[tuple[str, ...], tuple[str, ...]],
    by: User,
    *,
    since: dt.date,
) -> int:
    """A changes-only extract on the 3rd of each month from ``since`` to today, each with
    what changed since the one before; the number of extracts imported."""
    # The trusted assessors' people keep the stories the demo tells about them.
    taking = [p for p in providers if p.status == ProviderStatus.ACTIVE and not p.trusted_assessor]
    patch = [p for p in taking if p.quadrant is not None]
    others = [p for p in taking if p.quadrant is None]
    extracts = 0
    previous = since
    month = _month_after(since)
    number = 0
    while (extracted := month + dt.timedelta(days=2)) < today():
        # The Patch providers' recruitment takes hold: their share of new packages grows.
        progress = (extracted - since).days / max((today() - since).days, 1)
        rows: list[list[object]] = []
        for _ in range(rng.randint(7, 13)):
            number += 1
            provider = rng.choice(patch if rng.random() < 0.6 + 0.3 * progress else others)
            start = previous + dt.timedelta(days=rng.randint(1, (extracted - previous).days - 1))
            rows += _new_person(rng, number, provider, start, rates, names)
        rows += _endings_and_changes(rng, taking, previous, extracted)
        import_changes(rows, extracted=extracted, by=by)
        extracts += 1
        previous, month = extracted, _month_after(month)
    return extracts


def import_changes(rows: list[list[object]], *, extracted: dt.date, by: User | None) -> None:
    """A changes-only extract of ``rows``, imported as the nightly job does on its date."""
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow([*COLUMNS, *OPTIONAL])
    for row in rows:
        writer.writerow(row)
    with year.on(extracted, 2):
        checked, applied = import_at_once(
            read_table("changed-package-lines.csv", out.getvalue().encode(), LAYOUT),
            file_name="changed-package-lines.csv",
            extract_date=extracted,
            full=False,
            by=by,
        )
    assert applied is not None, f"the demo's changes have problems: {checked.problems[:3]}"


def _new_person(
    rng: random.Random,
    number: int,
    provider: Provider,
    start: dt.date,
    rates: dict[PricingZone, int],
    names: tuple[tuple[str, ...], tuple[str, ...]],
) -> list[list[object]]:
    zone = rng.choices(list(PricingZone), weights=[55, 25, 15, 5])[0]
    # Out of hospital onto a few weeks of discharge to assess, with a Patch provider.
    assess = provider.quadrant is not None and rng.random() < 0.3
    category = CareCategory.DISCHARGE_TO_ASSESS if assess else CareCategory.STANDARD_ADULT
    end = start + dt.timedelta(days=rng.randint(10, 50)) if assess else None
    person = [
        f"AS{700000 + number:06d}",
        "",
        rng.choice(names[0]),
        rng.choice(names[1]),
        dt.date(rng.randint(1926, 1990), rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
        "council",
        (provider.quadrant or rng.choice(list(Quadrant))).value,
        zone.value,
        category.label,
        provider.supplier_reference,
    ]
    sex = rng.choice(SEXES)
    ethnicity = rng.choices([e for e, _ in ETHNICITIES], weights=[w for _, w in ETHNICITIES])[0]
    calls = rng.choices([1, 2, 3, 4], weights=[15, 30, 25, 30])[0]
    carers = 2 if rng.random() < 0.12 else 1
    rate = f"{(rates[zone] + rng.choice([-20, 0, 0, 15, 30])) / 100:.2f}"
    return [
        [
            *person,
            f"LL-{700000 + number}-1",
            calls,
            rng.choice([15, 30, 30, 45]),
            carers,
            "7",
            rate,
            start.isoformat(),
            end.isoformat() if end else "",
            sex,
            ethnicity,
        ]
    ]


def _endings_and_changes(
    rng: random.Random, providers: list[Provider], previous: dt.date, extracted: dt.date
) -> list[list[object]]:
    """Some people's care ends in the month; some packages change (a call more or less)."""
    lines = db.session.execute(
        select(PackageLine, ServiceUser, Provider.supplier_reference)
        .join(ServiceUser, ServiceUser.id == PackageLine.service_user_id)
        .join(Provider, Provider.id == PackageLine.provider_id)
        .where(
            PackageLine.provider_id.in_([p.id for p in providers]),
            PackageLine.end_date.is_(None),
            PackageLine.start_date < previous,
            PackageLine.case_system_line_id.is_not(None),
        )
        .order_by(PackageLine.id)
    ).all()
    by_person: dict[int, list[tuple[PackageLine, ServiceUser, str]]] = {}
    for line, person, supplier in lines:
        by_person.setdefault(person.id, []).append((line, person, supplier))
    people = sorted(by_person)
    chosen = rng.sample(people, min(len(people), rng.randint(6, 11)))
    rows = []
    for index, person_id in enumerate(chosen):
        day = previous + dt.timedelta(days=rng.randint(1, (extracted - previous).days - 1))
        if index % 3 == 2:  # a package changed: one call a day more or fewer
            line, person, supplier = by_person[person_id][0]
            calls = line.calls_per_day + (1 if line.calls_per_day < 3 else -1)
            rows.append(_row(line, person, supplier, calls=calls, start=day, end=None))
            continue
        for line, person, supplier in by_person[person_id]:  # care ended
            rows.append(_row(line, person, supplier, calls=line.calls_per_day, start=None, end=day))
    return rows


def _row(
    line: PackageLine,
    person: ServiceUser,
    supplier: str,
    *,
    calls: int,
    start: dt.date | None,
    end: dt.date | None,
) -> list[object]:
    """The line as the case system sends it, the person's details as the register holds them."""
    assert person.date_of_birth is not None
    return [
        person.case_reference,
        person.nhs_number or "",
        person.given_name,
        person.family_name,
        person.date_of_birth.isoformat(),
        person.funding.value,
        person.quadrant.value,
        person.pricing_zone.value,
        line.care_category.label,
        supplier,
        line.case_system_line_id,
        calls,
        line.minutes_per_call,
        line.carers_per_call,
        short_days(line.days_of_week),
        f"{line.hourly_rate_pence / 100:.2f}",
        (start or line.start_date).isoformat(),
        end.isoformat() if end else "",
        person.sex.value if person.sex else "",
        person.ethnicity.value if person.ethnicity else "",
    ]
