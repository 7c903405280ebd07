"""Errors as the API answers them: RFC 9457 problem details (``application/problem+json``).

The API (portal/api) lives under ``API_PREFIX``; every error there, whether its view raised
it, no route matched, the rate limiter refused or the server failed, is answered in this
form rather than as a page (common/errors.py asks ``answers_in_json``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Response, request

API_PREFIX = "/api/"
PROBLEM_JSON = "application/problem+json"
# Where the developers' guide explains each kind of problem: ``type`` is this plus a
# fragment, e.g. "/developers/api#problem-validation".
GUIDE_PATH = "/developers/api"

TITLES = {
    400: "The request could not be read",
    401: "An API key is needed",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "The request conflicts with the record as it is",
    412: "The record has changed since you read it",
    413: "The request is too large",
    415: "The request must be JSON",
    422: "The request has problems",
    428: "Say which version of the record you are changing",
    429: "Too many requests",
    500: "Something went wrong at the portal",
}
# The fragment of the guide for each status's problem type.
KINDS = {
    400: "unreadable",
    401: "authentication",
    404: "not-found",
    409: "conflict",
    412: "changed",
    422: "validation",
    428: "if-match-needed",
    429: "rate-limited",
}


def answers_in_json() -> bool:
    """Whether this request is to the API, whose errors are problem details."""
    return request.path.startswith(API_PREFIX)


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: Sequence[Mapping[str, str]] = (),
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """A problem details response: ``errors`` each name where the problem is (``pointer``
    into the JSON body, or ``parameter`` of the query) and say what it is (``detail``)."""
    body: dict[str, Any] = {
        "type": f"{request.host_url.rstrip('/')}{GUIDE_PATH}#problem-{KINDS[status]}"
        if status in KINDS
        else "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    if errors:
        body["errors"] = [dict(error) for error in errors]
    if extra:
        body.update(extra)
    response = Response(json.dumps(body, ensure_ascii=False), status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def located(messages: Mapping[str, Any]) -> list[dict[str, str]]:
    """webargs' validation messages, by where they were found ({"json": {"answers": {"0":
    {"evidence": ["..."]}}}, "query": {"page": ["..."]}}), as problem details' errors: a
    JSON pointer into the body, or the query parameter or header named."""
    found: list[dict[str, str]] = []
    for location, tree in messages.items():
        key = {"json": "pointer", "query": "parameter", "headers": "header"}.get(location, location)
        for path, detail in _leaves(tree, ()):
            if key == "pointer":
                where = "/" + "/".join(_escaped(part) for part in path) if path else ""
                where = where or "/"
            else:
                where = ".".join(path)
            found.append({key: where, "detail": detail})
    return found


def _leaves(tree: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
    if isinstance(tree, Mapping):
        leaves = []
        for name, below in tree.items():
            # marshmallow keys a whole schema's own errors "_schema": they are the parent's.
            step = () if name == "_schema" else (str(name),)
            leaves += _leaves(below, path + step)
        return leaves
    if isinstance(tree, list | tuple):
        if all(isinstance(item, str) for item in tree):
            return [(path, str(item)) for item in tree]
        leaves = []
        for item in tree:
            leaves += _leaves(item, path)
        return leaves
    return [(path, str(tree))]


def _escaped(part: str) -> str:
    """A JSON pointer's reference token (RFC 6901): ~ and / escaped."""
    return part.replace("~", "~0").replace("/", "~1")
