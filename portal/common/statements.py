"""Recording the SQL statements a piece of work runs: for the tests that show a page's
cost does not grow with the data, and for the benchmarks, which re-run an aggregate's own
SQL straight through the driver."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from portal.extensions import db

_CONTROL = {"BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK"}


@contextmanager
def recorded_executions() -> Iterator[list[tuple[str, Any]]]:
    """(statement, parameters) for each statement run inside the block, in order, leaving
    out transaction control (a test's own savepoints among it)."""
    executions: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.split(None, 1)[0].upper() not in _CONTROL:
            executions.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield executions
    finally:
        event.remove(engine, "before_cursor_execute", seen)


@contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """The statements run inside the block, in order (transaction control left out)."""
    with recorded_executions() as executions:
        statements: list[str] = []
        try:
            yield statements
        finally:
            statements.extend(statement for statement, _ in executions)
