"""Who is calling: the API key on each call, its limit, and the call's note in the audit
trail.

A call carries its key as ``Authorization: Bearer hcp_...``; nothing else signs it in (a
browser's session cookie is never read here, which is why the API's POSTs need no CSRF
token). The key is checked on every call, so one revoked or expired is refused at once.
Calls are counted per key by the sign-in forms' limiter (Flask-Limiter), and calls with a
key the portal refuses per address, at the sign-in forms' rate.

Every call is noted in the audit trail ("api.called": the method, path and status,
against the key, in the name of its maker), and every change it makes carries the key
(``audit_events.api_key_id``): in the call's own transaction when the call changes
something, in one of its own otherwise."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from flask_limiter.util import get_remote_address
from sqlalchemy import update

from portal.api.keys import Refusal, check_key, due_a_touch
from portal.api.models import ApiKey
from portal.audit.operations import AuditChange, record_many
from portal.audit.requests import API_CALLED
from portal.common.database import answered_in_json, commits, write_of_its_own
from portal.common.models import utcnow
from portal.common.problems import problem
from portal.extensions import db, limiter

F = TypeVar("F", bound=Callable[..., Any])

_CHALLENGE = 'Bearer realm="api"'


def _presented() -> str:
    """The key as the call gives it, or ""."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _per_key() -> str:
    """The limiter's name for the key presented: a hash, never the key."""
    return "api-key:" + hashlib.sha256(_presented().encode()).hexdigest()[:32]


per_key_limit = limiter.limit(
    lambda: str(current_app.config["API_LIMIT_PER_KEY"]), key_func=_per_key, scope="api-key"
)


def _checked() -> ApiKey | Refusal:
    """The key presented, checked once a call (the limiter asks first, then the view)."""
    token = _presented()
    checked = g.get("checked_key")
    if checked is None or checked[0] != token:
        checked = (token, check_key(token) if token else Refusal(""))
        g.checked_key = checked
    result: ApiKey | Refusal = checked[1]
    return result


# Only calls with a key the portal refuses count, and only they are held back: a guesser
# sharing an agency's address does not stop its system.
refused_key_limit = limiter.limit(
    lambda: str(current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"]),
    key_func=get_remote_address,
    scope="api-refused",
    exempt_when=lambda: isinstance(_checked(), ApiKey),
    deduct_when=lambda response: response.status_code == 401,
)


def key_required(view: F) -> F:
    """The call must carry a key that still works; the view finds it as ``current_key()``."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        answered_in_json()
        token = _presented()
        if not token:
            return problem(
                401,
                "Send your API key in the Authorization header: Authorization: Bearer hcp_...",
                headers={"WWW-Authenticate": _CHALLENGE},
            )
        found = _checked()
        if isinstance(found, Refusal):
            return problem(
                401,
                found.detail,
                headers={"WWW-Authenticate": f'{_CHALLENGE}, error="invalid_token"'},
            )
        g.api_key = found
        g.api_key_id = found.id  # the audit trail notes it on every change
        return view(*args, **kwargs)

    wrapper.access = "api-key"  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def current_key() -> ApiKey:
    key: ApiKey = g.api_key
    return key


def current_key_id() -> int:
    return current_key().id


def init_app(app: Flask) -> None:
    @app.teardown_request
    def forget_the_key(_error: BaseException | None) -> None:
        # A test's requests may share one application context, and so ``g``.
        g.pop("api_key", None)
        g.pop("api_key_id", None)
        g.pop("checked_key", None)

    @app.after_request
    def note_the_call(response: Response) -> Response:
        key: ApiKey | None = g.get("api_key")
        if key is None:
            return response
        now = utcnow()
        change = AuditChange(
            entity_id=key.id,
            provider_id=key.provider_id,
            before=None,
            after={
                "method": request.method,
                "path": request.path[:300],
                "status": response.status_code,
                "key": key.name,
            },
        )
        maker = _Maker(key.created_by_id)
        touch = due_a_touch(key, now)
        if commits(response):  # the note goes with the change
            _note(change, maker, key.id if touch else None, now)
        else:
            with write_of_its_own():
                _note(change, maker, key.id if touch else None, now)
        return response


class _Maker:
    """The key's maker, by id alone, as the audit trail records the actor."""

    def __init__(self, user_id: int) -> None:
        self.id = user_id


def _note(change: AuditChange, maker: _Maker, touch: int | None, now: Any) -> None:
    record_many(API_CALLED, ApiKey.__tablename__, [change], by=maker)
    if touch is not None:
        db.session.execute(update(ApiKey).where(ApiKey.id == touch).values(last_used_at=now))
