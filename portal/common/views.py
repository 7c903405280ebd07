from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, render_template
from sqlalchemy import text

from portal.common.access import public
from portal.extensions import db

bp = Blueprint("common", __name__)

DEFAULT_BRAND_COLOUR = "#1d5b79"
_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


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


@bp.get("/brand.css")
@public
def brand_stylesheet() -> Response:
    """The council's brand colour in place of GOV.UK blue. A stylesheet of its own, since
    the Content-Security-Policy allows no inline style. Pages link to it with the colour in
    its address, so browsers may keep it until the setting changes."""
    colour = current_app.config["COUNCIL_BRAND_COLOUR"].strip()
    if not _HEX_COLOUR.fullmatch(colour):
        colour = DEFAULT_BRAND_COLOUR  # nothing but a #rrggbb colour reaches the CSS
    css = (
        f":root {{ --govuk-brand-colour: {colour}; }}\n"
        f".govuk-header {{ background-color: {colour}; }}\n"
        f".govuk-service-navigation {{ border-top-color: {colour}; }}\n"
    )
    response = Response(css, mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
