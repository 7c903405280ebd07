"""Monthly capacity returns through the API: the months a provider has reported, and this
month's or last month's return (the two a provider may send, as on the form) to read, send
with its figures, send as "nothing has changed since last month", or send as a nil return.

Every change goes through ``portal.capacity.operations`` and its rules, as the form's
does. Sending a month's return again corrects it, and needs ``If-Match``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, url_for
from flask_smorest import Blueprint
from marshmallow import RAISE
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.api.idempotency import idempotent
from portal.api.v1 import schemas
from portal.api.v1.auth import current_key, current_key_id, key_required
from portal.api.v1.documented import refused
from portal.api.v1.lists import page_of
from portal.api.v1.returns import IDEMPOTENCY_KEY, IF_MATCH
from portal.api.v1.versions import answered, precondition
from portal.capacity import operations
from portal.capacity.models import CapacityReturn
from portal.capacity.operations import FIGURES, CapacityData, QuadrantFigures
from portal.common.dates import today
from portal.common.errors import DomainError
from portal.common.models import lock
from portal.common.problems import problem
from portal.extensions import db
from portal.providers.enums import Quadrant
from portal.providers.models import Provider

blp = Blueprint(
    "capacity_returns",
    __name__,
    url_prefix="/api/v1",
    description="Monthly capacity returns",
)

RETURN = schemas.CapacityReturnOut()
# The form's names for a figure (check_figures names the field at fault) as the API's.
_FIELDS = {"fte": "fte_hundredths", "hourly_pay": "hourly_pay_pence"}


def _url(month: dt.date, view: str = "capacity_return") -> str:
    return url_for(f"capacity_returns.{view}", year=month.year, month=month.month)


def _figures(capacity: CapacityReturn) -> dict[str, Any]:
    by_quadrant = {row.quadrant.value: row for row in capacity.quadrants}
    return {name: getattr(capacity, name) for name in FIGURES} | {
        "quadrants": {
            name: {
                "spare_weekly_minutes": row.spare_weekly_minutes,
                "new_packages": row.new_packages,
            }
            for name in schemas.QUADRANTS
            if (row := by_quadrant.get(name)) is not None
        }
    }


def return_out(month: dt.date, capacity: CapacityReturn | None) -> dict[str, Any]:
    window = operations.window_for(month)
    return {
        "month": month,
        "status": "sent" if capacity else "not_sent",
        "kind": capacity.kind.value if capacity else None,
        "window": {"opens": window.opens, "closes": window.closes},
        "late": bool(capacity and capacity.late),
        "submitted_at": capacity.submitted_at if capacity else None,
        "figures": _figures(capacity) if capacity else None,
        "links": {
            "self_": _url(month),
            "unchanged": _url(month, "nothing_changed"),
            "nil": _url(month, "nil_return"),
        },
    }


def _month(year: int, month: int) -> dt.date | None:
    """A month the key's provider may send a return for: this one, or last month, late."""
    try:
        chosen = dt.date(year, month, 1)
    except ValueError:
        return None
    this_month = today().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    return chosen if chosen in (this_month, last_month) else None


def _found(year: int, month: int) -> tuple[Provider, dt.date] | Response:
    chosen = _month(year, month)
    provider = db.session.get(Provider, current_key().provider_id)
    if chosen is None or provider is None:
        return problem(
            404,
            "A capacity return is sent for this month, or for last month, late: "
            "/api/v1/capacity-returns/YEAR/MONTH",
        )
    return provider, chosen


@blp.route("/capacity-returns")
@key_required
@blp.arguments(schemas.PageQuery, location="query", unknown=RAISE, as_kwargs=True)
@blp.response(200, schemas.CapacityReturnList)
@refused(blp)
def capacity_returns(page: int, per_page: int) -> dict[str, Any]:
    """Your agency's capacity returns, the latest month first."""
    statement = (
        select(CapacityReturn)
        .options(selectinload(CapacityReturn.quadrants))
        .where(CapacityReturn.provider_id == current_key().provider_id)
        .order_by(CapacityReturn.month.desc(), CapacityReturn.id.desc())
    )
    found = page_of(statement, per_page=per_page, scalars=True)
    return found.body([return_out(capacity.month, capacity) for capacity in found.page.items])


@blp.route("/capacity-returns/<int:year>/<int:month>")
@key_required
@blp.response(200, schemas.CapacityReturnOut, headers={"ETag": {"schema": {"type": "string"}}})
@refused(blp, 404)
def capacity_return(year: int, month: int) -> Response:
    """This month's or last month's return: sent or not, when its window opens and closes,
    and its figures."""
    found = _found(year, month)
    if isinstance(found, Response):
        return found
    provider, chosen = found
    return answered(RETURN, return_out(chosen, operations.find_return(provider.id, chosen)))


def _change(year: int, month: int, send: Any) -> Response:
    """Send the month's return with ``send(provider, month)``, refusing a stale version."""
    found = _found(year, month)
    if isinstance(found, Response):
        return found
    provider, chosen = found
    existing = operations.find_return(provider.id, chosen)
    if existing is not None:
        lock(existing)
    refused_now = precondition(
        RETURN,
        return_out(chosen, existing),
        needed=existing is not None,
        what="this month’s return",
    )
    if refused_now is not None:
        return refused_now
    try:
        capacity = send(provider, chosen)
    except DomainError as error:
        if error.field:
            name = _FIELDS.get(error.field, error.field)
            return problem(
                422,
                error.message,
                errors=[{"pointer": f"/{name}", "detail": error.message}],
            )
        return problem(409, error.message)
    db.session.refresh(capacity)
    return answered(RETURN, return_out(chosen, capacity), 200 if existing else 201)


def _data(figures: dict[str, Any]) -> CapacityData:
    quadrants = {
        Quadrant(name): QuadrantFigures(given["spare_weekly_minutes"], given["new_packages"])
        for name, given in figures["quadrants"].items()
        if given["spare_weekly_minutes"] or given["new_packages"]
    }
    return CapacityData(**{name: figures[name] for name in FIGURES}, quadrants=quadrants)


@blp.route("/capacity-returns/<int:year>/<int:month>", methods=["PUT"])
@key_required
@idempotent(current_key_id)
@blp.doc(parameters=[IF_MATCH, IDEMPOTENCY_KEY])
@blp.arguments(schemas.CapacityFigures)
@blp.response(200, schemas.CapacityReturnOut, description="The return, corrected")
@blp.alt_response(201, schema=schemas.CapacityReturnOut, description="The return, sent")
@refused(blp, 400, 404, 409, 412, 413, 428)
def send_figures(figures: dict[str, Any], year: int, month: int) -> Response:
    """Send the month's figures (every one of them); sent again, they correct it. A
    return sent after the month's window closes is taken, and marked late."""
    by = current_key().created_by
    return _change(
        year,
        month,
        lambda provider, chosen: operations.submit_return(provider, chosen, _data(figures), by=by),
    )


@blp.route("/capacity-returns/<int:year>/<int:month>/unchanged", methods=["POST"])
@key_required
@idempotent(current_key_id)
@blp.doc(parameters=[IF_MATCH, IDEMPOTENCY_KEY])
@blp.response(200, schemas.CapacityReturnOut, description="The return, corrected")
@blp.alt_response(201, schema=schemas.CapacityReturnOut, description="The return, sent")
@refused(blp, 400, 404, 409, 412, 428)
def nothing_changed(year: int, month: int) -> Response:
    """Send the month's return as "nothing has changed since last month": your latest
    return's figures, with no starters or leavers this month."""
    by = current_key().created_by
    return _change(
        year,
        month,
        lambda provider, chosen: operations.confirm_unchanged(provider, chosen, by=by),
    )


@blp.route("/capacity-returns/<int:year>/<int:month>/nil", methods=["POST"])
@key_required
@idempotent(current_key_id)
@blp.doc(parameters=[IF_MATCH, IDEMPOTENCY_KEY])
@blp.response(200, schemas.CapacityReturnOut, description="The return, corrected")
@blp.alt_response(201, schema=schemas.CapacityReturnOut, description="The return, sent")
@refused(blp, 400, 404, 409, 412, 428)
def nil_return(year: int, month: int) -> Response:
    """Send a nil return, for an agency supporting no one this month."""
    by = current_key().created_by
    return _change(
        year, month, lambda provider, chosen: operations.nil_return(provider, chosen, by=by)
    )
