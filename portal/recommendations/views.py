from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from portal.audit.requests import person_read
from portal.common.access import roles_required
from portal.common.dates import (
    FinancialYear,
    chosen_financial_year,
    financial_years_offered,
    format_date,
    today,
)
from portal.common.errors import DomainError, show_on_form
from portal.common.forms import query_number
from portal.common.money import format_pence
from portal.common.pagination import paginate, recent
from portal.common.roles import CASEWORK_ROLES, Role
from portal.common.weekdays import days_in
from portal.outcomes.measures import OUTCOMES
from portal.outcomes.queries import latest_submitted_return
from portal.payments.models import PaymentStatus
from portal.providers.enums import Quadrant
from portal.providers.models import PackageLine
from portal.providers.queries import (
    current_lines,
    get_service_user,
    provider_choices,
    viewer_provider_id,
)
from portal.recommendations import operations
from portal.recommendations.claims import payment_preview
from portal.recommendations.forms import (
    AnswerForm,
    AssignForm,
    DecidedFilterForm,
    DecisionForm,
    RecommendationForm,
    SubmitRecommendationForm,
    WithdrawForm,
)
from portal.recommendations.models import ChangeKind, Recommendation, RecommendationStatus
from portal.recommendations.queries import (
    DecidedFilters,
    QueueFilters,
    decided_statement,
    get_recommendation,
    open_recommendation,
    provider_recommendations_count,
    provider_recommendations_statement,
    queue_statement,
    service_user_recommendation_rows,
)
from portal.recommendations.summary import model_summary
from portal.recommendations.sustained import CHECKPOINT_NAMES, held_figures

bp = Blueprint("recommendations", __name__, template_folder="templates")

EARLIER_SHOWN = 5  # a person's earlier recommendations beside the one under review


def _line_data(line: Any) -> dict[str, Any]:
    return {
        "calls_per_day": line.calls_per_day,
        "minutes_per_call": line.minutes_per_call,
        "carers_per_call": str(line.carers_per_call),
        "days": days_in(line.days_of_week),
    }


def _prefill(form: RecommendationForm, lines: list[PackageLine], draft: Any) -> None:
    """Start from the provider's draft if there is one, otherwise from the package now."""
    if draft is not None:
        form.kind.data = draft.kind.value
        form.reason_category.data = draft.reason_category.value
        form.reason.data = draft.reason
        form.evidence.data = draft.evidence
        form.person_consulted_and_agrees.data = draft.person_consulted_and_agrees
        form.family_consulted.data = draft.family_consulted
        form.risk_assessed.data = draft.risk_assessed
        form.proposed_start_date.data = draft.proposed_start_date
    proposed = {p.replaces_line_id: p for p in draft.lines} if draft else {}
    for line in lines:
        proposal = proposed.get(line.id)
        if proposal is not None and proposal.ends_line:
            form.lines.append_entry({**_line_data(line), "end_line": True})
        else:
            form.lines.append_entry(_line_data(proposal or line))
    for proposal in draft.lines if draft else []:
        if proposal.replaces_line_id is None:
            form.new_lines.append_entry(_line_data(proposal))


def _change_new_lines(form: RecommendationForm) -> str | None:
    """The "add a line" and "remove this line" buttons: change the form, save nothing.
    Returns the id of the place on the page to return the provider to."""
    if "add_line" in request.form:
        form.new_lines.append_entry({"carers_per_call": "1", "days": list(range(7))})
        return form.new_lines.entries[-1].id
    removing = request.form.get("remove_line", "")
    if removing:
        form.new_lines.entries = [entry for entry in form.new_lines.entries if entry.id != removing]
        return "new-lines"
    return None


@bp.route("/service-users/<int:service_user_id>/recommendations/new", methods=["GET", "POST"])
@roles_required(Role.PROVIDER_MANAGER)
def new(service_user_id: int) -> Response | str:
    service_user = get_service_user(service_user_id, provider_id=viewer_provider_id())
    if not service_user.provider.trusted_assessor:
        abort(404)
    if not service_user.provider.may_recommend:  # suspended, or left the register
        return render_template("recommendations/cannot_recommend.html", person=service_user)
    existing = open_recommendation(service_user.id, provider_id=service_user.provider_id)
    if existing is not None and existing.status != RecommendationStatus.DRAFT:
        return redirect(url_for("recommendations.view", recommendation_id=existing.id))
    lines = current_lines(service_user.id, on=today())
    if not lines:
        abort(404)

    form = RecommendationForm()
    focus = None
    if request.method != "POST":
        _prefill(form, lines, existing)
    else:
        focus = _change_new_lines(form)
    if focus is None and form.validate_on_submit():
        if len(form.lines.entries) != len(lines):
            form.form_errors.append(
                "The package has changed since you opened the form: start again"
            )
        else:
            try:
                recommendation = operations.save_draft(
                    service_user, form.to_data([line.id for line in lines]), by=current_user
                )
            except DomainError as error:
                show_on_form(form, error)
            else:
                return redirect(
                    url_for("recommendations.check", recommendation_id=recommendation.id)
                )
    return render_template(
        "recommendations/new.html",
        form=form,
        service_user=service_user,
        line_forms=list(zip(lines, form.lines.entries, strict=False)),
        package_rate_pence=operations.package_rate_pence(lines),
        current_minutes=sum(line.weekly_minutes for line in lines),
        current_cost_pence=sum(line.weekly_cost_pence for line in lines),
        focus=focus,
    )


@bp.route("/recommendations/<int:recommendation_id>/check", methods=["GET", "POST"])
@roles_required(Role.PROVIDER_MANAGER)
def check(recommendation_id: int) -> Response | str:
    recommendation = get_recommendation(recommendation_id, provider_id=viewer_provider_id())
    if recommendation.status != RecommendationStatus.DRAFT:
        return redirect(url_for("recommendations.view", recommendation_id=recommendation.id))
    if not recommendation.provider.may_recommend:  # suspended since the draft was saved
        return render_template(
            "recommendations/cannot_recommend.html", person=recommendation.service_user
        )
    form = SubmitRecommendationForm()
    if form.validate_on_submit():
        try:
            operations.submit(recommendation, by=current_user)
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(
                f"Recommendation sent to the council. A care manager will decide by "
                f"{format_date(recommendation.decision_due_date)}.",
                "success",
            )
            return redirect(url_for("recommendations.view", recommendation_id=recommendation.id))
    return render_template("recommendations/check.html", form=form, recommendation=recommendation)


@bp.get("/recommendations/<int:recommendation_id>")
@roles_required(Role.PROVIDER_MANAGER, *CASEWORK_ROLES)
def view(recommendation_id: int) -> str:
    viewer_provider = viewer_provider_id()
    recommendation = get_recommendation(recommendation_id, provider_id=viewer_provider)
    if recommendation.status == RecommendationStatus.DRAFT and current_user.provider_id is None:
        abort(404)  # drafts are the provider's own until submitted
    is_provider = current_user.has_role(Role.PROVIDER_MANAGER)
    page = render_template(
        "recommendations/view.html",
        recommendation=recommendation,
        answer_form=AnswerForm()
        if is_provider and recommendation.status == RecommendationStatus.MORE_INFORMATION
        else None,
        can_withdraw=is_provider and _withdrawable(recommendation),
    )
    return person_read(
        page,
        recommendation.service_user_id,
        provider_id=recommendation.provider_id,
        by_council=viewer_provider is None,
    )


def _withdrawable(recommendation: Recommendation) -> bool:
    return recommendation.status.is_open and recommendation.status != RecommendationStatus.DRAFT


@bp.post("/recommendations/<int:recommendation_id>/answer")
@roles_required(Role.PROVIDER_MANAGER)
def answer(recommendation_id: int) -> Response | str:
    recommendation = get_recommendation(recommendation_id, provider_id=viewer_provider_id())
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            operations.answer_information_request(
                recommendation, by=current_user, answer=form.answer.data or ""
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(
                "Answer sent. The recommendation is back with the council, who will decide by "
                f"{format_date(recommendation.decision_due_date)}.",
                "success",
            )
            return redirect(url_for("recommendations.view", recommendation_id=recommendation.id))
    return render_template(
        "recommendations/view.html",
        recommendation=recommendation,
        answer_form=form,
        can_withdraw=_withdrawable(recommendation),
        form=form,
    )


@bp.route("/recommendations/<int:recommendation_id>/withdraw", methods=["GET", "POST"])
@roles_required(Role.PROVIDER_MANAGER)
def withdraw(recommendation_id: int) -> Response | str:
    """Asks first: withdrawing cannot be undone."""
    recommendation = get_recommendation(recommendation_id, provider_id=viewer_provider_id())
    back = url_for("recommendations.view", recommendation_id=recommendation.id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            operations.withdraw(recommendation, by=current_user)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash("Recommendation withdrawn. The package is unchanged.", "success")
        return redirect(back)
    if not _withdrawable(recommendation):
        return redirect(back)
    return render_template(
        "recommendations/withdraw.html", recommendation=recommendation, form=form, back=back
    )


# The statuses a provider's list can be narrowed to.
PROVIDER_FILTERS = {RecommendationStatus.DRAFT.value, RecommendationStatus.MORE_INFORMATION.value}


@bp.get("/recommendations")
@roles_required(Role.PROVIDER_MANAGER)
def provider_list() -> str:
    provider_id = viewer_provider_id()
    assert provider_id is not None
    # The home page links here for questions to answer and drafts not yet sent.
    wanted = request.args.get("status", "")
    status = RecommendationStatus(wanted) if wanted in PROVIDER_FILTERS else None
    page = paginate(
        provider_recommendations_statement(by_status=status is not None),
        scalars=False,
        total=provider_recommendations_count(provider_id, status),
        params={"provider": provider_id, "status": status},
    )
    return render_template("recommendations/provider_list.html", page=page, status=status)


def _queue_filters() -> tuple[QueueFilters, dict[str, str]]:
    """The queue's filters from the query string; anything unrecognised is ignored."""
    args = {
        key: request.args.get(key, "")
        for key in ("provider", "quadrant", "kind", "state", "assigned")
    }
    chosen = {
        "provider": str(query_number("provider") or ""),
        "quadrant": args["quadrant"] if args["quadrant"] in {q.value for q in Quadrant} else "",
        "kind": args["kind"] if args["kind"] in {k.value for k in ChangeKind} else "",
        "state": args["state"] if args["state"] in {"waiting", "answered"} else "",
        "assigned": "me" if args["assigned"] == "me" else "",
    }
    filters = QueueFilters(
        provider_id=int(chosen["provider"]) if chosen["provider"] else None,
        quadrant=Quadrant(chosen["quadrant"]) if chosen["quadrant"] else None,
        kind=ChangeKind(chosen["kind"]) if chosen["kind"] else None,
        waiting_on_provider=chosen["state"] == "waiting",
        answered=chosen["state"] == "answered",
        assigned_to_id=current_user.id if chosen["assigned"] == "me" else None,
    )
    return filters, {k: v for k, v in chosen.items() if v}


@bp.get("/review")
@roles_required(Role.CARE_MANAGER)
def queue() -> str:
    filters, chosen = _queue_filters()
    page = paginate(queue_statement(filters), scalars=False, params=filters.values())
    return render_template(
        "recommendations/queue.html",
        page=page,
        today=today(),
        chosen=chosen,
        filters=filters,
        providers=provider_choices(),
        Quadrant=Quadrant,
        ChangeKind=ChangeKind,
    )


# The "Decided by you" list's query-string names (its form's fields; a date's day, month
# and year share its name), kept from page to page.
DECIDED_FILTERS = ("outcome", "decided_from", "decided_to")
# How far back "Decided by you" looks when no start date is chosen.
DECIDED_WINDOW_DAYS = 365


@bp.get("/review/decided")
@roles_required(Role.CARE_MANAGER)
def decided() -> str:
    """The recommendations the signed-in care manager approved or rejected, newest first."""
    chosen = {
        name: request.args.getlist(name)
        for name in DECIDED_FILTERS
        if any(value.strip() for value in request.args.getlist(name))
    }
    form = DecidedFilterForm(formdata=MultiDict(chosen) if chosen else None)
    if chosen:
        form.validate()

    def kept(field: Any) -> Any:
        return None if field.errors else field.data  # a refused filter filters nothing

    outcome = kept(form.outcome)
    decided_to = kept(form.decided_to)
    decided_from = kept(form.decided_from)
    # Without a start date, the year to the end date (or today): a long-serving care
    # manager's whole history is there by choosing a date, and the page costs the same
    # however long it grows.
    window_from = None
    if decided_from is None:
        window_from = (decided_to or today()) - dt.timedelta(days=DECIDED_WINDOW_DAYS)
    filters = DecidedFilters(
        outcome=RecommendationStatus(outcome) if outcome else None,
        decided_from=decided_from or window_from,
        decided_to=decided_to,
    )
    page = paginate(
        decided_statement(filters), scalars=False, params=filters.values(current_user.id)
    )
    return render_template(
        "recommendations/decided.html",
        form=form if form.errors else None,
        filter_form=form,
        filtered=bool(chosen),
        page=page,
        window_from=window_from,
    )


@bp.post("/review/<int:recommendation_id>/assign")
@roles_required(Role.CARE_MANAGER)
def assign(recommendation_id: int) -> Response:
    recommendation = get_recommendation(recommendation_id, provider_id=None)
    try:
        operations.assign(recommendation, to=current_user, by=current_user)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash("Assigned to you", "success")
    return redirect(url_for("recommendations.review", recommendation_id=recommendation.id))


def _decide(recommendation: Recommendation, form: DecisionForm) -> Markup:
    """Make the care manager's decision; what the banner on the queue tells them of it,
    naming the person and, for an approved reduction, the payment it created."""
    person = recommendation.service_user.full_name
    if form.decision.data == "approve":
        assert form.start_date.data is not None
        payment = operations.approve(
            recommendation, by=current_user, start_date=form.start_date.data
        )
        message = Markup("Recommendation approved for {}. The package changes from {}.").format(
            person, format_date(form.start_date.data)
        )
        if payment is None:
            return message
        message += Markup(" Payment {} of {} created for {}.").format(
            payment.reference, format_pence(payment.amount_pence), recommendation.provider.name
        )
        if payment.status == PaymentStatus.AWAITING_SECOND_APPROVAL:
            message += (
                " It needs a second approval by another council officer before finance can pay it."
            )
        return message
    if form.decision.data == "more_information":
        operations.request_information(
            recommendation, by=current_user, question=form.question.data or ""
        )
        return Markup(
            "Question sent to {} about {}. The recommendation comes back to the queue when "
            "they answer."
        ).format(recommendation.provider.name, person)
    operations.reject(recommendation, by=current_user, reason=form.reason.data or "")
    return Markup("Recommendation for {} rejected. The provider can see your reason.").format(
        person
    )


@bp.route("/review/<int:recommendation_id>", methods=["GET", "POST"])
@roles_required(Role.CARE_MANAGER)
def review(recommendation_id: int) -> Response | str:
    recommendation = get_recommendation(recommendation_id, provider_id=None)
    if recommendation.status == RecommendationStatus.DRAFT:
        abort(404)
    if recommendation.status != RecommendationStatus.SUBMITTED and request.method == "GET":
        return redirect(url_for("recommendations.view", recommendation_id=recommendation.id))
    form = DecisionForm()
    if not form.is_submitted():
        form.start_date.data = recommendation.proposed_start_date
    if form.validate_on_submit():
        try:
            message = _decide(recommendation, form)
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(message, "success")
            return redirect(url_for("recommendations.queue"))
    service_user = recommendation.service_user  # loaded with it
    page = render_template(
        "recommendations/review.html",
        form=form,
        today=today(),
        recommendation=recommendation,
        service_user=service_user,
        lines=current_lines(service_user.id, on=today()),
        latest_return=latest_submitted_return(service_user.id),
        outcomes=OUTCOMES,
        # What approving today would pay, by the rule approving today would use.
        payment=payment_preview(recommendation, by=current_user, on=today()),
        assign_form=AssignForm() if recommendation.assigned_to_id != current_user.id else None,
        earlier=recent(
            service_user_recommendation_rows(by_provider=False, but_one=True),
            EARLIER_SHOWN,
            scalars=False,
            params={"person": service_user.id, "recommendation": recommendation.id},
        ),
    )
    # The review shows the person's lines, latest outcomes and earlier recommendations: a
    # council read of their record, as their own page is.
    return person_read(
        page, service_user.id, provider_id=recommendation.provider_id, by_council=True
    )


@bp.get("/recommendations/summary")
@roles_required(Role.COMMISSIONER)
def summary() -> str:
    current = FinancialYear.containing(today())
    year = chosen_financial_year(request.args.get("year", ""), current)
    rows = model_summary(year)
    offered = financial_years_offered(current, year)
    return render_template(
        "recommendations/summary.html",
        rows=rows,
        year=year,
        years=offered,
        held=held_figures(year.first_day, year.last_day),
        checkpoint_names=CHECKPOINT_NAMES,
        ChangeKind=ChangeKind,
        totals={
            "minutes": sum(r.weekly_minutes_released for r in rows),
            "annual": sum(r.annual_value_pence for r in rows),
            "paid": sum(r.payments_pence for r in rows),
            "all": sum(r.total for r in rows),
        },
    )
