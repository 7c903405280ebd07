from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.audit.operations import record, snapshot
from portal.common.access import roles_required
from portal.common.care import CareCategory, PricingZone
from portal.common.dates import format_date, today
from portal.common.errors import DomainError, show_on_form
from portal.common.models import lock
from portal.common.money import format_pence, pence_to_decimal_string
from portal.common.roles import Role
from portal.council import rates
from portal.council.forms import CardRateForm, RankingWeightsForm, SettingsForm
from portal.council.models import RANKING_WEIGHTS, CardRate, get_settings

bp = Blueprint("council", __name__, template_folder="templates")

_FIELDS = (
    "decision_target_working_days",
    "outcome_return_due_days",
    "capacity_opens_day",
    "capacity_closes_day",
    "wage_floor_pence",
    "smallest_comparable_sample",
    "cost_centre",
    "nominal_code",
)


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(Role.COMMISSIONER)
def settings() -> Response | str:
    """The council's business settings; each change is audited."""
    current = get_settings()
    form = SettingsForm(obj=current)
    if not form.is_submitted():
        form.wage_floor.data = pence_to_decimal_string(current.wage_floor_pence)
    if form.validate_on_submit():
        lock(current)
        before = snapshot(current, _FIELDS)
        for name in _FIELDS:
            if name != "wage_floor_pence":
                setattr(current, name, form[name].data)
        current.wage_floor_pence = form.wage_floor_pence
        current.cost_centre = current.cost_centre.strip().upper()
        current.nominal_code = current.nominal_code.strip().upper()
        record(
            "council_settings.updated",
            current,
            by=current_user,
            provider_id=None,
            before=before,
            after=snapshot(current, _FIELDS),
        )
        flash("Settings saved", "success")
        return redirect(url_for("council.settings"))
    return render_template("council/settings.html", form=form, weights=_weights(current))


def _weights(current: object) -> list[tuple[str, int]]:
    """The re-ranking's weights as the Settings page lists them: (figure, weight)."""
    form = RankingWeightsForm(formdata=None, obj=current)
    return [(form[name].label.text, getattr(current, name)) for name in RANKING_WEIGHTS]


@bp.route("/settings/ranking-weights", methods=["GET", "POST"])
@roles_required(Role.COMMISSIONER)
def ranking_weights() -> Response | str:
    """The weights of the annual re-ranking of providers; each change is audited."""
    current = get_settings()
    form = RankingWeightsForm(obj=current)
    if form.validate_on_submit():
        lock(current)
        before = snapshot(current, RANKING_WEIGHTS)
        for name in RANKING_WEIGHTS:
            setattr(current, name, form[name].data)
        record(
            "council_settings.ranking_weights_updated",
            current,
            by=current_user,
            provider_id=None,
            before=before,
            after=snapshot(current, RANKING_WEIGHTS),
        )
        flash("Ranking weights saved", "success")
        return redirect(url_for("council.settings"))
    return render_template("council/ranking_weights.html", form=form)


@bp.route("/rate-card", methods=["GET", "POST"])
@roles_required(Role.COMMISSIONER)
def rate_card() -> Response | str:
    """The rate card, current and past rates, and a form to add a rate from a date."""
    form = CardRateForm()
    if form.validate_on_submit():
        try:
            rate = rates.add_rate(
                zone=PricingZone(form.pricing_zone.data),
                category=CareCategory(form.care_category.data),
                hourly_rate_pence=form.hourly_rate_pence,
                effective_from=form.effective_from.data or today(),
                by=current_user,
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(
                f"{rate.pricing_zone.label} {rate.care_category.label.lower()} care is "
                f"{format_pence(rate.hourly_rate_pence)} an hour from "
                f"{format_date(rate.effective_from)}",
                "success",
            )
            return redirect(url_for("council.rate_card"))
    on = today()
    history = rates.rate_history()
    current: dict[tuple[str, str], CardRate] = {}
    for rate in history:  # newest first within each zone and category
        key = (rate.pricing_zone.value, rate.care_category.value)
        if rate.effective_from <= on and key not in current:
            current[key] = rate
    return render_template(
        "council/rate_card.html",
        form=form,
        history=history,
        current=current,
        zones=list(PricingZone),
        categories=list(CareCategory),
        on=on,
    )
