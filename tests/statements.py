"""Counting the SQL statements a piece of work runs, to show a page's cost does not grow."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from portal.extensions import db


@contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """The statements run inside the block, in order (transaction control left out)."""
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.split(None, 1)[0].upper() not in {"BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK"}:
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)
