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

from flask import abort
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
