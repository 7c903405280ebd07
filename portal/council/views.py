from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.audit.operations import record, snapshot
from portal.common.access import roles_required
from portal.common.models import lock
from portal.common.money import pence_to_decimal_string
from portal.common.roles import Role
from portal.council.forms import SettingsForm
from portal.council.models import get_settings

bp = Blueprint("council", __name__, template_folder="templates")

_FIELDS = (
    "decision_target_working_days",
    "outcome_return_due_days",
    "capacity_opens_day",
    "capacity_closes_day",
    "wage_floor_pence",
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
    return render_template("council/settings.html", form=form)
