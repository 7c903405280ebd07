"""Payments are told, they do not ask: an approved reduction hands payments a claim, and a
payment reaches no recommendation through the ORM. (That no module of portal.payments
imports portal.recommendations is an import contract in pyproject.toml, run by make lint.)"""

from __future__ import annotations

from sqlalchemy import inspect

from portal.payments.models import Payment


def test_a_payment_has_no_relationship_to_its_recommendation() -> None:
    """It keeps the recommendation's id as a plain reference, and what it shows of the
    approval in its own columns."""
    tables = {rel.mapper.local_table.name for rel in inspect(Payment).relationships}
    assert "recommendations" not in tables
    assert {"recommendation_reference", "first_approved_at", "first_approved_by_id"} <= set(
        Payment.__table__.columns.keys()
    )
