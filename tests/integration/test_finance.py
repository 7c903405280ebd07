"""Finance: batches that take each payment once, payment lists fixed at export, cancelling
before export and reversing after it, marking paid, remittances and the monthly summary."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
import time
from pathlib import Path

import flask_migrate
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.common.dates import FinancialYear, today
from portal.common.errors import DomainError
from portal.common.roles import Role
from portal.extensions import db
from portal.payments import operations as payments
from portal.payments.models import (
    BatchStatus,
    Payment,
    PaymentBatch,
    PaymentKind,
    PaymentStatus,
)
from portal.payments.summary import finance_summary
from portal.providers.models import Provider, ServiceUser
from portal.recommendations import operations as recommendations
from tests.client import text_of
from tests.conftest import make_app
from tests.databases import backend_name, create_database, drop_database
from tests.factories import PackageLineFactory, ServiceUserFactory, UserFactory
from tests.fixtures import World, build_world, sign_in
from tests.integration.helpers import date_parts
from tests.integration.records import submitted_reduction


def _approved_payment(world: World, person: ServiceUser) -> Payment:
    recommendation = submitted_reduction(world, person)
    recommendations.approve(
        recommendation,
        by=world.users[Role.CARE_MANAGER],
        start_date=recommendation.proposed_start_date,
    )
    payment = recommendation.payment
    assert payment is not None and payment.status == PaymentStatus.APPROVED
    return payment


def _person(provider: Provider) -> ServiceUser:
    person = ServiceUserFactory(provider=provider)
    PackageLineFactory(service_user=person)
    return person  # type: ignore[no-any-return]


def _exported(world: World, *people: ServiceUser) -> PaymentBatch:
    for person in people:
        _approved_payment(world, person)
    batch = payments.create_batch(provider_id=None, by=world.users[Role.FINANCE_OFFICER])
    payments.export_batch(batch, by=world.users[Role.FINANCE_OFFICER])
    return batch


# Batches -----------------------------------------------------------------------------


def test_a_batch_takes_every_ready_payment_or_one_providers(as_role, world: World) -> None:
    mine = _approved_payment(world, world.person)
    theirs = _approved_payment(world, world.other_person)
    db.session.commit()
    client = as_role(Role.FINANCE_OFFICER)
    page = text_of(client.get("/payments"))
    assert "2 payments approved and not yet in a batch, £574.00 in all" in page
    assert "Brightwater Home Care 1 £287.00" in page  # the by-provider totals

    response = client.post("/payments", data={"scope": "provider"})
    assert "Select the provider" in text_of(response)
    response = client.post(
        "/payments", data={"scope": "provider", "provider_id": str(world.provider.id)}
    )
    assert response.status_code == 302
    first = db.session.scalars(select(PaymentBatch)).one()
    assert first.reference == f"PB{first.id:06d}"
    assert [p.id for p in first.payments] == [mine.id]
    assert theirs.batch_id is None

    assert client.post("/payments", data={"scope": "all"}).status_code == 302
    assert theirs.batch is not None and theirs.batch.id != first.id
    # Nothing is left: another batch is refused, with the reason.
    refused = text_of(client.post("/payments", data={"scope": "all"}))
    assert "There are no payments ready to batch" in refused
    assert db.session.scalar(select(func.count(PaymentBatch.id))) == 2


@pytest.mark.skipif(
    backend_name() != "postgresql", reason="row locks between two connections need PostgreSQL"
)
def test_two_officers_batching_at_once_put_each_payment_in_one_batch(tmp_path: Path) -> None:
    """Two real connections create batches of every ready payment at the same moment."""
    url = create_database(tmp_path, "batches")
    app = make_app(url)
    try:
        with app.app_context():
            flask_migrate.upgrade()
            world = build_world(db.session)
            for _ in range(5):
                _approved_payment(world, _person(world.provider))
            second_officer = UserFactory(roles=[Role.FINANCE_OFFICER])
            db.session.commit()
            officer_ids = [world.users[Role.FINANCE_OFFICER].id, second_officer.id]

        start = threading.Barrier(2)
        outcomes: dict[int, str] = {}

        def create(officer_id: int) -> None:
            with app.app_context():
                from portal.accounts.models import User

                officer = db.session.get(User, officer_id)
                start.wait(5)
                try:
                    batch = payments.create_batch(provider_id=None, by=officer)
                    time.sleep(0.3)  # hold the locks while the other officer tries
                    db.session.commit()
                    outcomes[officer_id] = f"batch of {len(batch.payments)}"
                except DomainError as error:
                    db.session.rollback()
                    outcomes[officer_id] = error.message
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=create, args=(i,)) for i in officer_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)

        made, refused = sorted(outcomes.values(), key=lambda text: not text.startswith("batch"))
        assert made == "batch of 5"
        assert refused.startswith("There are no payments ready to batch")
        with app.app_context():
            rows = db.session.execute(select(Payment.batch_id, Payment.status)).all()
            assert len(rows) == 5
            assert len({batch_id for batch_id, _ in rows}) == 1  # all in the one batch
            assert {status for _, status in rows} == {PaymentStatus.BATCHED}
            assert db.session.scalar(select(func.count(PaymentBatch.id))) == 1
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_database(url)


# Export ------------------------------------------------------------------------------


def test_the_payment_list_is_fixed_at_export(as_role, world: World) -> None:
    world.provider.name = '=HYPERLINK("http://evil.example","Brightwater")'
    world.provider.supplier_reference = "+SUP1"
    _approved_payment(world, world.person)
    _approved_payment(world, world.other_person)
    db.session.commit()
    client = as_role(Role.FINANCE_OFFICER)
    client.post("/payments", data={"scope": "all"})
    batch = db.session.scalars(select(PaymentBatch)).one()
    # Before export there is no list to download.
    assert client.get(f"/payments/batches/{batch.id}/payment-list.csv").status_code == 404
    assert client.post(f"/payments/batches/{batch.id}/export").status_code == 302
    assert batch.status == BatchStatus.EXPORTED
    # Each payment is exported, with its own audit event: who, when, before and after.
    db.session.expire_all()
    payments = db.session.scalars(select(Payment).where(Payment.batch_id == batch.id)).all()
    assert {p.status for p in payments} == {PaymentStatus.EXPORTED}
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "payment.exported")
    ).all()
    assert sorted(e.entity_id for e in events) == sorted(p.id for p in payments)
    assert {(e.actor_id, e.provider_id) for e in events} == {
        (world.users[Role.FINANCE_OFFICER].id, p.provider_id) for p in payments
    }
    assert all(
        e.before == {"status": "batched"} and e.after == {"status": "exported"} for e in events
    )
    assert all(e.occurred_at is not None for e in events)

    first_csv = client.get(f"/payments/batches/{batch.id}/payment-list.csv").get_data()
    first_xlsx = client.get(f"/payments/batches/{batch.id}/payment-list.xlsx").get_data()
    rows = list(csv.DictReader(io.StringIO(first_csv.decode())))
    assert [row["provider_name"] for row in rows] == [
        '\'=HYPERLINK("http://evil.example","Brightwater")',  # never a formula
        "Rival Care Ltd",
    ]
    assert rows[0]["supplier_reference"] == "'+SUP1"
    assert [row["amount_gbp"] for row in rows] == ["287.00", "287.00"]
    assert {(row["cost_centre"], row["nominal_code"]) for row in rows} == {("HC4100", "5210")}
    assert rows[0]["payment_type"] == "payment"
    assert rows[0]["approval_date"] == today().isoformat()

    sheet = load_workbook(io.BytesIO(first_xlsx)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][3] == "amount_gbp"
    assert float(values[1][3]) == 287.0  # type: ignore[arg-type]  # a number, not text
    name_cell = sheet.cell(row=2, column=3)
    assert name_cell.data_type == "s" and str(name_cell.value).startswith("'=")

    # The council changes its codes; the exported list does not change, byte for byte.
    settings_client = as_role(Role.COMMISSIONER)
    settings_client.post(
        "/settings",
        data={
            "decision_target_working_days": "10",
            "outcome_return_due_days": "14",
            "capacity_opens_day": "8",
            "capacity_closes_day": "14",
            "wage_floor": "12.71",
            "smallest_comparable_sample": "30",
            "cost_centre": "ZZ9999",
            "nominal_code": "9999",
        },
    )
    client = as_role(Role.FINANCE_OFFICER)
    assert client.get(f"/payments/batches/{batch.id}/payment-list.csv").get_data() == first_csv
    assert client.get(f"/payments/batches/{batch.id}/payment-list.xlsx").get_data() == first_xlsx
    # And the batch cannot change: not exported again, its payments not cancelled.
    assert "already been exported" in text_of(client.post(f"/payments/batches/{batch.id}/export"))
    refused = text_of(
        client.post(f"/payments/{batch.payments[0].id}/cancel", data={"reason": "Mistake"})
    )
    assert "can no longer be cancelled, only reversed" in refused


def test_export_needs_the_councils_ledger_codes(as_role, world: World) -> None:
    from portal.council.models import get_settings

    get_settings().cost_centre = ""
    _approved_payment(world, world.person)
    db.session.commit()
    client = as_role(Role.FINANCE_OFFICER)
    client.post("/payments", data={"scope": "all"})
    batch = db.session.scalars(select(PaymentBatch)).one()
    page = text_of(client.post(f"/payments/batches/{batch.id}/export"))
    assert "ask a commissioner to set them in Settings" in page
    assert batch.status == BatchStatus.OPEN


# Cancelling, reversing and paying ------------------------------------------------------


def test_cancelling_before_export_needs_a_reason_and_keeps_the_record(
    as_role, world: World
) -> None:
    payment = _approved_payment(world, world.person)
    db.session.commit()
    client = as_role(Role.FINANCE_OFFICER)
    client.post("/payments", data={"scope": "all"})
    batch = payment.batch
    assert batch is not None
    page = text_of(client.post(f"/payments/{payment.id}/cancel", data={"reason": " "}))
    assert "Enter why the payment is being cancelled" in page
    response = client.post(
        f"/payments/{payment.id}/cancel", data={"reason": "The care manager approved in error"}
    )
    assert response.status_code == 302
    assert payment.status == PaymentStatus.CANCELLED
    assert payment.batch_id is None  # it left the open batch
    assert payment.reason == "The care manager approved in error"
    assert db.session.get(Payment, payment.id) is not None  # never deleted
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "payment.cancelled")
    ).one()
    assert event.before["status"] == "batched" and event.after["status"] == "cancelled"
    assert "Cancelled" in text_of(client.get(f"/payments/{payment.id}"))


def test_a_reversal_goes_into_a_later_batch_and_nets_to_zero(as_role, world: World) -> None:
    first = _exported(world, world.person)
    paid = first.payments[0]
    first_file = first.status, len(first.payments)
    db.session.commit()
    client = as_role(Role.FINANCE_OFFICER)
    assert "Enter why" in text_of(client.post(f"/payments/{paid.id}/reverse", data={}))
    response = client.post(f"/payments/{paid.id}/reverse", data={"reason": "Paid twice"})
    assert response.status_code == 302
    reversal = db.session.scalars(select(Payment).where(Payment.kind == PaymentKind.REVERSAL)).one()
    assert reversal.amount_pence == -paid.amount_pence
    assert reversal.reference == f"{paid.reference}-R"
    assert reversal.status == PaymentStatus.APPROVED and reversal.batch_id is None
    # It names the same recommendation and approval as the payment it takes back.
    assert (
        reversal.recommendation_reference,
        reversal.first_approved_at,
        reversal.first_approved_by_id,
    ) == (paid.recommendation_reference, paid.first_approved_at, paid.first_approved_by_id)
    # Only once.
    again = text_of(client.post(f"/payments/{paid.id}/reverse", data={"reason": "Again"}))
    assert "has already been reversed" in again

    client.post("/payments", data={"scope": "all"})
    later = reversal.batch
    assert later is not None and later.id != first.id
    assert client.post(f"/payments/batches/{later.id}/export").status_code == 302
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"/payments/batches/{later.id}/payment-list.csv").text)
        )
    )
    assert [(row["payment_type"], row["amount_gbp"]) for row in rows] == [("reversal", "-287.00")]
    # The first batch is as it was; the two batches net to nothing.
    assert (first.status, len(first.payments)) == first_file
    net = db.session.scalar(
        select(func.sum(Payment.amount_pence)).where(Payment.batch_id.in_([first.id, later.id]))
    )
    assert net == 0


def test_marking_paid_records_the_date_and_providers_see_it(as_role, world: World) -> None:
    batch = _exported(world, world.person)
    db.session.commit()
    client = as_role(Role.FINANCE_OFFICER)
    tomorrow = today() + dt.timedelta(days=1)
    page = text_of(
        client.post(f"/payments/batches/{batch.id}/paid", data={"paid_on": date_parts(tomorrow)})
    )
    assert "The payment date cannot be in the future" in page
    response = client.post(
        f"/payments/batches/{batch.id}/paid", data={"paid_on": date_parts(today())}
    )
    assert response.status_code == 302
    assert batch.status == BatchStatus.PAID and batch.paid_on == today()
    assert batch.payments[0].status == PaymentStatus.PAID
    again = text_of(
        client.post(f"/payments/batches/{batch.id}/paid", data={"paid_on": date_parts(today())})
    )
    assert "already marked paid" in again

    provider = as_role(Role.PROVIDER_MANAGER)
    mine = text_of(provider.get("/payments/yours"))
    assert f"{batch.reference} Paid" in mine
    assert "Paid" in mine.split("Each payment")[1]


def test_remittances_are_the_providers_own(client, world: World) -> None:
    batch = _exported(world, world.person, world.other_person)
    db.session.commit()
    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    own = client.get(f"/payments/batches/{batch.id}/remittances/{world.provider.id}.pdf")
    assert own.status_code == 200
    assert own.mimetype == "application/pdf" and own.get_data().startswith(b"%PDF")
    other = client.get(f"/payments/batches/{batch.id}/remittances/{world.other_provider.id}.pdf")
    assert other.status_code == 404
    client.post("/sign-out")
    sign_in(client, world.users[Role.FINANCE_OFFICER])
    for provider in (world.provider, world.other_provider):
        response = client.get(f"/payments/batches/{batch.id}/remittances/{provider.id}.pdf")
        assert response.status_code == 200


def test_the_monthly_summary_adds_up_to_the_batches(world: World) -> None:
    people = [_person(world.provider) for _ in range(3)] + [world.other_person]
    first = _exported(world, *people[:2])
    second = _exported(world, *people[2:])
    payments.reverse_payment(
        first.payments[0], reason="Paid twice", by=world.users[Role.FINANCE_OFFICER]
    )
    third = payments.create_batch(provider_id=None, by=world.users[Role.FINANCE_OFFICER])
    payments.export_batch(third, by=world.users[Role.FINANCE_OFFICER])
    db.session.flush()

    [month] = finance_summary()
    batch_totals = [sum(p.amount_pence for p in b.payments) for b in (first, second, third)]
    assert month.batches == 3
    assert month.total_pence == sum(batch_totals)
    assert month.total_pence == 3 * 28700  # four payments, one reversed
    by_provider = {name: pence for name, _, pence in month.rows}
    assert by_provider == {"Brightwater Home Care": 2 * 28700, "Rival Care Ltd": 28700}


# Settings ----------------------------------------------------------------------------


def test_a_commissioner_sets_the_ledger_codes(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    page = text_of(
        client.post(
            "/settings",
            data={
                "decision_target_working_days": "0",
                "outcome_return_due_days": "14",
                "capacity_opens_day": "15",
                "capacity_closes_day": "14",
                "wage_floor": "twelve",
                "smallest_comparable_sample": "30",
                "cost_centre": "=SUM(A1)",
                "nominal_code": "",
            },
        )
    )
    assert "The decision target must be 1 to 60 working days" in page
    assert "Use letters, numbers, full stops, hyphens and slashes only" in page
    assert "Enter the nominal code" in page
    assert "The closing day must be on or after the opening day" in page
    assert "Enter the wage floor in pounds and pence" in page
    response = client.post(
        "/settings",
        data={
            "decision_target_working_days": "12",
            "outcome_return_due_days": "21",
            "capacity_opens_day": "5",
            "capacity_closes_day": "12",
            "wage_floor": "13.45",
            "smallest_comparable_sample": "30",
            "cost_centre": "hc4200",
            "nominal_code": "5211",
        },
    )
    assert response.status_code == 302
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "council_settings.updated")
    ).one()
    assert event.before["cost_centre"] == "HC4100"
    assert event.after == {
        "decision_target_working_days": 12,
        "outcome_return_due_days": 21,
        "capacity_opens_day": 5,
        "capacity_closes_day": 12,
        "wage_floor_pence": 1345,
        "smallest_comparable_sample": 30,
        "cost_centre": "HC4200",
        "nominal_code": "5211",
    }
    assert as_role(Role.FINANCE_OFFICER).get("/settings").status_code == 403


def test_a_reversal_cannot_be_cancelled(as_role, world: World) -> None:
    """Cancelling it would leave the payment unreversable: the reversal stands."""
    paid = _exported(world, world.person).payments[0]
    reversal = payments.reverse_payment(
        paid, reason="Paid twice", by=world.users[Role.FINANCE_OFFICER]
    )
    db.session.commit()
    client = as_role(Role.FINANCE_OFFICER)
    page = text_of(client.post(f"/payments/{reversal.id}/cancel", data={"reason": "Oops"}))
    assert "A reversal cannot be cancelled" in page
    assert reversal.status == PaymentStatus.APPROVED
    assert "Cancel this payment" not in text_of(client.get(f"/payments/{reversal.id}"))


def test_a_large_batch_page_shows_totals_by_provider_and_pages_its_payments(
    as_role, world: World
) -> None:
    people = [_person(world.provider) for _ in range(52)] + [_person(world.other_provider)]
    batch = _exported(world, *people)
    db.session.commit()
    client = as_role(Role.FINANCE_OFFICER)
    first = text_of(client.get(f"/payments/batches/{batch.id}"))
    assert "Payments 53, £15,211.00 in all" in first
    assert "1 to 50 of 53" in first
    # Each remittance is made on request: its link says how many payments it lists.
    assert "Remittance advice for Brightwater Home Care (PDF, 52 payments)" in first
    assert "Remittance advice for Rival Care Ltd (PDF, 1 payment)" in first
    assert first.count("OOP") == 50
    second = text_of(client.get(f"/payments/batches/{batch.id}?page=2"))
    assert "51 to 53 of 53" in second and second.count("OOP") == 3


def test_a_provider_sees_its_latest_remittances_and_can_page_through_all(
    client, world: World
) -> None:
    for _ in range(13):
        _exported(world, _person(world.provider))
    _exported(world, _person(world.other_provider))
    db.session.commit()
    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    page = text_of(client.get("/payments/yours"))
    assert page.count("Remittance advice PB") == 12
    assert "See all your remittance advice" in page
    everything = text_of(client.get("/payments/yours/remittances"))
    assert "Showing 1 to 13 of 13, newest first." in everything
    assert everything.count("Remittance advice PB") == 13


def test_the_monthly_summary_shows_one_financial_year(as_role, world: World) -> None:
    _exported(world, _person(world.provider))
    last_year = _exported(world, _person(world.other_provider))
    current = FinancialYear.containing(today())
    before = FinancialYear(current.start_year - 1)
    last_year.exported_at = dt.datetime.combine(before.first_day, dt.time(12), tzinfo=dt.UTC)
    # 23:30 UTC on 31 March is 00:30 on 1 April in London: the new year's first batch.
    first_of_year = _exported(world, _person(world.provider))
    first_of_year.exported_at = dt.datetime.combine(
        current.first_day - dt.timedelta(days=1), dt.time(23, 30), tzinfo=dt.UTC
    )
    db.session.commit()
    assert sum(m.batches for m in finance_summary()) == 2
    assert [m.label for m in finance_summary()][-1] == current.first_day.strftime("%B %Y")
    assert [m.batches for m in finance_summary(before)] == [1]

    client = as_role(Role.FINANCE_OFFICER)
    page = text_of(client.get("/payments/summary"))
    assert f"Financial year {current.label}" in page
    assert "Brightwater Home Care" in page and "Rival Care Ltd" not in page
    earlier = text_of(client.get(f"/payments/summary?year={before.start_year}"))
    assert f"Financial year {before.label}" in earlier
    assert "Rival Care Ltd" in earlier and "Brightwater Home Care" not in earlier
