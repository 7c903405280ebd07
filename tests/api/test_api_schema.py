"""schemathesis, run against the OpenAPI document the portal serves: calls made from the
document's own schemas (and calls that break them) never meet a server error, and every
answer is one the document describes (its status, content type, headers and body).

Half the calls are about records the key's provider does hold (the world's quarter and
person), so they reach past the 404 and into the rules; the rest are about whatever ids
schemathesis makes up."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.extensions import db
from tests.api.helpers import key_for
from tests.fixtures import World
from tests.integration.records import exported_batch, submitted_reduction

EXAMPLES = 50
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


# The calls the document describes, by method and path: each is one test below.
OPERATIONS = [
    ("GET", "/api/v1/quarters"),
    ("GET", "/api/v1/quarters/{period_id}/returns"),
    ("GET", "/api/v1/quarters/{period_id}/returns/{service_user_id}"),
    ("PATCH", "/api/v1/quarters/{period_id}/returns/{service_user_id}"),
    ("POST", "/api/v1/quarters/{period_id}/returns/{service_user_id}/submit"),
    ("POST", "/api/v1/quarters/{period_id}/submissions"),
    ("GET", "/api/v1/capacity-returns"),
    ("GET", "/api/v1/capacity-returns/{year}/{month}"),
    ("PUT", "/api/v1/capacity-returns/{year}/{month}"),
    ("POST", "/api/v1/capacity-returns/{year}/{month}/unchanged"),
    ("POST", "/api/v1/capacity-returns/{year}/{month}/nil"),
    ("GET", "/api/v1/recommendations"),
    ("GET", "/api/v1/recommendations/{recommendation_id}"),
    ("GET", "/api/v1/payments"),
    ("GET", "/api/v1/remittances"),
    ("GET", "/api/v1/remittances/{batch_id}"),
]
DAY = dt.date(2026, 11, 10)  # inside November's capacity window


@pytest.fixture(autouse=True)
def _on_the_10th(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("portal.capacity.operations", "portal.api.v1.capacity"):
        monkeypatch.setattr(f"{module}.today", lambda: DAY)


MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


def test_every_call_in_the_document_is_tried(app: Flask) -> None:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    described = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert described == set(OPERATIONS)


@pytest.mark.parametrize("mode", MODES, ids=lambda mode: mode.value)
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_the_api_keeps_to_its_document(
    app: Flask, world: World, method: str, path: str, mode: GenerationMode
) -> None:
    token = key_for(world.provider)
    reduction = submitted_reduction(world, world.person)
    batch = exported_batch(world, reduction)
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path][method]
    held = {
        "period_id": world.period.id,
        "service_user_id": world.person.id,
        "year": DAY.year,
        "month": DAY.month,
        "recommendation_id": reduction.id,
        "batch_id": batch.id,
    }

    @given(case=operation.as_strategy(generation_mode=mode), ours=st.booleans())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def keeps_to_it(case: Any, ours: bool) -> None:
        if ours and case.path_parameters:
            case.path_parameters = {name: held[name] for name in case.path_parameters}
        # Set on the case, so schemathesis checks it again: a part it made invalid and this
        # replaced is valid once more, and the call is judged as such.
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
        case.call_and_validate(checks=CHECKS)

    keeps_to_it()
