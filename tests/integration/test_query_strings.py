"""Every page, asked with hostile values in every query argument the portal reads (a NUL,
other control characters, "²" that str.isdigit takes and int() refuses, digits beyond any
database integer), answers as it would for a value it does not recognise: never an error."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from flask import Flask

from portal.common.roles import Role
from tests.fixtures import World, sign_in
from tests.integration.test_routes_access import _rules, committed_records

# Every name a view reads from request.args (grep request.args in portal/).
ARGUMENTS = (
    "q",
    "page",
    "provider",
    "contract",
    "quadrant",
    "kind",
    "state",
    "assigned",
    "year",
    "month",
    "next",
)

HOSTILE = ["Mar\x00garet", "\x1f", "²", "9" * 40, "2147483648", "-1", "١٢"]


def _role_for(access: str) -> Role | None:
    if not access.startswith("roles:"):
        return None
    return Role(access.removeprefix("roles:").split(",")[0])


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_no_query_argument_breaks_a_page(app: Flask, client, world: World, value: str) -> None:
    arguments = committed_records(world)
    query = "?" + urlencode(dict.fromkeys(ARGUMENTS, value))
    signed_in_as: Role | None = None
    checked = 0
    for rule in sorted(_rules(app), key=lambda rule: app.view_functions[rule.endpoint].access):
        if "GET" not in (rule.methods or ()):
            continue
        role = _role_for(app.view_functions[rule.endpoint].access)
        if role is not None and role != signed_in_as:
            sign_in(client, world.users[role])
            signed_in_as = role
        path = rule.build({name: arguments[name] for name in rule.arguments}, False)[1]
        response = client.get(path + query)
        assert response.status_code < 500, path
        response.close()
        checked += 1
    assert checked >= 40
