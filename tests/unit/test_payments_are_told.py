"""Payments are told, they do not ask: an approved reduction hands payments a claim, so no
module of portal.payments imports portal.recommendations and a payment reaches no
recommendation through the ORM. Recommendations may import payments; never the reverse."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import inspect

import portal.payments
from portal.payments.models import Payment

PAYMENTS = Path(portal.payments.__file__).parent


def _imported(path: Path) -> Iterator[str]:
    """Every module the file imports, and each name taken from one (``from portal import
    recommendations`` imports portal.recommendations too); relative imports made absolute."""
    package = ["portal", "payments", *path.relative_to(PAYMENTS).parent.parts]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def test_no_payments_module_imports_recommendations() -> None:
    reaching = sorted(
        f"{path.relative_to(PAYMENTS)} imports {name}"
        for path in PAYMENTS.rglob("*.py")
        for name in _imported(path)
        if name == "portal.recommendations" or name.startswith("portal.recommendations.")
    )
    assert reaching == []


def test_a_payment_has_no_relationship_to_its_recommendation() -> None:
    """It keeps the recommendation's id as a plain reference, and what it shows of the
    approval in its own columns."""
    tables = {rel.mapper.local_table.name for rel in inspect(Payment).relationships}
    assert "recommendations" not in tables
    assert {"recommendation_reference", "first_approved_at", "first_approved_by_id"} <= set(
        Payment.__table__.columns.keys()
    )
