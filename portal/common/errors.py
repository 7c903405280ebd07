from __future__ import annotations

import math
import time

from flask import Flask, Response, g, has_request_context, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.common.problems import answers_in_json, located, problem
from portal.extensions import db, limiter


class DomainError(Exception):
    """A rule of the service was broken; the message is shown to the user as it is.

    ``field`` names the form field the message belongs beside, when there is one. Made
    during a request, it marks the request refused: whatever the view then does (show the
    form again, or flash the message and redirect), nothing the refused operation had
    flushed is committed (see common/database.py, where the request's transaction ends).
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if has_request_context():
            g.refused = True


def was_refused() -> bool:
    """Whether an operation in this request was refused with a DomainError. Asked once,
    where the request's transaction ends, which clears the mark (a test's requests may
    share one application context, and so ``g``)."""
    return bool(g.pop("refused", False))


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        db.session.rollback()
        return render_template("common/errors/csrf.html"), 400

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded) -> Response:
        db.session.rollback()
        breached = limiter.current_limit
        wait = max(1, math.ceil(breached.reset_at - time.time())) if breached else 60
        if answers_in_json():
            return problem(
                429,
                f"Too many calls with this key: wait {wait} seconds, then try again",
                headers={"Retry-After": str(wait)},
            )
        page = render_template("common/errors/429.html", minutes=math.ceil(wait / 60))
        return Response(page, 429, headers={"Retry-After": str(wait)})

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response | tuple[str, int]:
        db.session.rollback()
        code = error.code or 500
        if answers_in_json():
            data = getattr(error, "data", None) or {}
            if "messages" in data:  # webargs: the body or query refused by its schema
                errors = located(data["messages"])
                return problem(
                    code,
                    "Nothing was changed: put right each problem listed in errors",
                    errors=errors,
                    headers=data.get("headers"),
                )
            return problem(code, _api_detail(error), headers=_allowed(error))
        template = {
            403: "common/errors/403.html",
            404: "common/errors/404.html",
            413: "common/errors/413.html",
            405: "common/errors/generic.html",
        }.get(code, "common/errors/generic.html")
        return render_template(template, error=error), code

    @app.errorhandler(500)
    def server_error(error: Exception) -> Response | tuple[str, int]:
        db.session.rollback()
        if answers_in_json():
            return problem(500, "The portal could not finish the request: nothing was changed")
        return render_template("common/errors/500.html"), 500


def _api_detail(error: HTTPException) -> str | None:
    """What an API caller is told of a plain HTTP error: werkzeug's own description
    speaks of a browser ("the requested URL was not found... check your spelling")."""
    return {
        404: "There is nothing at this address for your key: check the address and the ids in it",
        405: f"This address does not take {request.method}",
        413: "The request is larger than the portal takes",
        400: "The request could not be read",
    }.get(error.code or 0, error.description)


def _allowed(error: HTTPException) -> dict[str, str]:
    """The Allow header werkzeug gives a 405, kept on the problem that replaces it."""
    allowed = error.get_headers()
    return {name: value for name, value in allowed if name == "Allow"}


def show_on_form(form: object, error: DomainError) -> None:
    """Undo whatever the failed operation had flushed, so the page is shown again from the
    saved state, and put the error beside its field, or above the form when it has none."""
    db.session.rollback()
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)  # type: ignore[attr-defined]
