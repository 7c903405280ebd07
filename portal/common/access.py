"""Access is declared on every view.

Each decorator records what it allows on the view function (``view.access``), and
``tests/integration/test_routes_access.py`` walks ``app.url_map`` and fails on any endpoint
that has no declaration. Scoping to a provider happens in the queries, which take the
provider id in their signature; these decorators decide only who may open a view at all.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, url_for
from flask_login import current_user

from portal.common.roles import Role

F = TypeVar("F", bound=Callable[..., Any])


def _declare(view: Callable[..., Any], declaration: str) -> None:
    view.access = declaration  # type: ignore[attr-defined]


def public(view: F) -> F:
    """Open to anyone, signed in or not (sign-in page, accessibility statement)."""
    _declare(view, "public")
    return view


def signed_in(view: F) -> F:
    """Any signed-in account, whatever its roles."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            from portal.extensions import login_manager

            return login_manager.unauthorized()
        return view(*args, **kwargs)

    _declare(wrapper, "signed-in")
    return wrapper  # type: ignore[return-value]


# Set by the session loader (accounts/sessions.py) for a session past the password whose
# second factor is still to come; common knows it by this name alone.
_PENDING_USER = "second_factor_pending"


def _password_only() -> bool:
    _ = current_user.is_authenticated  # loads the session, which notes a password-only one
    return g.get(_PENDING_USER) is not None


def second_step(view: F) -> F:
    """Between the password and the second factor only (typing a one-time code, setting up
    an authenticator app). Someone signed in is sent home; anyone else, to sign in."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _password_only():
            return view(*args, **kwargs)
        if current_user.is_authenticated:
            return redirect(url_for("accounts.home"))
        from portal.extensions import login_manager

        return login_manager.unauthorized()

    _declare(wrapper, "second-step")
    return wrapper  # type: ignore[return-value]


def password_accepted(view: F) -> F:
    """Signed in, or past the password with the second factor still to come (signing out)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not (current_user.is_authenticated or _password_only()):
            from portal.extensions import login_manager

            return login_manager.unauthorized()
        return view(*args, **kwargs)

    _declare(wrapper, "password-accepted")
    return wrapper  # type: ignore[return-value]


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Signed in and holding at least one of ``roles``; anyone else gets 403."""
    allowed = frozenset(roles)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from portal.extensions import login_manager

                return login_manager.unauthorized()
            if not current_user.has_any_role(allowed):
                abort(403)
            return view(*args, **kwargs)

        _declare(wrapper, "roles:" + ",".join(sorted(r.value for r in allowed)))
        return wrapper  # type: ignore[return-value]

    return decorator
