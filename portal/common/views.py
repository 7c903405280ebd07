from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import text

from portal.common.access import public
from portal.extensions import db

bp = Blueprint("common", __name__)


@bp.get("/accessibility")
@public
def accessibility() -> str:
    return render_template("common/accessibility.html")


@bp.get("/healthz")
@public
def healthz() -> tuple[dict[str, str], int]:
    """For the load balancer: the app is up and can reach its database."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}, 200
