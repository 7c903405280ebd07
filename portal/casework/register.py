"""Changes to the provider register, made by commissioners on the provider's page.

The register's operations (portal/providers/operations.py) record each change, dated, with
its history and audit event. What a change means elsewhere is worked out here, above both
the register and the features (the import contracts keep the register from knowing of
returns): a provider's exit, or its move in or out of the strategic tier, changes who owes
Appendix A returns, so those are worked out again in the same transaction.

Every change goes in two steps: the form, then a page showing what will change, from what
to what and from when, whose button makes it. The first step runs the change in a savepoint
that is rolled back, so the check page appears only for a change that would be made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.common.access import roles_required
from portal.common.errors import DomainError, show_on_form
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes import owed
from portal.providers import operations
from portal.providers.enums import (
    CareCategory,
    ContractType,
    CqcRating,
    ProviderStatus,
    QafLevel,
    Quadrant,
    RegisterFact,
)
from portal.providers.forms import (
    CategoriesForm,
    ChangeForm,
    ContractForm,
    CqcLocationForm,
    CqcRatingForm,
    FlagForm,
    NameForm,
    QafLevelForm,
    ReasonedChangeForm,
    StatusForm,
    SupplierReferenceForm,
)
from portal.providers.models import Provider, ProviderChange
from portal.providers.queries import get_provider

bp = Blueprint("register", __name__, template_folder="templates", url_prefix="/providers")


@dataclass
class Page:
    """What a change's two pages say."""

    title: str
    intro: str
    button: str
    done: str
    # Shown on the check page when the change is serious enough to stop and think.
    warning: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)


def _provider(provider_id: int) -> Provider:
    return get_provider(provider_id, viewer_provider=None)


def _change(
    provider: Provider,
    form: ChangeForm,
    page: Page,
    make: Callable[[], ProviderChange],
    *,
    refresh_owed: bool = False,
) -> Response | str:
    if "edit" not in request.form and form.validate_on_submit():
        try:
            if form.confirmed.data != "yes":
                return _check(provider, form, page, make)
            make()
            if refresh_owed:
                owed.provider_changed(provider.id)
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(page.done.format(name=provider.name), "success")
            return redirect(url_for("providers.provider", provider_id=provider.id))
    return render_template("register/change.html", provider=provider, form=form, page=page)


def _check(
    provider: Provider, form: ChangeForm, page: Page, make: Callable[[], ProviderChange]
) -> str:
    """Make the change in a savepoint to see it (or the rule it breaks), then undo it."""
    savepoint = db.session.begin_nested()
    try:
        change = make()
        shown = {
            "fact": change.fact.label,
            "before": change.before_label,
            "after": change.after_label,
            "effective_on": change.effective_on,
            "reason": change.reason,
        }
    finally:
        savepoint.rollback()
    return render_template(
        "register/check.html", provider=provider, form=form, page=page, change=shown
    )


def _status(provider_id: int, to: ProviderStatus, page: Page) -> Response | str:
    provider = _provider(provider_id)
    form = StatusForm()
    return _change(
        provider,
        form,
        page,
        lambda: operations.change_status(
            provider,
            to,
            on=form.effective_on.data,  # type: ignore[arg-type]
            reason=form.reason.data or "",
            by=current_user,
        ),
        refresh_owed=to == ProviderStatus.EXITED,
    )


@bp.route("/<int:provider_id>/suspend", methods=["GET", "POST"])
@roles_required(Role.COMMISSIONER)
def suspend(provider_id: int) -> Response | str:
    return _status(
        provider_id,
        ProviderStatus.SUSPENDED,
        Page(
            title="Suspend {name}",
            intro="A suspended provider keeps the people it supports and still owes its "
            "returns, but cannot recommend changes to anyone’s package, and the package import "
            "warns when a new package goes to it.",
            button="Suspend provider",
            done="{name} is suspended",
            warning="{name} will not be able to make new recommendations until it is reinstated.",
            labels={"reason": "Why is it being suspended?"},
            hints={
                "effective_on": "The day the suspension started, for example 27 3 2026",
                "reason": "For example, the CQC rated it Requires improvement. The provider’s "
                "page shows this.",
            },
        ),
    )


@bp.route("/<int:provider_id>/reinstate", methods=["GET", "POST"])
@roles_required(Role.COMMISSIONER)
def reinstate(provider_id: int) -> Response | str:
    return _status(
        provider_id,
        ProviderStatus.ACTIVE,
        Page(
            title="Reinstate {name}",
            intro="An active provider can take new packages and, if it is a trusted assessor, "
            "recommend changes to packages again.",
            button="Reinstate provider",
            done="{name} is active again",
            labels={"reason": "Why is it being reinstated?"},
            hints={"effective_on": "The day the suspension ended, for example 27 3 2026"},
        ),
    )


@bp.route("/<int:provider_id>/exit", methods=["GET", "POST"])
@roles_required(Role.COMMISSIONER)
def record_exit(provider_id: int) -> Response | str:
    return _status(
        provider_id,
        ProviderStatus.EXITED,
        Page(
            title="Record that {name} has left",
            intro="Record the provider’s exit once its contract has ended. It owes no outcome "
            "or capacity returns for periods starting after its exit date. An exit is final: "
            "it cannot be undone.",
            button="Record exit",
            done="{name} has left the register",
            warning="This cannot be undone. {name} will owe no returns for periods starting "
            "after its exit date and cannot make recommendations.",
            labels={"effective_on": "Exit date", "reason": "Why is it leaving? (optional)"},
            hints={"effective_on": "Its last day under contract, for example 31 3 2026"},
        ),
    )


@bp.route("/<int:provider_id>/cqc-rating", methods=["GET", "POST"])
@roles_required(Role.COMMISSIONER)
def cqc_rating(provider_id: int) -> Response | str:
    provider = _provider(provider_id)
    form = CqcRatingForm()
    return _change(
        provider,
        form,
        Page(
            title="Record a new CQC rating for {name}",
            intro="Record the rating the CQC has published, with the date on its report.",
            button="Record rating",
            done="{name}’s CQC rating is recorded",
            hints={"effective_on": "The date on the CQC’s report, for example 27 3 2026"},
        ),
        lambda: operations.change_cqc_rating(
            provider,
            CqcRating(form.rating.data),
            on=form.effective_on.data,  # type: ignore[arg-type]
            by=current_user,
        ),
    )


@bp.route("/<int:provider_id>/qaf-level", methods=["GET", "POST"])
@roles_required(Role.COMMISSIONER)
def qaf_level(provider_id: int) -> Response | str:
    provider = _provider(provider_id)
    form = QafLevelForm()
    return _change(
        provider,
        form,
        Page(
            title="Record a new QAF level for {name}",
            intro="Record the level from the council’s quality assurance framework, with the "
            "date of the assessment.",
            button="Record level",
            done="{name}’s QAF level is recorded",
            hints={"effective_on": "For example, 27 3 2026"},
        ),
        lambda: operations.change_qaf_level(
            provider,
            QafLevel(form.level.data),
            on=form.effective_on.data,  # type: ignore[arg-type]
            by=current_user,
        ),
    )


def _flag(provider_id: int, fact: RegisterFact, page: Page) -> Response | str:
    provider = _provider(provider_id)
    form = FlagForm()
    return _change(
        provider,
        form,
        page,
        lambda: operations.change_flag(
            provider,
            fact,
            form.value.data == "yes",
            on=form.effective_on.data,  # type: ignore[arg-type]
            reason=form.reason.data or "",
            by=current_user,
        ),
        refresh_owed=fact == RegisterFact.STRATEGIC_TIER,
    )


@bp.route("/<int:provider_id>/strategic-tier", methods=["GET", "POST"])
@roles_required(Role.COMMISSIONER)
def strategic_tier(provider_id: int) -> Response | str:
    return _flag(
        provider_id,
        RegisterFact.STRATEGIC_TIER,
        Page(
            title="Change whether {name} is in the strategic tier",
            intro="Providers with annual spend of £500,000 or more are in the strategic tier "
            "and return Appendix A outcomes each quarter. Who owes this quarter’s returns is "
            "worked out again when you make the change.",
            button="Make the change",
            done="{name}’s strategic tier is changed",
            labels={"value": "Is it in the strategic tier?"},
        ),
    )


@bp.route("/<int:provider_id>/trusted-assessor", methods=["GET", "POST"])
@roles_required(Role.COMMISSIONER)
def trusted_assessor(provider_id: int) -> Response | str:
    return _flag(
        provider_id,
        RegisterFact.TRUSTED_ASSESSOR,
        Page(
            title="Change whether {name} is a trusted assessor",
            intro="Only trusted assessors may recommend changes to people’s packages. "
            "Recommendations already sent stay with the care managers to decide.",
            button="Make the change",
            done="{name}’s trusted assessor status is changed",
            labels={"value": "Is it a trusted assessor?"},
        ),
    )


@bp.route("/<int:provider_id>/care-categories", methods=["GET", "POST"])
@roles_required(Role.COMMISSIONER)
def care_categories(provider_id: int) -> Response | str:
    provider = _provider(provider_id)
    form = CategoriesForm()
    if request.method == "GET":
        form.categories.data = [c.value for c in provider.categories]
    return _change(
        provider,
        form,
        Page(
            title="Change {name}’s care categories",
            intro="The care categories the provider is awarded under its contract.",
            button="Make the change",
            done="{name}’s care categories are changed",
            hints={"categories": "Select all that apply."},
        ),
        lambda: operations.change_categories(
            provider,
            frozenset(CareCategory(c) for c in form.categories.data or ()),
            on=form.effective_on.data,  # type: ignore[arg-type]
            reason=form.reason.data or "",
            by=current_user,
        ),
    )


def _identity(
    provider_id: int, fact: RegisterFact, form: ReasonedChangeForm, page: Page
) -> Response | str:
    provider = _provider(provider_id)
    value = form["value"]
    if request.method == "GET":
        value.data = getattr(provider, fact.value)
    return _change(
        provider,
        form,
        page,
        lambda: operations.change_identity(
            provider,
            fact,
            value.data or "",
            on=form.effective_on.data,  # type: ignore[arg-type]
            reason=form["reason"].data or "",
            by=current_user,
        ),
    )


@bp.route("/<int:provider_id>/name", methods=["GET", "POST"])
@roles_required(Role.COMMISSIONER)
def name(provider_id: int) -> Response | str:
    return _identity(
        provider_id,
        RegisterFact.NAME,
        NameForm(),
        Page(
            title="Change {name}’s name",
            intro="The name the portal shows everywhere, for example after the agency is "
            "renamed or bought. Its history keeps the old name.",
            button="Change the name",
            done="The provider’s name is now {name}",
            labels={"value": "New name"},
        ),
    )


@bp.route("/<int:provider_id>/supplier-reference", methods=["GET", "POST"])
@roles_required(Role.COMMISSIONER)
def supplier_reference(provider_id: int) -> Response | str:
    return _identity(
        provider_id,
        RegisterFact.SUPPLIER_REFERENCE,
        SupplierReferenceForm(),
        Page(
            title="Change {name}’s supplier reference",
            intro="Finance pays the provider by this reference, and payment lists exported "
            "from now on carry the new one. Lists already exported keep the old one.",
            button="Change the reference",
            done="{name}’s supplier reference is changed",
            warning="Payment lists exported from now on carry the new supplier reference: "
            "check it with finance first.",
            labels={"value": "New supplier reference"},
        ),
    )


@bp.route("/<int:provider_id>/cqc-location", methods=["GET", "POST"])
@roles_required(Role.COMMISSIONER)
def cqc_location(provider_id: int) -> Response | str:
    return _identity(
        provider_id,
        RegisterFact.CQC_LOCATION_ID,
        CqcLocationForm(),
        Page(
            title="Change {name}’s CQC location ID",
            intro="The CQC’s ID for the agency’s registered location, from its page on the "
            "CQC website.",
            button="Change the CQC location ID",
            done="{name}’s CQC location ID is changed",
            labels={"value": "CQC location ID"},
            hints={"value": "For example, 1-123456789"},
        ),
    )


@bp.route("/<int:provider_id>/contract", methods=["GET", "POST"])
@roles_required(Role.COMMISSIONER)
def contract(provider_id: int) -> Response | str:
    provider = _provider(provider_id)
    form = ContractForm()
    if request.method == "GET":
        form.contract_type.data = provider.contract_type.value
        form.quadrant.data = provider.quadrant.value if provider.quadrant else None
    return _change(
        provider,
        form,
        Page(
            title="Change {name}’s contract",
            intro="A Patch provider owns one quadrant and takes most new packages there.",
            button="Change the contract",
            done="{name}’s contract is changed",
        ),
        lambda: operations.change_contract(
            provider,
            ContractType(form.contract_type.data),
            Quadrant(form.quadrant.data) if form.quadrant.data else None,
            on=form.effective_on.data,  # type: ignore[arg-type]
            reason=form.reason.data or "",
            by=current_user,
        ),
    )
