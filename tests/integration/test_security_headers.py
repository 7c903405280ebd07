"""Every answer carries the security headers, asserted as exact strings: a
Content-Security-Policy allowing no inline script but the page's own nonce and no inline
style, no framing, no sniffing, the referrer and permissions policies; HSTS and __Host-
cookies in production. Pages and downloads of personal and payment data are never kept in a
cache; the stylesheets may be."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from portal.common.roles import Role
from portal.config import cookie_settings
from portal.extensions import db
from tests.client import CheckedClient
from tests.factories import PASSWORD
from tests.fixtures import World
from tests.integration.records import exported_batch, submitted_reduction

NONCE = re.compile(r'<script nonce="([A-Za-z0-9_-]{24})">')
PERMISSIONS = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), "
    "publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), "
    "xr-spatial-tracking=()"
)


def policy(nonce: str | None) -> str:
    script = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    return (
        f"default-src 'self'; script-src {script}; style-src 'self'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
    )


def page_nonce(response: TestResponse) -> str:
    """The nonce on the page's one inline script, which must be the policy's."""
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", html)
    nonces = NONCE.findall(html)
    assert len(nonces) == 1, scripts
    inline = [tag for tag in scripts if "src=" not in tag]
    assert inline == [f'<script nonce="{nonces[0]}">'], "an inline script without the nonce"
    assert "<style" not in html and " style=" not in html, "an inline style"
    return nonces[0]


def assert_headers(response: TestResponse, nonce: str | None, *, cached: bool = False) -> None:
    headers = response.headers
    assert headers["Content-Security-Policy"] == policy(nonce)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Permissions-Policy"] == PERMISSIONS
    if not cached:
        assert headers["Cache-Control"] == "no-store"


def test_a_signed_out_page_carries_every_header(client: CheckedClient) -> None:
    response = client.get("/sign-in")
    assert response.status_code == 200
    assert_headers(response, page_nonce(response))
    assert "Strict-Transport-Security" not in response.headers, "development is plain http"


def test_development_signs_in_with_a_plain_cookie_over_http(
    client: CheckedClient, world: World
) -> None:
    user = world.users[Role.PROVIDER_MANAGER]
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert re.fullmatch(
        r"session=[^;]+; HttpOnly; Path=/; SameSite=Lax", response.headers["Set-Cookie"]
    )


def test_each_page_has_a_nonce_of_its_own(client: CheckedClient) -> None:
    first, second = (page_nonce(client.get("/accessibility")) for _ in range(2))
    assert first != second


def test_a_signed_in_page_carries_every_header(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    response = client.get(f"/outcome-periods/{world.period.id}/table-f")
    assert response.status_code == 200
    assert_headers(response, page_nonce(response))


def test_a_download_carries_every_header(as_role, world: World) -> None:
    response = as_role(Role.COMMISSIONER).get("/capacity/returns.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert_headers(response, None)  # no page, so no nonce: no script may run at all
    response.close()


def test_a_redirect_and_an_error_carry_the_headers(client: CheckedClient) -> None:
    redirect = client.get("/payments/batches")
    assert redirect.status_code == 302
    assert_headers(redirect, None)
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert_headers(missing, page_nonce(missing))


def test_the_brand_stylesheet_holds_the_councils_colour_and_may_be_cached(
    app: Flask, client: CheckedClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "COUNCIL_BRAND_COLOUR", "#8a1538")
    page = client.get("/sign-in").get_data(as_text=True)
    assert '<link rel="stylesheet" href="/brand.css?colour=8a1538">' in page
    response = client.get("/brand.css?colour=8a1538")
    assert response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert response.get_data(as_text=True) == (
        ":root { --govuk-brand-colour: #8a1538; }\n"
        ".govuk-header { background-color: #8a1538; }\n"
        ".govuk-service-navigation { border-top-color: #8a1538; }\n"
    )
    assert_headers(response, None, cached=True)


def test_a_brand_colour_that_is_not_a_colour_never_reaches_the_css(
    app: Flask, client: CheckedClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "COUNCIL_BRAND_COLOUR", "red; } body { display: none")
    css = client.get("/brand.css").get_data(as_text=True)
    assert "display" not in css
    assert "--govuk-brand-colour: #1d5b79;" in css


def test_production_adds_hsts_and_host_only_secure_cookies(
    app: Flask, client: CheckedClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The running portal with production's header and cookie settings, over https."""
    monkeypatch.setitem(app.config, "ENVIRONMENT", "production")
    for name, value in cookie_settings("production").items():
        monkeypatch.setitem(app.config, name, value)
    https = "https://homecare.example.gov.uk"
    sign_in_page = client.get("/sign-in", base_url=https)
    assert_headers(sign_in_page, page_nonce(sign_in_page))
    assert sign_in_page.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains"
    )

    user = world.users[Role.PROVIDER_MANAGER]
    signed_in = client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD}, base_url=https
    )
    assert signed_in.status_code == 302
    cookie = signed_in.headers["Set-Cookie"]
    assert re.fullmatch(r"__Host-session=[^;]+; Secure; HttpOnly; Path=/; SameSite=Lax", cookie), (
        cookie
    )
    assert "Domain" not in cookie
    page = client.get("/service-users", base_url=https)
    assert page.status_code == 200, "the __Host- cookie signs the person in"
    assert_headers(page, page_nonce(page))
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_payment_lists_and_remittances_are_not_cached(as_role, world: World) -> None:
    batch = exported_batch(world, submitted_reduction(world, world.person))
    db.session.commit()
    client = as_role(Role.FINANCE_OFFICER)
    provider_id = batch.payments[0].provider_id
    for url in (
        f"/payments/batches/{batch.id}/payment-list.csv",
        f"/payments/batches/{batch.id}/payment-list.xlsx",
        f"/payments/batches/{batch.id}/remittances/{provider_id}.pdf",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype != "text/html", url
        assert response.headers["Cache-Control"] == "no-store", url
        response.close()


def test_the_stylesheet_may_be_cached(client) -> None:
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_returns_downloads_are_not_cached(as_role, world: World) -> None:
    for role, url in (
        (Role.PROVIDER_MANAGER, f"/outcome-periods/{world.period.id}/upload-template.csv"),
        (Role.COMMISSIONER, f"/outcome-periods/{world.period.id}/table-f.csv"),
        (Role.COMMISSIONER, "/capacity/returns.csv"),
    ):
        response = as_role(role).get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "text/csv", url
        assert response.headers["Cache-Control"] == "no-store", url
        response.close()
