"""``Idempotency-Key``: a change sent again, because the answer was lost on the way, is
answered as it was the first time and changes nothing.

A call that changes something may carry ``Idempotency-Key: <up to 255 visible
characters>``. The first call with a key claims it for the API key that sent it (a row
in ``api_idempotent_requests``, inserted before the change is made, in the same
transaction) and keeps its answer once it succeeds. A later call with the same key and the
same method, address and body is given that answer (with ``Idempotent-Replayed: true``);
with a different request it is refused (422), since the key was spent on another.

Two calls with one key at the same moment are served one after the other: on PostgreSQL
the second's claim waits on the unique index for the first's transaction, then finds the
first's answer (or, if the first failed and rolled back, makes the change itself); SQLite
lets one writer in at a time. A call that fails leaves no claim, so it may be sent again.
An answer is kept ``KEPT_HOURS``; after that the key is new again, and the answer is
cleared when its API key next sends a key."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, request
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.api.models import IdempotentRequest
from portal.common.database import commits
from portal.common.models import utcnow
from portal.common.problems import problem
from portal.extensions import db

F = TypeVar("F", bound=Callable[..., Any])

HEADER = "Idempotency-Key"
KEPT_HOURS = 24
LONGEST = 255


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.get_data()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _claim(key_id: int, idempotency_key: str, fingerprint: str) -> int | None:
    """Claim the key for this call: the claim's id, or None if a call before had it."""
    table = IdempotentRequest.__table__
    insert = (
        postgresql_insert(table)
        if db.session.get_bind().dialect.name == "postgresql"
        else sqlite_insert(table)
    )
    claimed: int | None = db.session.execute(
        insert.values(
            api_key_id=key_id,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            status=0,
            body="",
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["api_key_id", "idempotency_key"])
        .returning(table.c.id)
    ).scalar()
    return claimed


def _replay(earlier: IdempotentRequest) -> Response:
    response = Response(earlier.body, earlier.status, mimetype="application/json")
    if earlier.etag:
        response.set_etag(earlier.etag)
    if earlier.location:
        response.headers["Location"] = earlier.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(key_id: Callable[[], int]) -> Callable[[F], F]:
    """Honour ``Idempotency-Key`` on the view; ``key_id`` gives the calling API key's id."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            idempotency_key = request.headers.get(HEADER)
            if idempotency_key is None:
                return view(*args, **kwargs)
            if not (0 < len(idempotency_key) <= LONGEST) or not (
                idempotency_key.isascii() and idempotency_key.isprintable()
            ):
                return problem(
                    400,
                    f"{HEADER} must be 1 to {LONGEST} visible characters, such as a UUID",
                )
            owner = key_id()
            fingerprint = _fingerprint()
            # The API key's answers past keeping are cleared (this one's among them, so the
            # key is new again): no job is needed to keep the table small.
            db.session.execute(
                delete(IdempotentRequest).where(
                    IdempotentRequest.api_key_id == owner,
                    IdempotentRequest.created_at < utcnow() - dt.timedelta(hours=KEPT_HOURS),
                )
            )
            claim = _claim(owner, idempotency_key, fingerprint)
            if claim is None:
                earlier = db.session.scalar(
                    select(IdempotentRequest).where(
                        IdempotentRequest.api_key_id == owner,
                        IdempotentRequest.idempotency_key == idempotency_key,
                    )
                )
                assert earlier is not None, "a claim seen by the insert is there to read"
                if earlier.fingerprint != fingerprint:
                    return problem(
                        422,
                        f"This {HEADER} was sent before with a different request: use a new "
                        "key for each change",
                        errors=[{"header": HEADER, "detail": "Used for another request"}],
                    )
                return _replay(earlier)
            response: Response = view(*args, **kwargs)
            if commits(response):
                db.session.execute(
                    update(IdempotentRequest)
                    .where(IdempotentRequest.id == claim)
                    .values(
                        status=response.status_code,
                        body=response.get_data(as_text=True),
                        etag=response.get_etag()[0],
                        location=response.headers.get("Location"),
                    )
                )
            return response

        return wrapper  # type: ignore[return-value]

    return decorator
