from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from portal.accounts.roles import CASEWORK_ROLES, Role
from portal.common.access import roles_required
from portal.common.dates import today
from portal.common.pagination import paginate
from portal.notifications.queries import capacity_notice
from portal.outcomes.queries import find_return, outcome_period_on, returns_for_service_user
from portal.outcomes.story import outcome_story
from portal.providers.queries import (
    current_lines,
    get_service_user,
    package_history,
    providers_statement,
    service_users_statement,
    viewer_provider_id,
)
from portal.recommendations.queries import open_recommendation, recommendations_for_service_user

bp = Blueprint("providers", __name__, template_folder="templates")


@bp.get("/service-users")
@roles_required(Role.PROVIDER_MANAGER, *CASEWORK_ROLES)
def service_users() -> str:
    search = request.args.get("q", "")[:100]
    page = paginate(
        service_users_statement(provider_id=viewer_provider_id(), search=search, on=today()),
        scalars=False,
    )
    provider_id = viewer_provider_id()
    return render_template(
        "providers/service_users.html",
        page=page,
        search=search,
        show_provider=provider_id is None,
        # A provider's home page says what capacity return is due, and when.
        capacity_due=capacity_notice(provider_id) if provider_id else None,
    )


@bp.get("/service-users/<int:service_user_id>")
@roles_required(Role.PROVIDER_MANAGER, *CASEWORK_ROLES)
def service_user(service_user_id: int) -> str:
    provider_id = viewer_provider_id()
    person = get_service_user(service_user_id, provider_id=provider_id)
    on = today()
    lines = current_lines(person.id, on=on)
    period = outcome_period_on(on)
    is_provider = current_user.has_role(Role.PROVIDER_MANAGER)
    history = package_history(person.id)
    return render_template(
        "providers/service_user.html",
        person=person,
        lines=lines,
        history=history,
        upcoming=sorted(
            (line for line in history if line.start_date > on), key=lambda line: line.start_date
        ),
        weekly_minutes=sum(line.weekly_minutes for line in lines),
        weekly_cost=sum(line.weekly_cost_pence for line in lines),
        returns=returns_for_service_user(person.id, provider_id=provider_id),
        story=outcome_story(person.id, provider_id=provider_id),
        recommendations=recommendations_for_service_user(person.id, provider_id=provider_id),
        period=period,
        current_return=find_return(period.id, person.id) if period else None,
        open_recommendation=open_recommendation(person.id, provider_id=person.provider_id),
        can_return_outcomes=is_provider and person.provider.strategic_tier and period is not None,
        can_recommend=is_provider and person.provider.trusted_assessor and bool(lines),
        not_a_trusted_assessor=is_provider and not person.provider.trusted_assessor,
        today=on,
    )


@bp.get("/providers")
@roles_required(*CASEWORK_ROLES, Role.FINANCE_OFFICER)
def provider_list() -> str:
    page = paginate(providers_statement(), size=50)
    return render_template("providers/provider_list.html", page=page)
