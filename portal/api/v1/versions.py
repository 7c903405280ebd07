"""Versions of a record, as ETags: every answer holding a record names its version, and a
change must name the version it changes (``If-Match``), so two writers never overwrite
one another unseen.

An ETag is a hash of the record as the API shows it, so any change anyone makes to it
(on a form, by upload or through the API) gives it a new one."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Response, request
from marshmallow import Schema

from portal.common.problems import problem


def etag_of(schema: Schema, body: dict[str, Any]) -> str:
    dumped = schema.dump(body)
    canonical = json.dumps(dumped, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:40]


def answered(schema: Schema, body: dict[str, Any], status: int = 200) -> Response:
    """The record, with its ETag."""
    dumped = schema.dump(body)
    response = Response(json.dumps(dumped, ensure_ascii=False), status, mimetype="application/json")
    response.set_etag(etag_of(schema, body))
    return response


def precondition(
    schema: Schema, current: dict[str, Any], *, needed: bool, what: str
) -> Response | None:
    """Refuse a change to any version of ``what`` ("this return") but the one the caller
    last read: 428 with no If-Match where one is ``needed``, 412 with one out of date."""
    if not request.if_match:
        if needed:
            return problem(
                428,
                f"Send the ETag you last read of {what} in an If-Match header, so a change "
                "made since (on the portal, or by another system) is not overwritten",
            )
        return None
    if not request.if_match.star_tag and not request.if_match.contains(etag_of(schema, current)):
        return problem(
            412,
            f"{what[0].upper()}{what[1:]} has changed since you read it: read it again, and "
            "make your change to what it holds now",
        )
    return None
