"""The load test's virtual users (run by ``python -m loadtest.run``, which sets the
environment below). Every user has its own account, signs in with its password and a code
from its authenticator key, and alternates between the two instances request by request: a
page read from one and its form posted to the other, so the session (a row in the shared
database), the CSRF token (signed with the shared secret key) and the rate limits (counted in
the shared Redis) must hold across instances for any request to succeed.

LOADTEST_HOSTS       the two instances, "http://127.0.0.1:A,http://127.0.0.1:B"
LOADTEST_ACCOUNTS    the JSON loadtest.accounts wrote
LOADTEST_REPORT      where to write what each instance answered and the limits probe
LOADTEST_ACCOUNT_LIMIT  the sign-in limit per account the servers run with ("20 per ...")

Redirects are not followed by the client: each one is requested from the other instance. Any
answer but the one expected counts as a failure: a 429 too, but in the limits probe.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyotp
from locust import HttpUser, between, events, task
from locust.exception import StopUser

from loadtest.forms import csrf_token, form_posting_to

HOSTS = [host for host in os.environ.get("LOADTEST_HOSTS", "").split(",") if host]
_ACCOUNTS_FILE = os.environ.get("LOADTEST_ACCOUNTS")
SETUP: dict[str, Any] = json.loads(Path(_ACCOUNTS_FILE).read_text()) if _ACCOUNTS_FILE else {}
# The first message of a refused form's error summary, to say why in the failure.
_ERROR_MESSAGE = re.compile(r'govuk-error-summary__list">\s*<li>\s*(?:<a[^>]*>)?([^<]*)<')
REDIRECTS = 3  # followed after a POST, each from the next instance ("/" sends people on)
PROBE_EMAIL = "limits.probe@loadtest.example"  # no account has it: nothing real is locked

_free_accounts = {kind: list(found) for kind, found in SETUP.get("accounts", {}).items()}
_answers: dict[str, Counter[str]] = defaultdict(Counter)  # instance -> status -> count
_probe: dict[str, Any] = {}


def accounts_of(kind: str) -> int:
    """How many virtual users of a kind: one per account made for it."""
    return len(SETUP.get("accounts", {}).get(kind, []))


def instance_of(url: str) -> str:
    return f"{urlsplit(url).hostname}:{urlsplit(url).port}"


@events.request.add_listener
def _count(url: str = "", response: Any = None, exception: Any = None, **_: Any) -> None:
    status = getattr(response, "status_code", 0)
    _answers[instance_of(url)][str(status) if status else "no answer"] += 1


@events.test_stop.add_listener
def _write_report(**_: Any) -> None:
    path = os.environ.get("LOADTEST_REPORT")
    if path:
        with open(path, "w") as file:
            json.dump({"answers": _answers, "probe": _probe}, file, indent=2)


class PortalUser(HttpUser):
    """One person in a browser: their own account, alternating between the instances."""

    abstract = True
    kind = ""
    wait_time = between(0.3, 1.5)
    host = HOSTS[0] if HOSTS else "http://127.0.0.1"

    def on_start(self) -> None:
        self._hosts = itertools.cycle(HOSTS)
        if self.kind:
            self.account = _free_accounts[self.kind].pop()
            self.sign_in()

    # --- requests, each to the next instance --------------------------------------------

    def cookies(self) -> str:
        """The cookies the portal set, sent whatever their Secure flag. In production a TLS
        proxy stands in front and browsers send the ``__Host-`` cookies over https; here the
        load generator is on the same machine as the servers and plays that proxy (browsers
        likewise treat http://127.0.0.1 as secure). requests' own cookie jar keeps Secure
        cookies for https, so they are sent by hand: every cookie here is the portal's, for
        the path /, and cookies know no port, so both instances get them."""
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.client.cookies)

    def send(
        self,
        method: str,
        path: str,
        name: str,
        *,
        data: dict[str, str] | list[tuple[str, str]] | None = None,
        expect: tuple[int, ...] = (200,),
        check: Callable[[Any], str | None] | None = None,
    ) -> Any:
        """One request to the next instance; a failure unless its status is one of
        ``expect`` and ``check``, if given, finds nothing wrong with it."""
        with self.client.request(
            method,
            next(self._hosts) + path,
            name=name,
            data=data,
            headers={"Cookie": self.cookies()},
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            problem = check(answer) if check and answer.status_code in expect else None
            if answer.status_code not in expect:
                shown = _ERROR_MESSAGE.search(answer.text or "")
                said = f": {html.unescape(shown.group(1)).strip()}" if shown else ""
                answer.failure(f"{answer.status_code}, expected {expect}{said}")
            elif problem:
                answer.failure(problem)
            else:
                answer.success()
        return answer

    def get(self, path: str, name: str) -> Any:
        return self.send("GET", path, name)

    def post_then_follow(
        self,
        path: str,
        name: str,
        data: Any,
        *,
        goes_to: str | None = None,
        then_shows: str | None = None,
    ) -> Any:
        """POST to one instance, expect a redirect (to ``goes_to``), and follow it from the
        other instance, and any redirect after it, to a page (showing ``then_shows``)."""

        def redirects_there(answer: Any) -> str | None:
            location = answer.headers.get("Location", "")
            return None if goes_to in location else f"redirected to {location}, not {goes_to}"

        def shows(answer: Any) -> str | None:
            if answer.status_code != 200 or then_shows is None or then_shows in answer.text:
                return None
            return f"the page does not show {then_shows!r}"

        answer = self.send(
            "POST",
            path,
            name,
            data=data,
            expect=(302, 303),
            check=redirects_there if goes_to else None,
        )
        for hop in range(1, REDIRECTS + 1):
            if answer.status_code not in (302, 303):
                break
            parts = urlsplit(answer.headers.get("Location", ""))
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            # Redirects after redirects ("/" sends each person on), but not for ever.
            expect = (200,) if hop == REDIRECTS else (200, 302, 303)
            answer = self.send("GET", target, f"{name} (then)", expect=expect, check=shows)
        return answer

    # --- signing in ---------------------------------------------------------------------

    def sign_in(self) -> None:
        email, secret = self.account["email"], self.account["secret"]
        page = self.get("/sign-in", "sign in: page")
        # Signing in starts a new session and CSRF secret: the code page's token is new.
        page = self.post_then_follow(
            "/sign-in",
            "sign in: password",
            {"email": email, "password": SETUP["password"], "csrf_token": csrf_token(page.text)},
            goes_to="/sign-in/code",
        )
        self.post_then_follow(
            "/sign-in/code",
            "sign in: code",
            {"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(page.text)},
            then_shows="Sign out",
        )


class ProviderManager(PortalUser):
    kind = "provider_manager"
    fixed_count = accounts_of(kind)

    @task(3)
    def capacity_return(self) -> None:
        """Open this month's capacity return, filled in, check the answers and send it
        (again: a correction)."""
        path = f"/capacity/{SETUP['capacity_month']}"
        page = self.get(path, "provider manager: capacity return page")
        form = form_posting_to(page.text, path)
        check = self.post_then_follow(
            path,
            "provider manager: capacity return, to check",
            form.fields,
            goes_to=f"{path}/check",
            then_shows="Check your capacity return",
        )
        self.post_then_follow(
            f"{path}/check",
            "provider manager: send capacity return",
            {"csrf_token": csrf_token(check.text)},
            then_shows=f"Capacity return for {SETUP['capacity_month_name']}",
        )

    @task(1)
    def what_needs_you(self) -> None:
        self.get("/what-needs-you", "provider manager: what needs you")


class CareManager(PortalUser):
    kind = "care_manager"
    fixed_count = accounts_of(kind)

    @task
    def take_a_recommendation(self) -> None:
        """The queue, a recommendation's review, and "Assign to me"."""
        self.get("/review", "care manager: review queue")
        recommendation = random.choice(SETUP["recommendations"])
        page = self.get(f"/review/{recommendation}", "care manager: review")
        self.post_then_follow(
            f"/review/{recommendation}/assign",
            "care manager: assign to me",
            {"csrf_token": csrf_token(page.text)},
            then_shows="Assigned to you",
        )


class Finance(PortalUser):
    kind = "finance"
    fixed_count = accounts_of(kind)

    @task
    def make_a_batch(self) -> None:
        """Batch every ready payment while there are any (the demo council has a few).
        When two officers ask at once, one takes them and the other is told beside the form
        that none are ready, which is the right answer too. Once none are ready the page
        offers no form, and the officer reads the batches instead."""
        page = self.get("/payments", "finance: payments")
        try:
            form = form_posting_to(page.text, "/payments")
        except LookupError:
            self.get("/payments/batches", "finance: batches")
            return
        fields = [(key, value) for key, value in form.fields if key != "scope"]

        def says_why(answer: Any) -> str | None:
            if answer.status_code == 302 or "There are no payments ready to batch" in answer.text:
                return None
            return "answered 200 without saying why no batch was made"

        self.send(
            "POST",
            "/payments",
            "finance: make a batch",
            data=[*fields, ("scope", "all")],
            expect=(200, 302),
            check=says_why,
        )
        self.get("/payments/batches", "finance: batches")


class Commissioner(PortalUser):
    kind = "commissioner"
    fixed_count = accounts_of(kind)

    @task
    def read_reports(self) -> None:
        self.get(f"/outcome-periods/{SETUP['period']}/table-f", "commissioner: Table F")
        self.get("/capacity/picture", "commissioner: capacity picture")


class Administrator(PortalUser):
    kind = "administrator"
    fixed_count = accounts_of(kind)

    @task
    def audit_trail(self) -> None:
        self.get("/audit", "administrator: audit trail")
        self.get("/audit?action=account.signed_in", "administrator: audit trail, sign-ins")


class LimitsProbe(PortalUser):
    """Fails sign-in for one email address on alternating instances until it is answered
    429, once, then stops: the refusals before it, across both instances, must be exactly the
    limit per account, which only a count shared in Redis gives (each instance's workers
    counting apart would let several times as many through)."""

    fixed_count = 1
    kind = ""

    @task
    def probe(self) -> None:
        limit = int(os.environ.get("LOADTEST_ACCOUNT_LIMIT", "20").split()[0])
        token = csrf_token(self.get("/sign-in", "limits probe: sign-in page").text)
        refused: Counter[str] = Counter()
        for _ in range(3 * limit):  # bounded: a shared count stops it at the limit
            answer = self.send(
                "POST",
                "/sign-in",
                "limits probe: wrong password",
                data={"email": PROBE_EMAIL, "password": "not the password", "csrf_token": token},
                expect=(200, 429),
            )
            where = instance_of(answer.url)
            if answer.status_code == 429:
                _probe.update(
                    limit=limit,
                    refused_before_429=sum(refused.values()),
                    by_instance=dict(refused),
                    answered_429_by=where,
                )
                break
            if answer.status_code != 200:
                _probe.update(limit=limit, refused_before_429=None, stopped_by=answer.status_code)
                break
            refused[where] += 1
        else:
            _probe.update(limit=limit, refused_before_429=None, by_instance=dict(refused))
        raise StopUser()
