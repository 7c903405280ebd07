"""The base every model shares: constraint names Alembic can rely on, UTC timestamps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import DateTime, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Set only by ``clock_at``: the moment the portal takes to be now.
_set_clock: ContextVar[dt.datetime | None] = ContextVar("portal_clock", default=None)


def utcnow() -> dt.datetime:
    """Now, in UTC: every date and time the portal records or reasons from comes from here
    (``common.dates.today`` too)."""
    moment = _set_clock.get()
    return moment if moment is not None else dt.datetime.now(dt.UTC)


@contextmanager
def clock_at(moment: dt.datetime) -> Iterator[None]:
    """Run the portal's own operations as at ``moment``, e.g. to build the demo council's
    year of history through them. Only the code inside the block sees it: web requests
    never run inside one."""
    if moment.tzinfo is None:
        raise ValueError("clock_at needs a moment with its time zone")
    token = _set_clock.set(moment.astimezone(dt.UTC))
    try:
        yield
    finally:
        _set_clock.reset(token)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


def lock(instance: Any) -> None:
    """Re-read ``instance`` and hold its row until the request's transaction ends, so two
    people changing it at once are served one after the other. ``OF`` the instance's own
    table: PostgreSQL will not lock the optional side of an eager-loading outer join."""
    from portal.extensions import db

    db.session.refresh(instance, with_for_update={"of": type(instance)})
