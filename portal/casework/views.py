"""Casework: the pages that gather from several features around a person or a user. A
person's page and its histories (package lines from the register, outcome returns,
recommendations), the service users list that is a provider's home page, and "What needs
you". It sits above the features, so the register below knows nothing of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, render_template
from flask_login import current_user
from sqlalchemy import Select

from portal.audit.requests import person_exported, person_read
from portal.casework.needs import capacity_notice, needs_for
from portal.casework.subject_access import as_json, gather
from portal.casework.subject_access_pdf import subject_access_pdf
from portal.common.access import roles_required, signed_in
from portal.common.dates import today
from portal.common.forms import query_text
from portal.common.pagination import Recent, paginate, recent
from portal.common.roles import CASEWORK_ROLES, Role
from portal.outcomes.models import ReportingPeriod
from portal.outcomes.queries import find_return, outcome_period_on, service_user_returns_statement
from portal.outcomes.story import outcome_story
from portal.providers.queries import (
    get_service_user,
    lines_in_force_or_later,
    package_history_statement,
    service_users_statement,
    viewer_provider_id,
)
from portal.recommendations.queries import (
    open_recommendation_status,
    service_user_recommendation_rows,
)

bp = Blueprint("casework", __name__, template_folder="templates")

# What a person's page shows of each history that grows; each links to the whole of it.
RECENT_QUARTERS = 8  # two years of outcome returns, as the outcome story shows
RECENT_RECOMMENDATIONS = 5
RECENT_LINES = 10
# Who may download everything held about a person. Commissioners answer the council's
# subject access requests; care managers see people only for their reviews, and the
# administrator's role is accounts and the audit trail, never a person's care.
SUBJECT_ACCESS_ROLE = Role.COMMISSIONER


@bp.get("/service-users")
@roles_required(Role.PROVIDER_MANAGER, *CASEWORK_ROLES)
def service_users() -> str:
    search = query_text("q")
    page = paginate(
        service_users_statement(provider_id=viewer_provider_id(), search=search, on=today()),
        scalars=False,
    )
    provider_id = viewer_provider_id()
    return render_template(
        "casework/service_users.html",
        page=page,
        search=search,
        show_provider=provider_id is None,
        # A provider's home page says what capacity return is due, and when.
        capacity_due=capacity_notice(current_user.provider) if provider_id else None,
    )


@bp.get("/service-users/<int:service_user_id>")
@roles_required(Role.PROVIDER_MANAGER, *CASEWORK_ROLES)
def service_user(service_user_id: int) -> str:
    provider_id = viewer_provider_id()
    person = get_service_user(service_user_id, provider_id=provider_id)
    on = today()
    now_and_later = lines_in_force_or_later(person.id, on=on)
    lines = [line for line in now_and_later if line.start_date <= on]
    period = outcome_period_on(on)
    is_provider = current_user.has_role(Role.PROVIDER_MANAGER)
    by_provider = provider_id is not None
    values = {"person": person.id, "provider": provider_id}
    returns = recent(
        service_user_returns_statement(by_provider=by_provider),
        RECENT_QUARTERS,
        scalars=False,
        params=values,
    )
    can_return_outcomes = (
        is_provider
        and person.provider.strategic_tier
        and period is not None
        and person.provider.on_register(period.start_date)
    )
    # A suspended or exited provider is offered no new recommendation; those it sent are
    # listed below with the rest.
    can_recommend = is_provider and person.provider.may_recommend and bool(lines)
    page = render_template(
        "casework/service_user.html",
        person=person,
        lines=lines,
        history=recent(package_history_statement(), RECENT_LINES, params=values),
        upcoming=[line for line in now_and_later if line.start_date > on],
        weekly_minutes=sum(line.weekly_minutes for line in lines),
        weekly_cost=sum(line.weekly_cost_pence for line in lines),
        returns=returns,
        story=outcome_story(person.id, provider_id=provider_id),
        recommendations=recent(
            service_user_recommendation_rows(by_provider=by_provider),
            RECENT_RECOMMENDATIONS,
            scalars=False,
            params=values,
        ),
        period=period,
        current_return=_current_return(period, person.id, returns)
        if can_return_outcomes and period
        else None,
        open_recommendation=open_recommendation_status(person.id, provider_id=person.provider_id)
        if can_recommend
        else None,
        can_return_outcomes=can_return_outcomes,
        can_recommend=can_recommend,
        cannot_recommend=is_provider and not person.provider.may_recommend,
        can_export=current_user.has_role(SUBJECT_ACCESS_ROLE),
        today=on,
    )
    return person_read(page, person.id, provider_id=person.provider_id, by_council=not by_provider)


@bp.get("/service-users/<int:service_user_id>/subject-access.pdf")
@roles_required(SUBJECT_ACCESS_ROLE)
def subject_access_pdf_download(service_user_id: int) -> Response:
    return _subject_access(service_user_id, "pdf")


@bp.get("/service-users/<int:service_user_id>/subject-access.json")
@roles_required(SUBJECT_ACCESS_ROLE)
def subject_access_json_download(service_user_id: int) -> Response:
    return _subject_access(service_user_id, "json")


def _subject_access(service_user_id: int, file_format: str) -> Response:
    """Everything held about the person, for a subject access request: the download is
    noted in the audit trail, in a transaction of its own, before it is sent."""
    person = get_service_user(service_user_id, provider_id=None)
    config = current_app.config
    held = gather(person, council=config["COUNCIL_NAME"], by=current_user)
    if file_format == "pdf":
        body: bytes | str = subject_access_pdf(
            held, service_name=config["SERVICE_NAME"], brand=config["COUNCIL_BRAND_COLOUR"]
        )
        mimetype = "application/pdf"
    else:
        body, mimetype = as_json(held), "application/json"
    person_exported(person.id, provider_id=person.provider_id, file_format=file_format)
    name = f"subject-access-{person.id}-{held.request.made_on.isoformat()}.{file_format}"
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _current_return(period: ReportingPeriod, person_id: int, returns: Recent[Any]) -> Any:
    """This quarter's return (its ``id`` and ``status`` are all the page uses): as the
    newest, usually among those the page shows already."""
    shown = next((r for r in returns.items if r.period_id == period.id), None)
    return shown or find_return(period.id, person_id)


def _history_page(service_user_id: int, template: str, rows: Callable[..., Select[Any]]) -> str:
    """A page of all of a person's history of one kind: ``rows(by_provider=...)`` is its
    statement, built once, with the person (and a provider's own) bound when it runs."""
    provider_id = viewer_provider_id()
    person = get_service_user(service_user_id, provider_id=provider_id)
    page = paginate(
        rows(by_provider=provider_id is not None),
        scalars=False,
        params={"person": person.id, "provider": provider_id},
    )
    return person_read(
        render_template(template, person=person, page=page),
        person.id,
        provider_id=person.provider_id,
        by_council=provider_id is None,
    )


@bp.get("/service-users/<int:service_user_id>/outcome-returns")
@roles_required(Role.PROVIDER_MANAGER, *CASEWORK_ROLES)
def outcome_history(service_user_id: int) -> str:
    return _history_page(
        service_user_id, "casework/outcome_history.html", service_user_returns_statement
    )


@bp.get("/service-users/<int:service_user_id>/recommendations")
@roles_required(Role.PROVIDER_MANAGER, *CASEWORK_ROLES)
def recommendation_history(service_user_id: int) -> str:
    return _history_page(
        service_user_id,
        "casework/recommendation_history.html",
        service_user_recommendation_rows,
    )


@bp.get("/what-needs-you")
@signed_in
def notices() -> str:
    """Everyone's home page: where ``/`` sends them once signed in."""
    needs = needs_for(current_user)
    return render_template(
        "casework/notices.html",
        needing=[n for n in needs.notices if n.count],
        clear=[n for n in needs.notices if not n.count],
        coming=needs.coming,
        provider=current_user.provider if current_user.has_role(Role.PROVIDER_MANAGER) else None,
    )
