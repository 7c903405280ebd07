"""Audit events about requests rather than changes: a signed-in person refused a page (403,
or 404 on a record they may not see, such as another provider's), council staff reading a
person's record (their page, its histories, their outcome returns and recommendations), and
the trail downloaded. Each is written in a transaction of its own, since the request itself
changes nothing and so rolls back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, request
from flask_login import current_user

from portal.audit.operations import AuditChange, record_many
from portal.common.database import write_of_its_own
from portal.common.problems import answers_in_json

REFUSED = "access.refused"
READ = "record.read"
EXPORTED = "audit.exported"
# Everything held about a person downloaded (a subject access request).
RECORD_EXPORTED = "record.exported"
# A call to the API, with its key (portal/api/v1/auth.py).
API_CALLED = "api.called"
# The events that note a request itself, which a GET may write.
NOTES_OF_REQUESTS = (REFUSED, READ, EXPORTED, RECORD_EXPORTED, API_CALLED)


def person_read(page: str, service_user_id: int, *, provider_id: int, by_council: bool) -> str:
    """Note that council staff read a person's record (``page``, made already, is given
    back): one INSERT, committed at once, as its own transaction lets go of what the page
    read. A provider's own manager, who sees only their own people, is not noted."""
    if by_council:
        _write(
            READ,
            "service_users",
            service_user_id,
            provider_id=provider_id,
            after={"path": request.path[:300]},
        )
    return page


def person_exported(service_user_id: int, *, provider_id: int, file_format: str) -> None:
    """Note that everything held about a person was downloaded, and in which format."""
    _write(
        RECORD_EXPORTED,
        "service_users",
        service_user_id,
        provider_id=provider_id,
        after={"format": file_format, "path": request.path[:300]},
    )


def init_app(app: Flask) -> None:
    @app.after_request
    def record_refusal(response: Response) -> Response:
        # Only an address that names a page (a rule matched) and a signed-in person: a
        # mistyped address, or anyone signed out, is no one's attempt at a record.
        # The API notes every call, refused or not, against its key (portal/api); its
        # callers carry no session to load.
        if (
            response.status_code in (403, 404)
            and request.url_rule is not None
            and not answers_in_json()
            and current_user.is_authenticated
        ):
            view_args = {k: v for k, v in (request.view_args or {}).items() if isinstance(v, int)}
            note_request(
                REFUSED,
                {
                    "status": response.status_code,
                    "method": request.method,
                    "path": request.path[:300],
                    "endpoint": request.endpoint,
                    "record": view_args,
                },
            )
        return response


def note_request(action: str, after: dict[str, Any]) -> None:
    """An event about the signed-in person's own request (a refused page, a download of
    the trail), kept against their account."""
    _write(action, "users", current_user.id, provider_id=current_user.provider_id, after=after)


def _write(
    action: str,
    entity_type: str,
    entity_id: int,
    *,
    provider_id: int | None,
    after: dict[str, Any],
) -> None:
    # Who is read first: letting the request's transaction go expires every loaded record,
    # and reading the account again afterwards would cost more than the note itself.
    by = _Actor(current_user.id)
    change = AuditChange(entity_id, provider_id, before=None, after=after)
    with write_of_its_own():
        record_many(action, entity_type, [change], by=by)


@dataclass(frozen=True)
class _Actor:
    """The signed-in account, by id alone, as the audit trail records it."""

    id: int
