from __future__ import annotations

import math
import time

from flask import Flask, Response, g, has_request_context, render_template
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

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
        page = render_template("common/errors/429.html", minutes=math.ceil(wait / 60))
        return Response(page, 429, headers={"Retry-After": str(wait)})

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        db.session.rollback()
        code = error.code or 500
        template = {
            403: "common/errors/403.html",
            404: "common/errors/404.html",
            413: "common/errors/413.html",
            405: "common/errors/generic.html",
        }.get(code, "common/errors/generic.html")
        return render_template(template, error=error), code

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        return render_template("common/errors/500.html"), 500


def show_on_form(form: object, error: DomainError) -> None:
    """Undo whatever the failed operation had flushed, so the page is shown again from the
    saved state, and put the error beside its field, or above the form when it has none."""
    db.session.rollback()
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)  # type: ignore[attr-defined]
