"""The load test's virtual users read pages with loadtest.forms and post what they find, with
CSRF on as in production: signing in with a password and an authenticator's code, and a
provider manager sending a month's capacity return again as it is filled in. If a page's
form changes so that posting it back as read would fail, this fails before `make loadtest`
does."""

from __future__ import annotations

import pyotp
from werkzeug.datastructures import MultiDict

from loadtest.forms import csrf_token, form_posting_to
from portal.common.roles import Role
from tests.client import CheckedClient, text_of
from tests.factories import PASSWORD
from tests.fixtures import World
from tests.integration.test_capacity_pages import _on_the_10th, return_form
from tests.integration.test_csrf import csrf_app, csrf_client
from tests.mfa import enrolled

# The CSRF tests' app (CSRF on) and the capacity tests' day, inside November's window.
__all__ = ["_on_the_10th", "csrf_app", "csrf_client"]


def test_a_virtual_user_signs_in_and_sends_a_form_read_from_its_page(
    csrf_client: CheckedClient, world: World
) -> None:
    browser = csrf_client
    user = world.users[Role.PROVIDER_MANAGER]
    secret = enrolled(user)
    page = browser.get("/sign-in").get_data(as_text=True)
    answer = browser.post(
        "/sign-in",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(page)},
    )
    assert answer.location == "/sign-in/code"
    # Signing in began a new session: the code page's token is the one that works now.
    page = browser.get("/sign-in/code").get_data(as_text=True)
    answer = browser.post(
        "/sign-in/code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(page)}
    )
    assert answer.status_code == 302
    assert "Sign out" in text_of(browser.get(answer.location, follow_redirects=True))

    path = "/capacity/2026/11"
    token = csrf_token(browser.get(path).get_data(as_text=True))
    answered = browser.post(path, data={**return_form(), "csrf_token": token})
    assert answered.location == f"{path}/check", text_of(answered)
    check = browser.get(answered.location).get_data(as_text=True)
    sent = browser.post(f"{path}/check", data={"csrf_token": csrf_token(check)})
    assert sent.status_code == 302, text_of(sent)

    form = form_posting_to(browser.get(path).get_data(as_text=True), path)
    assert dict(form.fields)["headcount"] == "35"  # filled in from the return sent
    answered = browser.post(path, data=MultiDict(form.fields))
    assert answered.location == f"{path}/check", text_of(answered)
    check = browser.get(answered.location).get_data(as_text=True)
    again = browser.post(f"{path}/check", data={"csrf_token": csrf_token(check)})
    assert again.status_code == 302, text_of(again)
    assert "Capacity return for November 2026 corrected." in text_of(browser.get(again.location))
