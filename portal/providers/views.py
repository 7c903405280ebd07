"""The register's own pages: a person's package history, the providers list, a provider's
page with its dated history, and adding a provider. The changes to a provider are made on
pages in portal/casework/register.py, which can refresh what a change means for returns."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.audit.requests import person_read
from portal.common.access import roles_required
from portal.common.errors import DomainError, show_on_form
from portal.common.pagination import paginate
from portal.common.roles import CASEWORK_ROLES, Role
from portal.providers import operations
from portal.providers.enums import CareCategory, ContractType, CqcRating, QafLevel, Quadrant
from portal.providers.forms import NOT_ASSESSED, ProviderForm
from portal.providers.queries import (
    categories_by_provider,
    get_provider,
    get_service_user,
    latest_status_change,
    package_history_statement,
    provider_changes_statement,
    providers_statement,
    viewer_provider_id,
)

bp = Blueprint("providers", __name__, template_folder="templates")

# Who reads the register: council staff who read the providers list, and a provider
# manager their own agency's page.
REGISTER_READERS = (*CASEWORK_ROLES, Role.FINANCE_OFFICER)


@bp.get("/service-users/<int:service_user_id>/package-history")
@roles_required(Role.PROVIDER_MANAGER, *CASEWORK_ROLES)
def package_history(service_user_id: int) -> str:
    viewer_provider = viewer_provider_id()
    person = get_service_user(service_user_id, provider_id=viewer_provider)
    page = paginate(package_history_statement(), params={"person": person.id})
    return person_read(
        render_template("providers/package_history.html", person=person, page=page),
        person.id,
        provider_id=person.provider_id,
        by_council=viewer_provider is None,
    )


@bp.get("/providers")
@roles_required(*REGISTER_READERS)
def provider_list() -> str:
    page = paginate(providers_statement(), size=50, scalars=False)
    categories = categories_by_provider([provider.id for provider in page.items])
    return render_template("providers/provider_list.html", page=page, categories=categories)


@bp.get("/providers/<int:provider_id>")
@roles_required(*REGISTER_READERS, Role.PROVIDER_MANAGER)
def provider(provider_id: int) -> str:
    """A provider's register entry: what holds now, with its dates, and every change."""
    found = get_provider(provider_id, viewer_provider=viewer_provider_id())
    page = paginate(provider_changes_statement(), params={"provider": found.id})
    return render_template(
        "providers/provider.html",
        provider=found,
        status_change=latest_status_change(found.id),
        page=page,
        can_change=current_user.has_role(Role.COMMISSIONER),
    )


@bp.route("/providers/new", methods=["GET", "POST"])
@roles_required(Role.COMMISSIONER)
def new_provider() -> Response | str:
    form = ProviderForm()
    if form.validate_on_submit():
        qaf = form.qaf_level.data
        data = operations.NewProvider(
            name=form.name.data or "",
            supplier_reference=form.supplier_reference.data or "",
            cqc_location_id=form.cqc_location_id.data or "",
            contract_type=ContractType(form.contract_type.data),
            quadrant=Quadrant(form.quadrant.data) if form.quadrant.data else None,
            categories=frozenset(CareCategory(c) for c in form.categories.data or ()),
            strategic_tier=form.strategic_tier.data == "yes",
            trusted_assessor=form.trusted_assessor.data == "yes",
            cqc_rating=CqcRating(form.cqc_rating.data),
            cqc_rated_on=form.cqc_rated_on.data,
            qaf_level=QafLevel(qaf) if qaf and qaf != NOT_ASSESSED else None,
            qaf_assessed_on=form.qaf_assessed_on.data if qaf != NOT_ASSESSED else None,
        )
        try:
            created = operations.create_provider(data, by=current_user)
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(f"{created.name} added to the register", "success")
            return redirect(url_for("providers.provider", provider_id=created.id))
    return render_template("providers/new_provider.html", form=form)
