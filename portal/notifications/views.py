from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from portal.common.access import signed_in
from portal.notifications.queries import notices_for

bp = Blueprint("notifications", __name__, template_folder="templates")


@bp.get("/what-needs-you")
@signed_in
def notices() -> str:
    items = notices_for(current_user)
    return render_template(
        "notifications/notices.html",
        needing=[n for n in items if n.count],
        clear=[n for n in items if not n.count],
    )
