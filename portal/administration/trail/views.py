"""The administrator's audit viewer. Reading the trail writes nothing to it; nothing here
changes an event (the trail is append-only: migration 0022's trigger on PostgreSQL)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from werkzeug.datastructures import MultiDict

from portal.administration.trail.forms import AuditFilterForm
from portal.administration.trail.queries import (
    EventFilters,
    actor_of,
    events_statement,
    get_event,
    provider_of,
    recorded_actions,
    recorded_types,
    service_user_by_case_reference,
)
from portal.audit.models import AuditEvent
from portal.audit.requests import EXPORTED, note_request
from portal.common.access import roles_required
from portal.common.pagination import paginate
from portal.common.roles import Role
from portal.common.spreadsheets import SafeCsvWriter
from portal.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")

# The query string's names for the filters (the form's fields), so a page or the CSV keeps them.
FILTER_NAMES = (
    "case_reference",
    "record_type",
    "record_id",
    "action",
    "actor",
    "date_from",
    "date_to",
)
# Rows fetched from the database at a time while the CSV is written.
EXPORT_BATCH = 500


@bp.get("")
@roles_required(Role.ADMINISTRATOR)
def events() -> str:
    form, filters = _filters()
    page = paginate(events_statement(filters), scalars=False)
    return render_template(
        "audit/events.html",
        form=form if form.errors else None,
        filter_form=form,
        filters=filters,
        page=page,
        export_query=_filter_query(),
    )


@bp.get("/events.csv")
@roles_required(Role.ADMINISTRATOR)
def export() -> Response:
    _form, filters = _filters()
    # Who took a copy of the trail, and of which events, is itself kept.
    note_request(EXPORTED, {"filters": filters.in_use()})
    statement = (
        events_statement(filters)
        .add_columns(AuditEvent.before, AuditEvent.after)
        .execution_options(yield_per=EXPORT_BATCH)
    )

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = SafeCsvWriter(buffer)
        writer.writerow(
            (
                "event_id",
                "occurred_at_utc",
                "action",
                "record_type",
                "record_id",
                "done_by",
                "done_by_email",
                "provider",
                "ip_address",
                "before",
                "after",
            )
        )
        for number, event in enumerate(db.session.execute(statement), start=1):
            writer.writerow(
                (
                    event.id,
                    event.occurred_at.isoformat(),
                    event.action,
                    event.entity_type,
                    "" if event.entity_id is None else event.entity_id,
                    event.actor_name or "",
                    event.actor_email or "",
                    event.provider_name or "",
                    event.ip_address or "",
                    _json(event.before),
                    _json(event.after),
                )
            )
            if number % EXPORT_BATCH == 0:
                yield _taken(buffer)
        yield _taken(buffer)

    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-events.csv"'},
    )


@bp.get("/<int:event_id>")
@roles_required(Role.ADMINISTRATOR)
def event(event_id: int) -> str:
    found = get_event(event_id)
    if found is None:
        abort(404)
    return render_template(
        "audit/event.html",
        event=found,
        actor=actor_of(found),
        provider=provider_of(found),
        changes=changed_values(found.before, found.after),
    )


def changed_values(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[tuple[str, str, str, bool]]:
    """Each value the event holds, as (name, before, after, changed), in the order written."""
    before, after = before or {}, after or {}
    names = list(before) + [name for name in after if name not in before]
    return [
        (
            name,
            _shown(before[name]) if name in before else "",
            _shown(after[name]) if name in after else "",
            before.get(name) != after.get(name),
        )
        for name in names
    ]


def _shown(value: Any) -> str:
    if value is None:
        return "Empty"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _json(values: dict[str, Any] | None) -> str:
    return "" if values is None else json.dumps(values, ensure_ascii=False, sort_keys=True)


def _taken(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _filters() -> tuple[AuditFilterForm, EventFilters]:
    """The filter form, read from the query string, and what of it holds: a filter whose
    value is refused (shown beside it) filters nothing."""
    form = AuditFilterForm(formdata=MultiDict(request.args) if _filter_query() else None)
    form.record_type.choices = [("", "Any record type")] + [(t, t) for t in recorded_types()]
    form.action.choices = [("", "Any action")] + [(a, a) for a in recorded_actions()]
    if _filter_query():
        form.validate()

    def kept(field: Any) -> Any:
        return None if field.errors else field.data

    service_user_id = None
    reference = (kept(form.case_reference) or "").strip()
    if reference:
        service_user_id = service_user_by_case_reference(reference)
        if service_user_id is None:
            form.case_reference.errors = [
                *form.case_reference.errors,
                "No service user has that case reference",
            ]
            service_user_id = 0  # a filter that finds nothing, as the person asked
    filters = EventFilters(
        service_user_id=service_user_id,
        record_type=kept(form.record_type) or "",
        record_id=int(record_id) if (record_id := kept(form.record_id)) else None,
        action=kept(form.action) or "",
        actor=(kept(form.actor) or "").strip(),
        date_from=kept(form.date_from),
        date_to=kept(form.date_to),
    )
    return form, filters


def _filter_query() -> dict[str, list[str]]:
    return {name: request.args.getlist(name) for name in FILTER_NAMES if name in request.args}
