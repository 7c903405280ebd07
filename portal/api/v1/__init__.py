"""The API for agencies' care-planning systems, version 1, under ``/api/v1/``.

flask-smorest reads each view's marshmallow schemas to check what comes in and to write
the OpenAPI 3.1 document (served at ``/api/v1/openapi.json``). Its own error pages and
documentation pages are left off: errors are answered as problem details by
common/errors.py, like every other error under ``/api/``, and the document and the guide
are served by views that declare their access like every other (``portal.api.docs``)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, current_app
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from portal.api.v1 import auth, capacity, decisions, returns
from portal.api.v1.schemas import ProblemDetails
from portal.common.problems import PROBLEM_JSON
from portal.extensions import csrf

VERSION = "1.0.0"
BLUEPRINTS = (returns.blp, capacity.blp, decisions.blp)
_EXTENSION = "portal.api.v1"


class _Api(Api):
    # Every error is problem details (RFC 9457), and the document says so.
    ERROR_SCHEMA = ProblemDetails
    DEFAULT_ERROR_RESPONSE_NAME = None  # each call lists its own refusals (documented.py)

    def _register_responses(self) -> None:
        """The responses smorest refers to by name (422 from a schema's refusal, say), as
        problem details."""
        for status in HTTPStatus:
            if 400 <= status < 600:
                response = {"description": status.phrase, "schema": self.ERROR_SCHEMA}
                prepare_response(response, self.spec, PROBLEM_JSON)
                self.spec.components.response(status.name, response, lazy=True)

    def _register_error_handlers(self) -> None:
        """Errors under /api/ are problem details, from common/errors.py."""

    def _register_doc_blueprint(self) -> None:
        """The document is served by portal.api.docs, whose views declare their access."""


def init_app(app: Flask) -> None:
    app.config.update(
        API_TITLE=f"{app.config.get('SERVICE_NAME', 'Care outcomes portal')} API",
        API_VERSION=VERSION,
        OPENAPI_VERSION="3.1.0",
    )
    api = _Api(
        spec_kwargs={
            "info": {
                "description": "For agencies’ care-planning systems: send Appendix A outcome "
                "returns and monthly capacity returns, and read what the council decided. "
                "The developers’ guide is at /developers/api.",
            },
            "components": {
                "securitySchemes": {
                    "apiKey": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "Your agency’s API key, from the portal’s API keys page",
                    }
                }
            },
            "security": [{"apiKey": []}],
        }
    )
    api.init_app(app)
    for blueprint in BLUEPRINTS:
        csrf.exempt(blueprint)  # signed by the key in a header, never by a cookie
        auth.per_key_limit(blueprint)
        auth.refused_key_limit(blueprint)
        api.register_blueprint(blueprint)
    app.extensions[_EXTENSION] = api
    auth.init_app(app)


def openapi_document() -> dict[str, Any]:
    api: Api = current_app.extensions[_EXTENSION]
    document: dict[str, Any] = api.spec.to_dict()
    return document
