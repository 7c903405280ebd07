from __future__ import annotations

import datetime as dt
import re

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from portal.capacity import operations
from portal.capacity.exports import capacity_csv
from portal.capacity.forms import CapacityForm, ConfirmForm
from portal.capacity.models import CapacityReturn
from portal.capacity.picture import capacity_picture, months_back
from portal.capacity.queries import provider_history
from portal.common.access import roles_required
from portal.common.dates import today
from portal.common.errors import DomainError, show_on_form
from portal.common.roles import Role
from portal.council.models import get_settings
from portal.extensions import db
from portal.providers.enums import Quadrant
from portal.providers.models import Provider
from portal.providers.queries import viewer_provider_id

bp = Blueprint("capacity", __name__, template_folder="templates", url_prefix="/capacity")


def _own_provider() -> Provider:
    provider_id = viewer_provider_id()
    provider = db.session.get(Provider, provider_id) if provider_id else None
    if provider is None:
        abort(404)
    return provider


def _month(year: int, month: int) -> dt.date:
    """A month a provider may file for: this one, or last month's, late."""
    try:
        chosen = dt.date(year, month, 1)
    except ValueError:
        abort(404)
    this_month = today().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    if chosen not in (this_month, last_month):
        abort(404)
    return chosen


def _done(capacity: CapacityReturn, message: str) -> Response:
    late = " It was sent after the window closed, so it is marked late." if capacity.late else ""
    flash(f"{message}{late}", "success")
    return redirect(url_for("capacity.overview"))


@bp.get("")
@roles_required(Role.PROVIDER_MANAGER)
def overview() -> str:
    """What is due and when, the one-step returns, and the provider's past returns."""
    provider = _own_provider()
    month = today().replace(day=1)
    window = operations.window_for(month)
    last_month = (month - dt.timedelta(days=1)).replace(day=1)
    # Returns are only ever made for this month or last, so the newest returns hold this
    # month's, last month's and the latest before this month, whichever there are.
    history = provider_history(provider.id)
    current = next((line for line in history if line.month == month), None)
    # Whether the provider supports anyone is asked only where the page offers a return
    # to send: none sent yet for this month, and its window open.
    owes = provider.on_register(month)  # none after the month it left in
    due = owes and current is None and today() >= window.opens
    return render_template(
        "capacity/overview.html",
        provider=provider,
        month=month,
        window=window,
        current=current,
        last_month=last_month,
        owes=owes,
        missing_last_month=provider.on_register(last_month)
        and all(line.month != last_month for line in history),
        previous=next((line for line in history if line.month < month), None),
        supports=operations.supports_anyone(provider, today()) if due else None,
        history=history,
        today=today(),
        form=ConfirmForm(),
    )


# A return typed in but not yet sent: what the person typed, held in their session between
# the form and the check answers page (only one at a time), so nothing is saved as sent
# until they confirm it, and "Change" brings back what they typed rather than the figures
# the form started from.
DRAFT = "capacity_draft"


def _draft(provider: Provider, month: dt.date) -> MultiDict[str, str] | None:
    held = session.get(DRAFT)
    if not held or held.get("provider") != provider.id or held.get("month") != f"{month:%Y-%m}":
        return None
    return MultiDict(held["fields"])


def _hold_draft(provider: Provider, month: dt.date) -> None:
    fields = [
        (k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "submit")
    ]
    session[DRAFT] = {"provider": provider.id, "month": f"{month:%Y-%m}", "fields": fields}


def _drop_draft() -> None:
    session.pop(DRAFT, None)


@bp.route("/<int:year>/<int:month>", methods=["GET", "POST"])
@roles_required(Role.PROVIDER_MANAGER)
def edit(year: int, month: int) -> Response | str:
    provider = _own_provider()
    chosen = _month(year, month)
    existing = operations.find_return(provider.id, chosen)
    # The return the figures are offered from: this month's own when correcting it, else
    # the latest before it (its stocks only).
    previous = None if existing else operations.previous_return(provider.id, chosen)
    draft = None if request.method == "POST" else _draft(provider, chosen)
    if draft is not None:
        form = CapacityForm(formdata=draft)
    else:
        form = CapacityForm()
        if not form.is_submitted():
            if existing is not None:
                form.fill_from(existing)
            elif previous is not None:
                form.fill_from(previous, flows=False)
            else:
                form.start_empty()
    if form.validate_on_submit():
        try:
            operations.check_figures(form.to_data())
        except DomainError as error:
            show_on_form(form, error)
        else:
            _hold_draft(provider, chosen)
            return redirect(url_for("capacity.check", year=chosen.year, month=chosen.month))
    return render_template(
        "capacity/edit.html",
        form=form,
        provider=provider,
        month=chosen,
        window=operations.window_for(chosen),
        existing=existing,
        previous=previous,
        drafted=draft is not None,
        today=today(),
    )


@bp.route("/<int:year>/<int:month>/check", methods=["GET", "POST"])
@roles_required(Role.PROVIDER_MANAGER)
def check(year: int, month: int) -> Response | str:
    """Check your answers: the return as it will be sent, each answer with a link back to
    its box, and the one button that sends it."""
    provider = _own_provider()
    chosen = _month(year, month)
    draft = _draft(provider, chosen)
    again = redirect(url_for("capacity.edit", year=chosen.year, month=chosen.month))
    if draft is None:
        return again
    # What was typed is checked again as it is sent: the draft is the person's own cookie.
    answers = CapacityForm(formdata=draft, meta={"csrf": False})
    if not answers.validate():
        return again
    data = answers.to_data()
    existing = operations.find_return(provider.id, chosen)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            capacity = operations.submit_return(provider, chosen, data, by=current_user)
        except DomainError as error:
            # Shown above the answers, which are kept (and nothing is saved).
            show_on_form(form, error)
        else:
            _drop_draft()
            verb = "corrected" if existing else "sent"
            return _done(capacity, f"Capacity return for {chosen:%B %Y} {verb}.")
    return render_template(
        "capacity/check.html",
        data=data,
        quadrants=CapacityForm.QUADRANT_FIELDS.items(),
        provider=provider,
        month=chosen,
        existing=existing,
        window=operations.window_for(chosen),
        today=today(),
        form=form,
    )


@bp.post("/<int:year>/<int:month>/unchanged")
@roles_required(Role.PROVIDER_MANAGER)
def unchanged(year: int, month: int) -> Response:
    provider = _own_provider()
    chosen = _month(year, month)
    if ConfirmForm().validate_on_submit():
        try:
            capacity = operations.confirm_unchanged(provider, chosen, by=current_user)
        except DomainError as error:
            flash(error.message, "error")
        else:
            _drop_draft()
            return _done(
                capacity,
                f"Capacity return for {chosen:%B %Y} sent, with the same figures as your "
                "last return and no starters or leavers.",
            )
    return redirect(url_for("capacity.overview"))


@bp.post("/<int:year>/<int:month>/nil")
@roles_required(Role.PROVIDER_MANAGER)
def nil(year: int, month: int) -> Response:
    provider = _own_provider()
    chosen = _month(year, month)
    if ConfirmForm().validate_on_submit():
        try:
            capacity = operations.nil_return(provider, chosen, by=current_user)
        except DomainError as error:
            flash(error.message, "error")
        else:
            _drop_draft()
            return _done(capacity, f"Nil return for {chosen:%B %Y} sent.")
    return redirect(url_for("capacity.overview"))


@bp.get("/returns/<int:return_id>")
@roles_required(Role.PROVIDER_MANAGER, Role.COMMISSIONER)
def view(return_id: int) -> str:
    capacity = operations.get_return(return_id, provider_id=viewer_provider_id())
    return render_template(
        "capacity/view.html",
        capacity=capacity,
        window=operations.window_for(capacity.month),
        wage_floor_pence=get_settings().wage_floor_pence,
        today=today(),
    )


def _chosen_month() -> dt.date | None:
    """The month asked for as ?month=2026-11, if one is."""
    text = request.args.get("month", "")
    if not text:
        return None
    found = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if found is None or not 2000 <= int(found[1]) <= 2100 or not 1 <= int(found[2]) <= 12:
        abort(404)
    return dt.date(int(found[1]), int(found[2]), 1)


@bp.get("/picture")
@roles_required(Role.COMMISSIONER)
def picture() -> str:
    # With no month asked for, the picture opens on the latest month with returns.
    result = capacity_picture(_chosen_month())
    peak = max([t.spare_weekly_minutes for t in result.trends] + [1])
    return render_template(
        "capacity/picture.html",
        picture=result,
        today=today(),
        peak=peak,
        # The last twelve months to choose from, and the month shown if it is not among them.
        months=sorted({*months_back(today().replace(day=1), 12), result.month}, reverse=True),
        Quadrant=Quadrant,
    )


@bp.get("/returns.csv")
@roles_required(Role.COMMISSIONER)
def returns_csv() -> Response:
    month = _chosen_month() or today().replace(day=1)
    return Response(
        stream_with_context(capacity_csv(month)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="capacity-returns-{month:%Y-%m}.csv"'
        },
    )
