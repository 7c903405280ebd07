"""Multi-factor sign-in for tests: an account enrolled with a known key, the code its app
would show, and signing in with the password and then the code."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp

from portal.accounts.mfa import keys
from portal.accounts.mfa.operations import _new_recovery_codes
from portal.accounts.models import User
from portal.common.models import utcnow
from portal.extensions import db
from tests.factories import PASSWORD


def enrolled(user: User) -> str:
    """Enrol ``user`` with a new key, as if they had set up their app; returns the key."""
    secret = keys.new_secret()
    user.mfa_secret = keys.seal(secret)
    user.mfa_enrolled_at = utcnow()
    db.session.commit()
    return secret


def recovery_codes_for(user: User) -> list[str]:
    """New recovery codes for ``user``, enrolled, as enrolment makes them (without a code
    from the app, which would use up this time step's)."""
    codes = _new_recovery_codes(user)
    db.session.commit()
    return codes


def code(secret: str, *, steps: int = 0) -> str:
    """The code the app shows now (or ``steps`` time steps from now)."""
    return pyotp.TOTP(secret).at(time.time(), counter_offset=steps)


def unused_code(secret: str, user: User) -> str:
    """A code within the window that has not been accepted yet: now, or the next step's."""
    db.session.refresh(user)
    now = pyotp.TOTP(secret).timecode(time.time())
    used = user.mfa_last_step
    steps = 0 if used is None or used < now else used - now + 1
    return code(secret, steps=steps)


def sign_in_with_code(client: Any, user: User, secret: str) -> Any:
    """Password, then a code not used before; returns the code page's answer."""
    answer = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert answer.status_code == 302 and answer.location.endswith("/sign-in/code")
    return client.post("/sign-in/code", data={"code": unused_code(secret, user)})


def setup_key(page: str) -> str:
    """The key the enrolment page shows as text, without its spaces."""
    found = re.search(r'id="setup-key">([A-Z2-7 ]+)<', page)
    assert found, "no key shown as text"
    return found.group(1).replace(" ", "")


def recovery_codes(page: str) -> list[str]:
    listed = re.search(r'id="recovery-codes">(.*?)</ol>', page, flags=re.S)
    assert listed, "no recovery codes shown"
    return re.findall(r"<li>([a-z0-9-]+)</li>", listed.group(1))
