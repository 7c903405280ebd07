"""Every operation that creates money or changes a package happens once however often its
form is sent: four browsers send it at the same moment through connections of their own
(a double click, a second tab, a colleague), then one sends it again, and there is exactly
one effect, one audit event, and no error page.

On PostgreSQL the requests truly overlap and the operations' row locks decide; on SQLite
each waits its turn to write, as in test_races.py. Either way the second is told, or finds
nothing left to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.caseload import operations as caseload
from portal.caseload.extract import LAYOUT
from portal.common.dates import today
from portal.common.roles import Role
from portal.common.sheets import read_table
from portal.extensions import db
from portal.payments import operations as payments
from portal.payments.models import BatchFile, Payment, PaymentBatch, PaymentKind, PaymentRule
from portal.providers.models import PackageLine
from portal.recommendations import operations as recommendations
from tests.conftest import make_app
from tests.databases import create_database, drop_database
from tests.factories import UserFactory
from tests.fixtures import World, build_world
from tests.integration.caseload_files import one_line_extract
from tests.integration.helpers import date_parts
from tests.integration.records import submitted_reduction
from tests.integration.test_finance import _approved_payment, _person
from tests.integration.test_races import _all_at_once, _signed_in

SENDERS = 4


@dataclass(frozen=True)
class Operation:
    name: str
    role: Role
    # Given the world (in its own committed database), the records the form acts on:
    # returns the form's address and what it sends.
    prepare: Callable[[World], tuple[str, dict[str, Any]]]
    action: str  # the audit event the operation writes once
    effect: Callable[[], int]  # its effect, counted: 1 once done


def _count(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _approving(world: World) -> tuple[str, dict[str, Any]]:
    recommendation = submitted_reduction(world, _person(world.provider))
    return f"/review/{recommendation.id}", {
        "decision": "approve",
        "start_date": date_parts(recommendation.proposed_start_date),
    }


def _second_approval(world: World) -> tuple[str, dict[str, Any]]:
    rule = db.session.scalars(select(PaymentRule)).one()
    rule.second_approval_threshold_pence = 1  # every payment asks for a second approval
    recommendation = submitted_reduction(world, _person(world.provider))
    recommendations.approve(
        recommendation,
        by=world.users[Role.CARE_MANAGER],
        start_date=recommendation.proposed_start_date,
    )
    payment = recommendation.payment
    assert payment is not None
    return f"/payments/{payment.id}/second-approval", {"submit": "Approve"}


def _batching(world: World) -> tuple[str, dict[str, Any]]:
    for _ in range(3):
        _approved_payment(world, _person(world.provider))
    return "/payments", {"scope": "all"}


def _batch(world: World) -> PaymentBatch:
    _approved_payment(world, _person(world.provider))
    return payments.create_batch(provider_id=None, by=world.users[Role.FINANCE_OFFICER])


def _exporting(world: World) -> tuple[str, dict[str, Any]]:
    return f"/payments/batches/{_batch(world).id}/export", {}


def _exported(world: World) -> PaymentBatch:
    batch = _batch(world)
    payments.export_batch(batch, by=world.users[Role.FINANCE_OFFICER])
    return batch


def _marking_paid(world: World) -> tuple[str, dict[str, Any]]:
    return f"/payments/batches/{_exported(world).id}/paid", {"paid_on": date_parts(today())}


def _cancelling(world: World) -> tuple[str, dict[str, Any]]:
    payment = _approved_payment(world, _person(world.provider))
    return f"/payments/{payment.id}/cancel", {"reason": "Approved against the wrong person"}


def _reversing(world: World) -> tuple[str, dict[str, Any]]:
    payment = _exported(world).payments[0]
    return f"/payments/{payment.id}/reverse", {"reason": "Paid twice"}


def _applying(world: World) -> tuple[str, dict[str, Any]]:
    checked = caseload.check_file(
        read_table("extract.csv", one_line_extract(world), LAYOUT), extract_date=today(), full=False
    )
    preview = caseload.record_preview(
        checked, file_name="extract.csv", extract_date=today(), full=False, by=None
    )
    return f"/case-system/imports/{preview.id}/apply", {}


def _events(action: str) -> int:
    return _count(AuditEvent, AuditEvent.action == action)


OPERATIONS = [
    Operation(
        "approving a reduction",
        Role.CARE_MANAGER,
        _approving,
        "recommendation.approved",
        lambda: _count(Payment, Payment.kind == PaymentKind.PAYMENT),
    ),
    Operation(
        "a second approval",
        Role.COMMISSIONER,
        _second_approval,
        "payment.second_approval",
        lambda: _events("payment.second_approval"),
    ),
    Operation(
        "creating a batch",
        Role.FINANCE_OFFICER,
        _batching,
        "payment_batch.created",
        lambda: _count(PaymentBatch),
    ),
    Operation(
        "exporting a batch",
        Role.FINANCE_OFFICER,
        _exporting,
        "payment_batch.exported",
        lambda: _count(BatchFile) // 2,  # its CSV and its Excel file
    ),
    Operation(
        "marking a batch paid",
        Role.FINANCE_OFFICER,
        _marking_paid,
        "payment_batch.paid",
        lambda: _events("payment_batch.paid"),
    ),
    Operation(
        "cancelling a payment",
        Role.FINANCE_OFFICER,
        _cancelling,
        "payment.cancelled",
        lambda: _events("payment.cancelled"),
    ),
    Operation(
        "reversing a payment",
        Role.FINANCE_OFFICER,
        _reversing,
        "payment.reversal_created",
        lambda: _count(Payment, Payment.kind == PaymentKind.REVERSAL),
    ),
    Operation(
        "applying a case system import",
        Role.COMMISSIONER,
        _applying,
        "caseload_import.applied",
        lambda: _count(PackageLine, PackageLine.case_system_line_id == "L900"),
    ),
]


@pytest.fixture
def own_database(tmp_path: Path) -> Iterator[tuple[Flask, World]]:
    """A database of the test's own, committed for real, so each sender's request runs on
    a connection of its own."""
    url = create_database(tmp_path, "once")
    app = make_app(url)
    try:
        with app.app_context():
            flask_migrate.upgrade()
            yield app, build_world(db.session)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(url)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.name)
def test_sent_at_once_and_again_it_happens_once(
    own_database: tuple[Flask, World], operation: Operation
) -> None:
    app, world = own_database
    url, form = operation.prepare(world)
    # Each sender a person of the role, signed in in a browser of their own.
    senders = [world.users[operation.role]] + [
        UserFactory(roles=[operation.role]) for _ in range(SENDERS - 1)
    ]
    db.session.commit()
    emails = [sender.email for sender in senders]
    assert operation.effect() == 0
    db.session.remove()

    clients = _signed_in(app, emails)

    def send(index: int) -> tuple[int, str]:
        response = clients[index].post(url, data=form)
        return response.status_code, response.get_data(as_text=True)

    results = _all_at_once(SENDERS, send)
    results.append(send(0))  # and the first sends it again

    assert all(status < 500 for status, _ in results), [status for status, _ in results]
    assert operation.effect() == 1
    assert _events(operation.action) == 1
