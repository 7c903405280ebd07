"""HTTP headers every response carries."""

from __future__ import annotations

from flask import Flask, Response, request


def init_app(app: Flask) -> None:
    @app.after_request
    def set_security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static":
            # Pages and downloads (payment lists, remittances, returns) hold personal and
            # payment data: keep every one out of shared caches, the browser's disk cache
            # and the back button. Only the stylesheet, scripts and images may be cached.
            response.headers["Cache-Control"] = "no-store"
        return response
