"""Batches: each payment in exactly one batch; an exported batch never changes."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.roles import Role
from portal.extensions import db
from portal.payments.models import Payment, PaymentBatch, PaymentStatus
from portal.recommendations import operations
from tests.client import text_of
from tests.fixtures import World
from tests.integration.records import submitted_reduction


def _approved_payment(world: World) -> Payment:
    recommendation = submitted_reduction(world, world.person)
    operations.approve(
        recommendation,
        by=world.users[Role.CARE_MANAGER],
        start_date=recommendation.proposed_start_date,
    )
    db.session.commit()
    return db.session.scalar(select(Payment))


def test_a_batch_needs_at_least_one_payment(as_role, world: World) -> None:
    _approved_payment(world)
    response = as_role(Role.FINANCE_OFFICER).post("/payments", data={})
    assert response.status_code == 200
    assert "Select at least one payment to put in the batch" in text_of(response)
    assert db.session.scalar(select(PaymentBatch)) is None


def test_a_payment_cannot_go_into_two_batches(as_role, world: World) -> None:
    payment = _approved_payment(world)
    client = as_role(Role.FINANCE_OFFICER)
    assert client.post("/payments", data={"payment_ids": [str(payment.id)]}).status_code == 302
    response = client.post("/payments", data={"payment_ids": [str(payment.id)]})
    assert response.status_code == 200
    assert "already in a batch" in text_of(response)
    assert len(db.session.scalars(select(PaymentBatch)).all()) == 1
    assert payment.status == PaymentStatus.BATCHED


def test_an_exported_batch_cannot_be_exported_again(as_role, world: World) -> None:
    payment = _approved_payment(world)
    client = as_role(Role.FINANCE_OFFICER)
    client.post("/payments", data={"payment_ids": [str(payment.id)]})
    batch = db.session.scalar(select(PaymentBatch))
    assert client.post(f"/payments/batches/{batch.id}").status_code == 302
    exported_at = batch.exported_at
    page = client.get(f"/payments/batches/{batch.id}")
    assert "Export payment list" not in text_of(page)
    assert "Download the payment list (CSV)" in text_of(page)
    response = client.post(f"/payments/batches/{batch.id}")
    assert "This batch has already been exported" in text_of(response)
    assert batch.exported_at == exported_at
    assert payment.status == PaymentStatus.EXPORTED
