"""Finance's downloads and the step before the one that cannot be undone: exporting a batch
asks first, with what it is about to fix; each link to a file says its type and its size
(or, for a file made on request, how many payments it lists); the batch page gives the
payment list's control figures; the monthly summary downloads as CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.common.dates import FinancialYear, today
from portal.common.file_sizes import readable_size
from portal.common.roles import Role
from portal.extensions import db
from portal.payments import operations as payments
from portal.payments.models import BatchFile, BatchStatus, PaymentBatch
from tests.client import text_of
from tests.fixtures import World
from tests.integration.test_finance import _approved_payment, _exported, _person


def _open_batch(world: World) -> PaymentBatch:
    _approved_payment(world, world.person)
    _approved_payment(world, world.other_person)
    _approved_payment(world, _person(world.provider))
    return payments.create_batch(provider_id=None, by=world.users[Role.FINANCE_OFFICER])


def _exports() -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "payment_batch.exported")
        )
        or 0
    )


def test_exporting_a_batch_shows_what_it_fixes_and_asks_first(as_role, world: World) -> None:
    batch = _open_batch(world)
    db.session.commit()
    client = as_role(Role.FINANCE_OFFICER)
    address = f"/payments/batches/{batch.id}/export"

    # The batch page's button is a link to the check, not a form that exports.
    batch_page = client.get(f"/payments/batches/{batch.id}").get_data(as_text=True)
    assert f'href="{address}"' in batch_page
    assert client.post(f"/payments/batches/{batch.id}").status_code == 405

    check = text_of(client.get(address))
    assert f"Batch reference {batch.reference}" in check
    assert "Payments 3" in check
    assert "Total £861.00" in check
    assert "Providers 2" in check
    assert "Warning Exporting cannot be undone." in check
    assert "Charged to Cost centre HC4100, nominal code 5210" in check
    # Looking changes nothing.
    db.session.expire_all()
    assert batch.status == BatchStatus.OPEN and _exports() == 0
    assert db.session.scalar(select(func.count()).select_from(BatchFile)) == 0

    response = client.post(address, data={"submit": "Confirm and export"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/payments/batches/{batch.id}")
    exported = text_of(client.get(response.headers["Location"]))
    assert f"Batch {batch.reference} exported: 3 payments, £861.00." in exported
    db.session.expire_all()
    assert batch.status == BatchStatus.EXPORTED and _exports() == 1

    # Sent again (a second click, an old tab): told, and still exported once.
    again = text_of(client.post(address, data={"submit": "Confirm and export"}))
    assert "This batch has already been exported" in again
    assert "Confirm and export" not in again
    assert _exports() == 1
    # Nothing left to check: the check page leads back to the batch.
    assert client.get(address).headers["Location"].endswith(f"/payments/batches/{batch.id}")


def test_the_check_page_says_when_the_ledger_codes_are_missing(as_role, world: World) -> None:
    from portal.council.models import get_settings

    batch = _open_batch(world)
    get_settings().nominal_code = ""
    db.session.commit()
    client = as_role(Role.FINANCE_OFFICER)
    address = f"/payments/batches/{batch.id}/export"
    check = text_of(client.get(address))
    assert "The council’s cost centre and nominal code are not set" in check
    assert "Exporting cannot be undone" not in check
    refused = text_of(client.post(address, data={"submit": "Confirm and export"}))
    assert "There is a problem" in refused
    assert "ask a commissioner to set them in Settings" in refused
    db.session.expire_all()
    assert batch.status == BatchStatus.OPEN and _exports() == 0


def test_the_batch_page_gives_each_files_size_and_the_control_figures(
    as_role, world: World
) -> None:
    first = _exported(world, world.person)
    payments.reverse_payment(
        first.payments[0], reason="Paid twice", by=world.users[Role.FINANCE_OFFICER]
    )
    later = _exported(world, world.other_person, _person(world.provider))
    db.session.commit()
    client = as_role(Role.FINANCE_OFFICER)
    page = text_of(client.get(f"/payments/batches/{later.id}"))

    csv_file = client.get(f"/payments/batches/{later.id}/payment-list.csv").get_data()
    xlsx_file = client.get(f"/payments/batches/{later.id}/payment-list.xlsx").get_data()
    assert f"Payment list {later.reference} (CSV, {readable_size(len(csv_file))})" in page
    assert f"Payment list {later.reference} (Excel, {readable_size(len(xlsx_file))})" in page
    assert "(Excel, 5 KB)" in page  # a small workbook, in the design system's units

    # The control figures are the file's own: its rows, and their amounts added up.
    rows = list(csv.DictReader(io.StringIO(csv_file.decode())))
    assert len(rows) == 3
    assert sum(Decimal(row["amount_gbp"]) for row in rows) == Decimal("287.00")
    assert "Rows 3, one for each payment, below the heading row" in page
    assert "Control total £287.00" in page
    # The files end with their last payment: no control row a finance system would load.
    assert rows[-1]["payment_reference"].startswith("OOP")

    assert "Remittance advice for Brightwater Home Care (PDF, 2 payments)" in page
    assert "Remittance advice for Rival Care Ltd (PDF, 1 payment)" in page


def test_an_open_batch_offers_no_downloads(as_role, world: World) -> None:
    batch = _open_batch(world)
    db.session.commit()
    page = text_of(as_role(Role.FINANCE_OFFICER).get(f"/payments/batches/{batch.id}"))
    assert "Payment list" not in page and "Control total" not in page


def test_the_monthly_summary_downloads_as_csv_with_the_pages_figures(as_role, world: World) -> None:
    world.provider.name = "=cmd|' /C calc'!A0"
    _exported(world, world.person, world.other_person)
    _exported(world, _person(world.provider))
    db.session.commit()
    client = as_role(Role.FINANCE_OFFICER)
    year = FinancialYear.containing(today())
    page = text_of(client.get("/payments/summary"))
    assert f"Payments by month, {year.label} (CSV, 3 rows)" in page
    month = today().strftime("%B %Y")
    assert f"{month} Provider Payments Total" in page
    assert "2 batches 3 £861.00" in page

    response = client.get(f"/payments/summary.csv?year={year.start_year}")
    assert response.mimetype == "text/csv"
    assert f"payments-by-month-{year.start_year}.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    this_month = today().strftime("%Y-%m")
    assert rows == [
        ["month", "provider", "payments", "total_gbp", "batches"],
        [this_month, "'=cmd|' /C calc'!A0", "2", "574.00", ""],  # never a formula
        [this_month, "Rival Care Ltd", "1", "287.00", ""],
        [this_month, "All providers", "3", "861.00", "2"],
    ]


def test_the_summary_download_is_for_whoever_may_see_the_summary(as_role, world: World) -> None:
    _exported(world, world.person)
    db.session.commit()
    earlier = FinancialYear.containing(today()).start_year - 1
    commissioner = as_role(Role.COMMISSIONER)
    rows = commissioner.get(f"/payments/summary.csv?year={earlier}").get_data(as_text=True)
    assert rows.splitlines() == ["month,provider,payments,total_gbp,batches"]
    for role in (Role.PROVIDER_MANAGER, Role.CARE_MANAGER):
        client = as_role(role)
        page, download = client.get("/payments/summary"), client.get("/payments/summary.csv")
        assert page.status_code == download.status_code
        assert page.status_code in (403, 404)
