from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.roles import CASEWORK_ROLES, Role
from portal.common.access import roles_required
from portal.common.errors import DomainError, show_on_form
from portal.outcomes import operations
from portal.outcomes.forms import OutcomeReturnForm, SubmitReturnForm
from portal.outcomes.measures import OUTCOMES
from portal.outcomes.models import ReturnStatus
from portal.outcomes.operations import EDITABLE
from portal.outcomes.queries import find_return, get_period, get_return
from portal.providers.queries import get_service_user, viewer_provider_id

bp = Blueprint("outcomes", __name__, template_folder="templates")


@bp.route(
    "/service-users/<int:service_user_id>/outcome-returns/<int:period_id>",
    methods=["GET", "POST"],
)
@roles_required(Role.PROVIDER_MANAGER)
def edit_return(service_user_id: int, period_id: int) -> Response | str:
    service_user = get_service_user(service_user_id, provider_id=viewer_provider_id())
    if not service_user.provider.strategic_tier:
        abort(404)
    period = get_period(period_id)
    outcome_return = find_return(period.id, service_user.id)
    if outcome_return is not None and outcome_return.status not in EDITABLE:
        return redirect(url_for("outcomes.view_return", return_id=outcome_return.id))

    form = OutcomeReturnForm()
    if not form.is_submitted() and outcome_return is not None:
        form.fill_from(outcome_return)
    if form.validate_on_submit():
        try:
            outcome_return = operations.save_answers(
                period=period, service_user=service_user, answers=form.answers(), by=current_user
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            return redirect(url_for("outcomes.check_return", return_id=outcome_return.id))
    return render_template(
        "outcomes/edit_return.html",
        form=form,
        outcomes=OUTCOMES,
        service_user=service_user,
        period=period,
        outcome_return=outcome_return,
    )


@bp.route("/outcome-returns/<int:return_id>/check", methods=["GET", "POST"])
@roles_required(Role.PROVIDER_MANAGER)
def check_return(return_id: int) -> Response | str:
    outcome_return = get_return(return_id, provider_id=viewer_provider_id())
    if outcome_return.status not in EDITABLE:
        return redirect(url_for("outcomes.view_return", return_id=outcome_return.id))
    form = SubmitReturnForm()
    if form.validate_on_submit():
        try:
            operations.submit_return(outcome_return, by=current_user)
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(
                f"Outcome return for {outcome_return.service_user.full_name} submitted",
                "success",
            )
            return redirect(url_for("outcomes.view_return", return_id=outcome_return.id))
    return render_template(
        "outcomes/check_return.html", form=form, outcome_return=outcome_return, outcomes=OUTCOMES
    )


@bp.get("/outcome-returns/<int:return_id>")
@roles_required(Role.PROVIDER_MANAGER, *CASEWORK_ROLES)
def view_return(return_id: int) -> str:
    outcome_return = get_return(return_id, provider_id=viewer_provider_id())
    return render_template(
        "outcomes/view_return.html",
        outcome_return=outcome_return,
        outcomes=OUTCOMES,
        ReturnStatus=ReturnStatus,
    )
