"""A hash of everything the database holds that a request could have changed on purpose:
compared before and after a request that must change nothing."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from portal.audit.requests import NOTES_OF_REQUESTS
from portal.extensions import db


def fingerprint() -> str:
    """Every row of every table, hashed: any insert, update or delete changes it."""
    digest = hashlib.sha256()
    for table in sorted(db.metadata.tables.values(), key=lambda t: t.name):
        # When a session was last seen is written by any request once a minute, GETs
        # included: it is the session's clock, not a record anyone changed.
        # Nor is when an API key was last used, by a GET as by anything else.
        columns = [
            c
            for c in table.columns
            if (table.name, c.name)
            not in (("user_sessions", "last_seen_at"), ("api_keys", "last_used_at"))
        ]
        rows = select(*columns).order_by(*table.primary_key.columns)
        if table.name == "audit_events":
            # Nor is the trail's note of the request itself: a page refused, a person's
            # record read by council staff, the trail downloaded (audit/requests.py). Every
            # other event counts.
            rows = rows.where(table.c.action.not_in(NOTES_OF_REQUESTS))
        for row in db.session.execute(rows):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()
