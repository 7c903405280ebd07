from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.audit.requests import person_read
from portal.common.access import roles_required
from portal.common.errors import DomainError, show_on_form
from portal.common.pagination import paginate
from portal.common.roles import CASEWORK_ROLES, Role
from portal.extensions import db
from portal.outcomes import operations
from portal.outcomes.acceptance import (
    waiting_count,
    waiting_for,
    waiting_returns_statement,
    waiting_summary_statement,
)
from portal.outcomes.forms import (
    OUTCOME_FORMS,
    AcceptReturnsForm,
    ReviewReturnForm,
    StartFromPreviousForm,
    SubmitReturnForm,
)
from portal.outcomes.measures import OUTCOMES
from portal.outcomes.models import EDITABLE, OutcomeReturn, ReportingPeriod, ReturnStatus
from portal.outcomes.period_views import task_list_url
from portal.outcomes.queries import find_return, get_period, get_return, previous_return
from portal.outcomes.rules import answer_problem, return_problems
from portal.providers.models import Provider, ServiceUser
from portal.providers.queries import get_service_user, viewer_provider_id

bp = Blueprint("outcomes", __name__, template_folder="templates")


def _editable_return(
    service_user_id: int, period_id: int
) -> tuple[ServiceUser, ReportingPeriod, OutcomeReturn | None]:
    """The provider's person and period, and the return if one exists, for editing."""
    service_user = get_service_user(service_user_id, provider_id=viewer_provider_id())
    if not service_user.provider.strategic_tier:
        abort(404)
    period = get_period(period_id)
    if not service_user.provider.on_register(period.start_date):  # left before the quarter
        abort(404)
    return service_user, period, find_return(period.id, service_user.id)


def _outcome_state(outcome_return: OutcomeReturn | None, number: int) -> str:
    """Not started, In progress or Completed, for one outcome's measures."""
    measures = OUTCOMES[number - 1].measures
    answers = [outcome_return.answer_for(m.code) if outcome_return else None for m in measures]
    if not any(answers):
        return "Not started"
    complete = all(
        answer is not None
        and answer_problem(
            measure,
            answer.result,
            evidence=answer.evidence,
            not_applicable_reason=answer.not_applicable_reason,
        )
        is None
        for measure, answer in zip(measures, answers, strict=True)
    )
    return "Completed" if complete else "In progress"


@bp.get("/service-users/<int:service_user_id>/outcome-returns/<int:period_id>")
@roles_required(Role.PROVIDER_MANAGER)
def edit_return(service_user_id: int, period_id: int) -> Response | str:
    """The return's own task list: the five outcomes and how far each has got."""
    service_user, period, outcome_return = _editable_return(service_user_id, period_id)
    if outcome_return is not None and outcome_return.status not in EDITABLE:
        return redirect(url_for("outcomes.view_return", return_id=outcome_return.id))
    states = {
        outcome.number: _outcome_state(outcome_return, outcome.number) for outcome in OUTCOMES
    }
    can_copy = (outcome_return is None or not outcome_return.answers) and previous_return(
        service_user.id, before=period.start_date
    ) is not None
    return render_template(
        "outcomes/return_overview.html",
        service_user=service_user,
        period=period,
        outcome_return=outcome_return,
        outcomes=OUTCOMES,
        states=states,
        all_complete=all(state == "Completed" for state in states.values()),
        copy_form=StartFromPreviousForm() if can_copy else None,
        task_list_url=task_list_url(period.id),
    )


@bp.post("/service-users/<int:service_user_id>/outcome-returns/<int:period_id>/start-from-previous")
@roles_required(Role.PROVIDER_MANAGER)
def start_from_previous(service_user_id: int, period_id: int) -> Response:
    service_user, period, _ = _editable_return(service_user_id, period_id)
    try:
        operations.start_from_previous(period=period, service_user=service_user, by=current_user)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(
            "Last quarter’s answers are filled in. Check each outcome and change what is "
            "different this quarter before you submit.",
            "success",
        )
    return redirect(
        url_for("outcomes.edit_return", service_user_id=service_user.id, period_id=period.id)
    )


@bp.route(
    "/service-users/<int:service_user_id>/outcome-returns/<int:period_id>/outcomes/<int:outcome_number>",
    methods=["GET", "POST"],
)
@roles_required(Role.PROVIDER_MANAGER)
def edit_outcome(service_user_id: int, period_id: int, outcome_number: int) -> Response | str:
    if outcome_number not in OUTCOME_FORMS:
        abort(404)
    service_user, period, outcome_return = _editable_return(service_user_id, period_id)
    if outcome_return is not None and outcome_return.status not in EDITABLE:
        return redirect(url_for("outcomes.view_return", return_id=outcome_return.id))
    form = OUTCOME_FORMS[outcome_number]()
    if not form.is_submitted() and outcome_return is not None:
        form.fill_from(outcome_return)
    if form.validate_on_submit():
        try:
            outcome_return = operations.save_answers(
                period=period,
                service_user=service_user,
                answers=form.answers(),
                by=current_user,
                complete=not form.is_draft,
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            if form.is_draft:
                flash("Your answers are saved as a draft", "success")
                return redirect(
                    url_for(
                        "outcomes.edit_return", service_user_id=service_user.id, period_id=period.id
                    )
                )
            if outcome_number < len(OUTCOMES):
                return redirect(
                    url_for(
                        "outcomes.edit_outcome",
                        service_user_id=service_user.id,
                        period_id=period.id,
                        outcome_number=outcome_number + 1,
                    )
                )
            return redirect(url_for("outcomes.check_return", return_id=outcome_return.id))
    return render_template(
        "outcomes/edit_outcome.html",
        form=form,
        outcome=form.outcome,
        service_user=service_user,
        period=period,
        outcome_return=outcome_return,
        outcome_count=len(OUTCOMES),
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
                f"Outcome return for {outcome_return.service_user.full_name} submitted"
                + (" after the due date: it is marked late" if outcome_return.is_late else ""),
                "success",
            )
            return redirect(task_list_url(outcome_return.period_id))
    return render_template(
        "outcomes/check_return.html",
        form=form,
        outcome_return=outcome_return,
        outcomes=OUTCOMES,
        problems=return_problems(outcome_return.answers),
    )


@bp.get("/outcome-returns/<int:return_id>")
@roles_required(Role.PROVIDER_MANAGER, *CASEWORK_ROLES)
def view_return(return_id: int) -> str:
    viewer_provider = viewer_provider_id()
    outcome_return = get_return(return_id, provider_id=viewer_provider)
    review_form = None
    if outcome_return.status == ReturnStatus.SUBMITTED and current_user.has_any_role(
        frozenset(CASEWORK_ROLES)
    ):
        review_form = ReviewReturnForm()
    page = render_template(
        "outcomes/view_return.html",
        outcome_return=outcome_return,
        outcomes=OUTCOMES,
        review_form=review_form,
    )
    return person_read(
        page,
        outcome_return.service_user_id,
        provider_id=outcome_return.provider_id,
        by_council=viewer_provider is None,
    )


@bp.post("/outcome-returns/<int:return_id>")
@roles_required(*CASEWORK_ROLES)
def review_return(return_id: int) -> Response | str:
    outcome_return = get_return(return_id, provider_id=None)
    form = ReviewReturnForm()
    if form.validate_on_submit():
        try:
            if form.decision.data == "accept":
                operations.accept_return(outcome_return, by=current_user)
                message = "Return accepted"
            else:
                operations.return_for_correction(
                    outcome_return, by=current_user, reason=form.reason.data or ""
                )
                message = "Return sent back to the provider for correction"
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(message, "success")
            return redirect(url_for("outcomes.view_return", return_id=outcome_return.id))
    return render_template(
        "outcomes/view_return.html",
        outcome_return=outcome_return,
        outcomes=OUTCOMES,
        review_form=form,
        form=form,
    )


@bp.get("/outcome-returns/to-accept")
@roles_required(*CASEWORK_ROLES)
def returns_to_accept() -> str:
    """Returns handed in and waiting for the council to accept them, by quarter and
    provider, the earliest quarter first."""
    page = paginate(waiting_summary_statement(), scalars=False)
    return render_template(
        "outcomes/to_accept.html",
        page=page,
        waiting=db.session.scalar(waiting_count()) or 0,
    )


@bp.route(
    "/outcome-returns/to-accept/<int:period_id>/providers/<int:provider_id>",
    methods=["GET", "POST"],
)
@roles_required(*CASEWORK_ROLES)
def provider_returns_to_accept(period_id: int, provider_id: int) -> Response | str:
    """One provider's returns waiting for the quarter, to open each or accept several."""
    period = get_period(period_id)
    provider = db.session.get(Provider, provider_id)
    if provider is None:
        abort(404)
    form = AcceptReturnsForm()
    if form.validate_on_submit():
        done = operations.accept_returns(
            form.returns.data or [], period_id=period.id, provider_id=provider.id, by=current_user
        )
        flash(_accepted_message(done, provider.name, period.label), "success")
        if db.session.scalar(waiting_for(period.id, provider.id)):
            return redirect(
                url_for(
                    "outcomes.provider_returns_to_accept",
                    period_id=period.id,
                    provider_id=provider.id,
                )
            )
        return redirect(url_for("outcomes.returns_to_accept"))
    total = db.session.scalar(waiting_for(period.id, provider.id)) or 0
    page = paginate(
        waiting_returns_statement(),
        scalars=False,
        total=total,
        params={"period": period.id, "provider": provider.id},
    )
    return render_template(
        "outcomes/to_accept_provider.html",
        period=period,
        provider=provider,
        page=page,
        form=form if form.errors else None,
        accept_form=form,
        chosen=set(form.returns.data or []),
    )


def _accepted_message(done: operations.Accepted, provider: str, quarter: str) -> str:
    message = (
        f"{done.accepted} {'return' if done.accepted == 1 else 'returns'} from {provider} "
        f"for {quarter} accepted."
    )
    if done.already_reviewed:
        message += (
            f" {done.already_reviewed} of those you chose "
            f"{'was' if done.already_reviewed == 1 else 'were'} reviewed by someone else first."
        )
    return message
