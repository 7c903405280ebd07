"""Lists' rows reach their templates as named tuples (common/pagination.py ``records``): read
by name, by position and unpacked as SQLAlchemy's rows are; a result whose columns cannot
name a tuple's fields keeps its rows."""

from __future__ import annotations

from sqlalchemy import Row, create_engine, text

from portal.common.pagination import records


def test_rows_read_by_name_position_and_unpacking() -> None:
    with create_engine("sqlite://").connect() as connection:
        rows = records(connection.execute(text("SELECT 7 AS id, 'Ann' AS name, 3 AS count")))
    (row,) = rows
    assert (row.id, row.name, row.count) == (7, "Ann", 3)
    assert row[1] == "Ann"
    identifier, name, count = row
    assert (identifier, name, count) == (7, "Ann", 3)
    assert row == (7, "Ann", 3)


def test_columns_that_cannot_name_fields_keep_their_rows() -> None:
    with create_engine("sqlite://").connect() as connection:
        for sql in ('SELECT 1 AS "from", 2 AS b', "SELECT 1 AS a, 2 AS a"):
            (row,) = records(connection.execute(text(sql)))
            assert isinstance(row, Row)
            assert tuple(row) == (1, 2)
