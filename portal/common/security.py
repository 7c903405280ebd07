"""HTTP headers every response carries, and the nonce a page's one inline script needs.

The Content-Security-Policy allows no inline style and no inline script but the one a page
marks with this request's nonce (GOV.UK Frontend's snippet that tells its CSS that
JavaScript runs, at the start of <body>): everything else comes from the portal's own
static files, so markup someone manages to slip into a page cannot run or restyle it."""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g, request

# What the portal never uses: a page cannot ask for any of it, nor can anything framed in it.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)
HSTS = "max-age=31536000; includeSubDomains"
# Endpoints whose answers hold nothing personal and may be kept by browsers and caches.
CACHEABLE_ENDPOINTS = frozenset({"static", "common.brand_stylesheet"})


def csp_nonce() -> str:
    """This request's nonce, made the first time a template asks for it."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    nonce: str = g.csp_nonce
    return nonce


def content_security_policy(nonce: str | None) -> str:
    script = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src {script}",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "object-src 'none'",
        )
    )


def init_app(app: Flask) -> None:
    # govuk-frontend-jinja's template.html puts cspNonce on the body-start script.
    app.jinja_env.globals["cspNonce"] = _TemplateNonce()

    @app.before_request
    def forget_the_last_nonce() -> None:
        g.pop("csp_nonce", None)  # one request's nonce is never another's

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = content_security_policy(g.get("csp_nonce"))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if current_app.config["ENVIRONMENT"] == "production":
            headers["Strict-Transport-Security"] = HSTS
        if request.endpoint not in CACHEABLE_ENDPOINTS:
            # Pages and downloads (payment lists, remittances, returns) hold personal and
            # payment data: keep every one out of shared caches, the browser's disk cache
            # and the back button. Only the stylesheets, scripts and images may be cached.
            headers["Cache-Control"] = "no-store"
        return response


class _TemplateNonce:
    """Renders as this request's nonce, so a page only makes one when it uses it."""

    def __str__(self) -> str:
        return csp_nonce()

    def __html__(self) -> str:
        return csp_nonce()

    def __bool__(self) -> bool:
        return True
