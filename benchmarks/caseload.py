"""The case system's import at a large council's size: a 12,000-person, 40,000-line
extract checked, planned and applied as the nightly job does (flask import package-lines:
checked, recorded and applied in one transaction), against a plain bulk insert of the same
rows.

The people are new to the register (new case references, at the council's providers), so
the import starts every line, as a council's first extract does, and the plain script does
the same work: read the CSV and insert the people and lines. Both run in a savepoint rolled
back after each try, so the data stays as built."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from typing import Any

from sqlalchemy import select

from benchmarks.measure import Council, against_plain_insert
from portal.caseload import operations
from portal.caseload.extract import COLUMNS, LAYOUT, OPTIONAL
from portal.common.dates import today
from portal.common.sheets import read_table
from portal.common.weekdays import parse_days
from portal.extensions import db
from portal.providers.models import Provider

PEOPLE = 12_000
LINES = 40_000
ZONES = ("urban", "fringe", "rural", "isolated")
QUADRANTS = ("east", "west", "central", "south")
DAYS = ("7", "Mon-Fri", "Sat Sun", "Mon Wed Fri")


def extract_file(suppliers: list[str], *, people: int = PEOPLE, lines: int = LINES) -> bytes:
    """A case system's extract: ``people`` people with ``lines`` lines between them."""
    chooser = random.Random(2026)
    start = today() - dt.timedelta(days=90)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS + OPTIONAL)
    for n in range(lines):
        person = n % people
        writer.writerow(
            [
                f"X{person:07d}",
                "",
                "Ada",
                f"Person{person}",
                "1941-03-02",
                "council",
                QUADRANTS[person % 4],
                ZONES[person % 4],
                "standard adult",
                suppliers[person % len(suppliers)],
                f"B{n:07d}",
                str(chooser.randint(1, 4)),
                str(chooser.choice((15, 30, 45, 60))),
                str(chooser.choice((1, 1, 1, 2))),
                DAYS[n % len(DAYS)],
                f"{chooser.randint(1900, 2400) / 100:.2f}",
                start.isoformat(),
                "",
                "female" if person % 2 else "male",
                "A",
            ]
        )
    return out.getvalue().encode()


def caseload_import(
    council: Council, *, rounds: int, people: int = PEOPLE, lines: int = LINES
) -> dict[str, Any]:
    with council.app.app_context():
        suppliers = list(db.session.scalars(select(Provider.supplier_reference)))
        content = extract_file(suppliers, people=people, lines=lines)
        counts: dict[str, int] = {}

        def app_import() -> None:
            nested = db.session.begin_nested()
            rows = read_table("extract.csv", content, LAYOUT)
            checked, applied = operations.import_at_once(
                rows, file_name="extract.csv", extract_date=today(), full=False, by=None
            )
            if applied is None:
                raise RuntimeError(f"the extract was refused: {checked.problems[:3]}")
            counts.update(applied)
            db.session.flush()
            nested.rollback()
            db.session.expire_all()

        def plain_insert() -> None:
            nested = db.session.begin_nested()
            _plain_insert(content)
            nested.rollback()

        timings = against_plain_insert(app_import, plain_insert, rounds=rounds)
        db.session.rollback()
    return {
        "people": counts.get("people_new", 0),
        "lines": counts.get("lines_started", 0),
        **timings,
    }


def _plain_insert(content: bytes) -> None:
    """What a one-off script would do with the same file: read it with the csv module and
    insert the people, then their lines, with the driver's executemany. No checks, no
    history, no audit."""
    connection = db.session.connection()
    marker = "%s" if connection.dialect.name == "postgresql" else "?"
    cursor = connection.connection.cursor()
    cursor.execute("SELECT supplier_reference, id FROM providers")
    providers = dict(cursor.fetchall())
    reader = csv.reader(io.StringIO(content.decode("utf-8")))
    next(reader)
    rows = list(reader)
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM service_users")
    next_person = int(cursor.fetchall()[0][0]) + 1
    now = dt.datetime.now(dt.UTC)
    people: dict[str, tuple[Any, ...]] = {}
    for row in rows:
        if row[0] not in people:
            people[row[0]] = (
                next_person + len(people),
                row[0],
                row[2],
                row[3],
                dt.date.fromisoformat(row[4]),
                row[5],
                row[6],
                row[7],
                providers[row[9]],
                now,
                now,
            )
    values = ", ".join([marker] * 11)
    cursor.executemany(
        "INSERT INTO service_users (id, case_reference, given_name, family_name, "  # noqa: S608
        "date_of_birth, funding, quadrant, pricing_zone, provider_id, created_at, updated_at) "
        f"VALUES ({values})",
        list(people.values()),
    )
    lines = [
        (
            people[row[0]][0],
            providers[row[9]],
            int(row[11]),
            int(row[12]),
            int(row[13]),
            parse_days(row[14]),
            round(float(row[15]) * 100),
            dt.date.fromisoformat(row[16]),
            "standard_adult",
            row[10],
            now,
            now,
        )
        for row in rows
    ]
    values = ", ".join([marker] * 12)
    cursor.executemany(
        "INSERT INTO package_lines (service_user_id, provider_id, calls_per_day, "  # noqa: S608
        "minutes_per_call, carers_per_call, days_of_week, hourly_rate_pence, start_date, "
        f"care_category, case_system_line_id, created_at, updated_at) VALUES ({values})",
        lines,
    )
