"""HTTP headers every response carries."""

from __future__ import annotations

from flask import Flask, Response


def init_app(app: Flask) -> None:
    @app.after_request
    def set_security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            # Pages show personal data: keep them out of shared caches and the back button.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
