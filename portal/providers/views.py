"""The register's own pages: a person's package history and the providers list."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.common.access import roles_required
from portal.common.pagination import paginate
from portal.common.roles import CASEWORK_ROLES, Role
from portal.providers.queries import (
    categories_by_provider,
    get_service_user,
    package_history_statement,
    providers_statement,
    viewer_provider_id,
)

bp = Blueprint("providers", __name__, template_folder="templates")


@bp.get("/service-users/<int:service_user_id>/package-history")
@roles_required(Role.PROVIDER_MANAGER, *CASEWORK_ROLES)
def package_history(service_user_id: int) -> str:
    person = get_service_user(service_user_id, provider_id=viewer_provider_id())
    page = paginate(package_history_statement(), params={"person": person.id})
    return render_template("providers/package_history.html", person=person, page=page)


@bp.get("/providers")
@roles_required(*CASEWORK_ROLES, Role.FINANCE_OFFICER)
def provider_list() -> str:
    page = paginate(providers_statement(), size=50, scalars=False)
    categories = categories_by_provider([provider.id for provider in page.items])
    return render_template("providers/provider_list.html", page=page, categories=categories)
