"""The API's documents, open to anyone: the OpenAPI document a system's developers
generate a client from, and the guide they read first. Neither holds anyone's data."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from werkzeug.wrappers import Response

from portal.api.keys import KEY_START
from portal.api.v1 import VERSION, openapi_document
from portal.common.access import public

bp = Blueprint("api_docs", __name__, template_folder="templates")

# What changed in the API, newest first: (version, date, what).
CHANGES = [
    (
        "1.0.0",
        "December 2026",
        "The first version: API keys; the quarters and the returns owed in each; a "
        "return read, saved as a draft, submitted and resubmitted; a quarter's returns "
        "submitted in one call; capacity returns; recommendations and their decisions, "
        "payments and remittance advice; ETags and Idempotency-Key.",
    ),
]


@bp.get("/api/v1/openapi.json")
@public
def openapi() -> Response:
    document = openapi_document()
    document["servers"] = [{"url": request.host_url.rstrip("/")}]
    return jsonify(document)


@bp.get("/developers/api")
@public
def guide() -> str:
    return render_template(
        "api/guide.html",
        version=VERSION,
        changes=CHANGES,
        base=request.host_url.rstrip("/"),
        key_start=KEY_START,
        limit=current_app.config["API_LIMIT_PER_KEY"],
    )
