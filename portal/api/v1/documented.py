"""How a call may be refused, written into the OpenAPI document: every refusal is a
problem details body (``application/problem+json``, common/problems.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask_smorest import Blueprint

from portal.api.v1.schemas import ProblemDetails
from portal.common.problems import PROBLEM_JSON

F = TypeVar("F", bound=Callable[..., Any])

# Why each status is answered, as the document says it.
REFUSALS = {
    400: "The body is not JSON, or a header is unusable",
    401: "No key, or one that no longer works",
    404: "No such record for your key",
    409: "The record is not in a state to do that",
    412: "The record changed since you read it",
    405: "The address does not take this method (or names no record)",
    413: "The request is too large",
    422: "What was sent breaks a rule: each problem is listed in errors",
    428: "If-Match is needed",
    429: "Too many calls with this key",
}


def refused(blueprint: Blueprint, *statuses: int) -> Callable[[F], F]:
    """Document that the view may answer each of ``statuses``, and with what, beside the
    refusals every call may meet (no key, an address that takes no such method, too many
    calls)."""

    def decorator(view: F) -> F:
        for status in sorted({401, 405, 429, *statuses}, reverse=True):
            view = blueprint.alt_response(
                status,
                schema=ProblemDetails,
                content_type=PROBLEM_JSON,
                description=REFUSALS[status],
            )(view)
        return view

    return decorator
