"""The council's date worked out in SQL agrees with Python's, across the clock changes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import DateTime, literal, select

from portal.common.dates import london_date as python_london_date
from portal.common.sql_dates import london_date
from portal.extensions import db

MOMENTS = [
    dt.datetime(2026, 3, 29, 0, 59, tzinfo=dt.UTC),  # the night the clocks go forward
    dt.datetime(2026, 3, 29, 23, 0, tzinfo=dt.UTC),  # summer: already the 30th in London
    dt.datetime(2026, 6, 30, 22, 59, tzinfo=dt.UTC),
    dt.datetime(2026, 6, 30, 23, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 24, 23, 30, tzinfo=dt.UTC),  # the last summer night
    dt.datetime(2026, 10, 25, 23, 30, tzinfo=dt.UTC),  # winter again: still the 25th
    dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC),
    dt.datetime(2027, 3, 28, 1, 0, tzinfo=dt.UTC),
]


@pytest.mark.parametrize("moment", MOMENTS, ids=[m.isoformat() for m in MOMENTS])
def test_london_date_in_sql_matches_python(db_session: object, moment: dt.datetime) -> None:
    found = db.session.scalar(select(london_date(literal(moment, DateTime(timezone=True)))))
    assert found == python_london_date(moment)
