"""Inserting many rows at once, straight through the database driver.

SQLAlchemy's executemany prepares every value of every row in Python (its type's bind
processor, then the driver's); for the tens of thousands of rows an import writes, that
preparation takes longer than the database does. ``insert_returning`` writes rows of plain
values (numbers, strings, dates) as multi-row INSERT ... VALUES statements with RETURNING,
a few hundred rows each, which SQLite (3.35+) and PostgreSQL both run, and gives back what
each row returned: return a key with the id (neither database promises RETURNING's order). Column defaults made in Python do not run: a column left out takes
its server default.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table

from portal.extensions import db

# Rows a statement: SQLite allows 32,766 parameters in one, PostgreSQL 65,535.
ROWS_A_STATEMENT = 500


def insert_returning(
    table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]], returning: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (values in ``columns``' order) into ``table`` in the session's
    transaction; the ``returning`` columns of each row."""
    connection = db.session.connection()
    marker = _marker(connection)
    one = "(" + ", ".join([marker] * len(columns)) + ")"
    names = ", ".join(table.c[name].name for name in columns)
    back = ", ".join(table.c[name].name for name in returning)
    prepared = _prepared(connection, table, columns, rows)
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(prepared), ROWS_A_STATEMENT):
        chunk = prepared[start : start + ROWS_A_STATEMENT]
        statement = (
            f"INSERT INTO {table.name} ({names}) VALUES "  # noqa: S608 - names from the model
            + ", ".join([one] * len(chunk))
            + f" RETURNING {back}"
        )
        values = tuple(value for row in chunk for value in row)
        result = connection.exec_driver_sql(statement, values)
        found.extend(tuple(row) for row in result)
    return found


def insert_rows(table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (values in ``columns``' order) into ``table`` with one executemany."""
    if not rows:
        return
    connection = db.session.connection()
    marker = _marker(connection)
    statement = (
        f"INSERT INTO {table.name} ({', '.join(table.c[name].name for name in columns)}) "  # noqa: S608
        f"VALUES ({', '.join([marker] * len(columns))})"
    )
    connection.exec_driver_sql(statement, _prepared(connection, table, columns, rows))


def _marker(connection: Connection) -> str:
    return "%s" if connection.dialect.paramstyle in ("format", "pyformat") else "?"


def _prepared(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[Any]:
    """The rows with each value its column's type prepares, where the type prepares any."""
    dialect = connection.dialect
    processors = [
        (index, processor)
        for index, name in enumerate(columns)
        if (processor := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        is not None
    ]
    if not processors:
        return [tuple(row) for row in rows]
    prepared = []
    for row in rows:
        values = list(row)
        for index, processor in processors:
            values[index] = processor(values[index])
        prepared.append(tuple(values))
    return prepared
