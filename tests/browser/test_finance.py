"""Finance in a real browser: a finance officer batches every payment ready to pay, exports
the batch, downloads its payment list as CSV and Excel and each provider's remittance advice
as a PDF, and marks the batch paid; the provider then sees its payments paid and downloads
its own remittance advice, and no one else's.

The test writes its own providers, people, approved reductions and accounts into the live
database, so it depends on no other test's records. Every page reached is checked by
axe-core and photographed (see pages.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import cast

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from portal.accounts.models import User
from portal.common.dates import format_date, today
from portal.common.file_sizes import readable_size
from portal.common.roles import Role
from portal.common.weekdays import EVERY_DAY
from portal.council.models import get_settings
from portal.extensions import db
from portal.payments.exports import HEADER
from portal.payments.models import Payment, PaymentStatus
from portal.providers.models import PackageLine, Provider, ServiceUser
from portal.recommendations.models import Recommendation
from portal.recommendations.operations import approve
from tests.browser.pages import Browser, BrowserFactory
from tests.browser.reflow import assert_reflowed
from tests.browser.server import LiveServer
from tests.browser.test_loop import fill_date, sign_in, table_rows
from tests.browser.test_outcomes import error_summary, signed_in
from tests.browser.test_recommendations import (
    CALLS,
    MINUTES,
    RATE_PENCE,
    World,
    submit_a_reduction,
    summary_value,
)
from tests.factories import PackageLineFactory, ProviderFactory, ServiceUserFactory, UserFactory
from tests.pdf_tools import poppler

pytestmark = pytest.mark.browser

# A name the pages, the payment list and the PDFs must all show as typed, never as markup.
AWKWARD_NAME = "Kite & <Hawk> Care"
OTHER_NAME = "Osprey Home Care"
# 4 calls a day of 30 minutes become 3, every day: 3.5 hours a week at £20.50 for 4 weeks.
EACH_PAYMENT = "£287.00"


# The live database -----------------------------------------------------------------------


@dataclass(frozen=True)
class Payee:
    """A trusted assessor of the test's own, its manager, and the references of the one-off
    payments its approved reductions earned."""

    provider_id: int
    name: str
    manager_email: str
    payment_references: list[str]


def _app(live_server: LiveServer) -> Flask:
    assert live_server.app is not None
    return live_server.app


def a_council_officer(live_server: LiveServer, name: str, role: Role) -> str:
    """A council account of the test's own; the email it signs in with."""
    email = f"{name.lower().replace(' ', '.')}@testshire.example.test"
    with _app(live_server).app_context():
        UserFactory(roles=[role], name=name, email=email)
        db.session.commit()
        db.session.remove()
    return email


def a_provider_owed_payments(
    live_server: LiveServer, name: str, people: list[tuple[str, str]], care_manager: str
) -> Payee:
    """The provider, its manager and ``people`` on the standard package; each person's
    reduction recommended by the manager and approved by ``care_manager``, so each earns a
    one-off payment of £287.00 ready to pay."""
    slug = re.sub(r"[^a-z]+", "", name.lower())
    manager_email = f"manager@{slug}.example.test"
    with _app(live_server).app_context():
        provider = cast(Provider, ProviderFactory(name=name))
        UserFactory(
            roles=[Role.PROVIDER_MANAGER],
            provider_id=provider.id,
            name=f"{name} Manager",
            email=manager_email,
        )
        worlds = []
        for given, family in people:
            person = cast(
                ServiceUser,
                ServiceUserFactory(provider=provider, given_name=given, family_name=family),
            )
            line = cast(
                PackageLine,
                PackageLineFactory(
                    service_user=person,
                    calls_per_day=CALLS,
                    minutes_per_call=MINUTES,
                    days_of_week=EVERY_DAY,
                    hourly_rate_pence=RATE_PENCE,
                ),
            )
            worlds.append(
                World(
                    provider_id=provider.id,
                    provider_name=name,
                    manager_email=manager_email,
                    person_id=person.id,
                    line_id=line.id,
                    given_name=given,
                    full_name=f"{given} {family}",
                    listed_as=f"{family}, {given}",
                    officers={},
                )
            )
        db.session.commit()
        provider_id = provider.id
        db.session.remove()

    recommendation_ids = [submit_a_reduction(live_server, world) for world in worlds]
    with _app(live_server).app_context():
        officer = db.session.scalar(select(User).where(User.email == care_manager))
        assert officer is not None
        for recommendation_id in recommendation_ids:
            recommendation = db.session.get(Recommendation, recommendation_id)
            assert recommendation is not None
            approve(recommendation, by=officer, start_date=today() + dt.timedelta(days=14))
        db.session.commit()
        payments = list(
            db.session.scalars(
                select(Payment)
                .where(Payment.recommendation_id.in_(recommendation_ids))
                .order_by(Payment.reference)
            )
        )
        assert [p.status for p in payments] == [PaymentStatus.APPROVED] * len(people), (
            "an approved reduction's payment is not ready to pay"
        )
        references = [p.reference for p in payments]
        db.session.remove()
    return Payee(provider_id, name, manager_email, references)


def ledger_codes(live_server: LiveServer) -> tuple[str, str]:
    """The council's cost centre and nominal code, which the seed sets."""
    with _app(live_server).app_context():
        settings = get_settings()
        codes = (settings.cost_centre, settings.nominal_code)
        db.session.remove()
    assert all(codes), "the seed set no cost centre or nominal code: no batch can be exported"
    return codes


# Downloads -------------------------------------------------------------------------------


def confirm_export(browser: Browser, reference: str, *, count: int, total: str) -> dict[str, str]:
    """From an open batch's page, ask to export it: the check page, with the batch, its
    payments and total and the warning, and nothing exported yet. Its summary, by key."""
    browser.click_button("Export payment list")
    browser.expect_heading("Check the batch before you export it")
    facts = {
        key: summary_value(browser, key)
        for key in ("Batch reference", "Payments", "Total", "Providers", "Charged to")
    }
    assert (facts["Batch reference"], facts["Payments"], facts["Total"]) == (
        reference,
        str(count),
        total,
    )
    warning = browser.page.locator(".govuk-warning-text").inner_text()
    assert "Exporting cannot be undone" in warning
    return facts


def file_link(browser: Browser, start: str) -> str:
    """The whole name of the one link starting ``start`` (a file's, ending in its size)."""
    links = browser.page.get_by_role("link", name=re.compile(f"^{re.escape(start)}"))
    assert links.count() == 1, start
    name = links.inner_text()
    assert re.search(r", \d+ (bytes|KB|MB)\)$", name), name
    return name


def download(browser: Browser, link: str) -> tuple[str, bytes]:
    """Click the download link named ``link``: the file's suggested name and its bytes."""
    with browser.page.expect_download() as download_info:
        browser.page.get_by_role("link", name=link, exact=True).click()
    downloaded = download_info.value
    assert downloaded.failure() is None, f"the download failed: {downloaded.failure()}"
    return downloaded.suggested_filename, Path(downloaded.path()).read_bytes()


def pdf_text(pdf: bytes, folder: Path) -> str:
    """Check ``pdf`` is a PDF that draws at least one page; its text, on one line."""
    assert pdf.startswith(b"%PDF"), f"not a PDF: {pdf[:20]!r}"
    folder.mkdir(parents=True)
    path = folder / "remittance.pdf"
    path.write_bytes(pdf)
    poppler("pdftoppm", "-png", "-r", "50", str(path), str(folder / "page"))
    assert list(folder.glob("page*.png")), "pdftoppm drew no page"
    text = poppler("pdftotext", "-enc", "UTF-8", str(path), "-")
    return " ".join(text.split())


# The test --------------------------------------------------------------------------------


def test_a_batch_is_exported_paid_and_seen_by_the_provider(
    open_browser: BrowserFactory, live_server: LiveServer, tmp_path: Path
) -> None:
    care_manager = a_council_officer(live_server, "Hana Heron", Role.CARE_MANAGER)
    finance_officer = a_council_officer(live_server, "Fay Fenwick", Role.FINANCE_OFFICER)
    kite = a_provider_owed_payments(
        live_server, AWKWARD_NAME, [("Nell", "Nolan"), ("Rose", "Reid")], care_manager
    )
    osprey = a_provider_owed_payments(live_server, OTHER_NAME, [("Mabel", "Moss")], care_manager)
    ours = {*kite.payment_references, *osprey.payment_references}
    cost_centre, nominal_code = ledger_codes(live_server)
    paid_on = format_date(today())

    # 1. The finance officer sees what each provider is owed ...
    finance = signed_in(open_browser, "finance-officer", finance_officer)
    finance.open_from_menu("Payments")
    finance.expect_heading("Payments ready to pay")
    by_provider = table_rows(finance, "Ready to pay, by provider")
    assert [AWKWARD_NAME, "2", "£574.00"] in by_provider
    assert [OTHER_NAME, "1", EACH_PAYMENT] in by_provider
    # (any other test's payments still waiting go into the batch too)
    total_row = by_provider[-1]
    assert total_row[0] == "Total"
    ready = int(total_row[1])
    assert ready >= 3

    # ... and batches every payment ready to pay.
    finance.page.get_by_label("Every payment ready to pay").check()
    finance.click_button("Create batch")
    created = re.search(r"Batch (PB\d+) created with (\d+) payments?", finance.success_banner())
    assert created is not None, finance.success_banner()
    reference, count = created[1], int(created[2])
    assert count == ready
    finance.expect_heading(f"Batch {reference}")
    batch_url = finance.page.url
    batch_id = int(batch_url.rstrip("/").rsplit("/", 1)[1])
    assert summary_value(finance, "Status") == "Open"
    in_batch = table_rows(finance, "Payments in this batch")
    assert len(in_batch) == count
    assert ours <= {row[0] for row in in_batch}
    assert [row[1] for row in in_batch if row[0] in kite.payment_references] == [AWKWARD_NAME] * 2
    assert f"cost centre {cost_centre} and nominal code {nominal_code}" in finance.text()

    # 2. Exporting asks first, with what it fixes; then the downloads appear.
    total = total_row[2]
    export = confirm_export(finance, reference, count=count, total=total)
    assert int(export["Providers"]) >= 2
    assert export["Charged to"] == f"Cost centre {cost_centre}, nominal code {nominal_code}"
    finance.click_button("Confirm and export")
    assert f"Batch {reference} exported: {count} payments, {total}." in finance.success_banner()
    assert summary_value(finance, "Status") == "Exported"
    assert finance.page.get_by_role("button", name="Export payment list").count() == 0
    # The control figures the finance system's load is checked against.
    assert summary_value(finance, "Rows") == f"{count}, one for each payment, below the heading row"
    assert summary_value(finance, "Control total") == total

    # The CSV: one row a payment, amounts in pounds to the penny, the ledger codes filled in.
    csv_link = file_link(finance, f"Payment list {reference} (CSV, ")
    name, csv_bytes = download(finance, csv_link)
    assert csv_link.endswith(f"(CSV, {readable_size(len(csv_bytes))})")  # the file's own size
    assert name == f"payment-list-{reference}.csv"
    rows = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8"), newline="")))
    assert len(rows) == count
    for row in rows:
        assert row["batch_reference"] == reference
        assert (row["cost_centre"], row["nominal_code"]) == (cost_centre, nominal_code)
        assert re.fullmatch(r"-?\d+\.\d\d", row["amount_gbp"]), row["amount_gbp"]
    mine = {row["payment_reference"]: row for row in rows if row["payment_reference"] in ours}
    assert set(mine) == ours
    assert {mine[ref]["provider_name"] for ref in kite.payment_references} == {AWKWARD_NAME}
    assert {row["amount_gbp"] for row in mine.values()} == {"287.00"}

    # Every download of the exported list is the same file, byte for byte.
    assert download(finance, file_link(finance, f"Payment list {reference} (CSV, "))[1] == csv_bytes

    # The Excel workbook: the same rows, the amount a number a spreadsheet can add up.
    name, xlsx_bytes = download(finance, file_link(finance, f"Payment list {reference} (Excel, "))
    assert name == f"payment-list-{reference}.xlsx"
    sheet = load_workbook(io.BytesIO(xlsx_bytes)).active
    assert sheet is not None
    cells = list(sheet.iter_rows(values_only=True))
    assert list(cells[0]) == list(HEADER)
    assert len(cells) - 1 == count
    amount, payment_reference = HEADER.index("amount_gbp"), HEADER.index("payment_reference")
    for row_cells in cells[1:]:
        if row_cells[payment_reference] in ours:
            assert isinstance(row_cells[amount], int | float | Decimal), row_cells[amount]
            assert Decimal(str(row_cells[amount])) == Decimal("287.00")

    # One remittance advice for each provider, naming it as typed, & and < > included.
    for payee in (kite, osprey):
        payments = len(payee.payment_references)
        plural = "" if payments == 1 else "s"
        link = f"Remittance advice for {payee.name} (PDF, {payments} payment{plural})"
        name, pdf = download(finance, link)
        assert name == f"remittance-{reference}-{payee.provider_id}.pdf"
        text = pdf_text(pdf, tmp_path / f"finance-{payee.provider_id}")
        assert payee.name in text
        assert reference in text
        assert all(ref in text for ref in payee.payment_references)

    # 3. The finance system has paid it: the officer records the date.
    fill_date(finance, "When was the batch paid?", today())
    finance.click_button("Mark as paid")
    finance.expect_heading(f"Batch {reference}")
    assert f"Batch {reference} marked paid on {paid_on}" in finance.success_banner()
    assert summary_value(finance, "Status") == "Paid"
    assert summary_value(finance, "Paid") == paid_on
    assert finance.page.get_by_role("button", name="Mark as paid").count() == 0

    # 4. The provider sees the batch paid, each of its payments paid, and its remittance.
    provider = signed_in(open_browser, "finance-provider-manager", kite.manager_email)
    provider.open_from_menu("Payments")
    provider.expect_heading("Payments")
    paid_row = [
        reference,
        f"Paid {paid_on}",
        "2",
        "£574.00",
        f"Remittance advice {reference} (PDF, 2 payments)",
    ]
    assert paid_row in table_rows(provider, "Remittance advice, newest first")
    payments = table_rows(provider, "Your payments, newest first")
    assert sorted(row[0] for row in payments) == kite.payment_references
    assert {row[2] for row in payments} == {f"Paid {paid_on}"}
    assert {row[3] for row in payments} == {EACH_PAYMENT}
    assert OTHER_NAME not in provider.text()

    name, pdf = download(provider, f"Remittance advice {reference} (PDF, 2 payments)")
    assert name == f"remittance-{reference}-{kite.provider_id}.pdf"
    text = pdf_text(pdf, tmp_path / "provider")
    assert AWKWARD_NAME in text
    assert OTHER_NAME not in text

    # The other provider's remittance advice is not theirs to read (asked for behind the
    # page's back, so the page itself sees no error).
    other = provider.page.request.get(
        f"/payments/batches/{batch_id}/remittances/{osprey.provider_id}.pdf"
    )
    assert other.status == 404

    # 5. At a phone's width the payments and batch pages never scroll sideways.
    narrow = open_browser("finance-narrow", viewport={"width": 320, "height": 640})
    narrow.goto("/payments")
    sign_in(narrow, finance_officer)
    narrow.expect_heading("Payments ready to pay")
    assert narrow.page_width() <= 320
    narrow.goto(batch_url)
    narrow.expect_heading(f"Batch {reference}")
    assert narrow.page_width() <= 320


def test_exporting_a_batch_at_a_phones_width_asks_first(
    open_browser: BrowserFactory, live_server: LiveServer
) -> None:
    care_manager = a_council_officer(live_server, "Ivo Ince", Role.CARE_MANAGER)
    finance_officer = a_council_officer(live_server, "Hal Hume", Role.FINANCE_OFFICER)
    wren = a_provider_owed_payments(
        live_server, "Wren Home Care", [("Tom", "Tull"), ("Uma", "Upton")], care_manager
    )
    finance = open_browser("export-narrow", viewport={"width": 320, "height": 640})
    finance.goto("/")
    sign_in(finance, finance_officer)
    finance.expect_heading("What needs you")
    finance.goto("/payments")  # the menu is folded behind "Menu" at this width
    finance.expect_heading("Payments ready to pay")
    finance.page.get_by_role("radio", name="One provider’s").check()
    finance.page.get_by_label("If one provider’s: which provider").select_option(
        label=f"{wren.name} (2, £574.00)"
    )
    finance.click_button("Create batch")
    reference = finance.heading().removeprefix("Batch ")
    assert finance.page_width() <= 320

    facts = confirm_export(finance, reference, count=2, total="£574.00")
    assert facts["Providers"] == "1"
    assert finance.page_width() <= 320
    # Cancelling goes back to the batch, still open.
    finance.click_link("Cancel")
    finance.expect_heading(f"Batch {reference}")
    assert summary_value(finance, "Status") == "Open"

    confirm_export(finance, reference, count=2, total="£574.00")
    finance.click_button("Confirm and export")
    assert f"Batch {reference} exported: 2 payments, £574.00." in finance.success_banner()
    assert summary_value(finance, "Status") == "Exported"
    assert summary_value(finance, "Control total") == "£574.00"
    file_link(finance, f"Payment list {reference} (Excel, ")
    assert finance.page_width() <= 320
    assert_reflowed(finance, "Payments in this batch", width=320)

    # The summary's download, at the same width.
    finance.goto("/payments/summary")
    finance.expect_heading("Payments by month")
    assert (
        finance.page.get_by_role(
            "link", name=re.compile(r"^Payments by month, .* \(CSV, \d+ rows\)$")
        ).count()
        == 1
    )
    assert finance.page_width() <= 320
    assert_reflowed(finance, today().strftime("%B %Y"), width=320)

    # The provider's remittance advice, on a phone: each batch a block, the link whole.
    provider = open_browser("remittances-narrow", viewport={"width": 320, "height": 640})
    provider.goto("/")
    sign_in(provider, wren.manager_email)
    provider.goto("/payments/yours")
    assert_reflowed(provider, "Remittance advice, newest first", width=320)
    assert provider.page.get_by_role(
        "link", name=f"Remittance advice {reference} (PDF, 2 payments)"
    ).is_visible()


def test_mistakes_are_cancelled_before_export_and_reversed_after(
    open_browser: BrowserFactory, live_server: LiveServer
) -> None:
    care_manager = a_council_officer(live_server, "Ida Ibbot", Role.CARE_MANAGER)
    finance_officer = a_council_officer(live_server, "Gil Garth", Role.FINANCE_OFFICER)
    commissioner = a_council_officer(live_server, "Cara Cole", Role.COMMISSIONER)
    plover = a_provider_owed_payments(
        live_server, "Plover Care", [("Ada", "Ames"), ("Bea", "Bell")], care_manager
    )
    wrong, right = plover.payment_references

    finance = signed_in(open_browser, "mistakes-finance", finance_officer)
    finance.open_from_menu("Payments")

    # A payment approved in error is cancelled before export: the reason is required.
    finance.click_link(wrong)
    finance.expect_heading(f"Payment {wrong}")
    finance.click_button("Cancel this payment")
    finance.expect_heading(f"Cancel payment {wrong}")
    finance.click_button("Cancel the payment")
    assert "Enter why the payment is being cancelled" in error_summary(finance)
    finance.page.get_by_label("Why is the payment being cancelled?").fill(
        "The care manager approved the wrong person's reduction."
    )
    finance.click_button("Cancel the payment")
    assert f"Payment {wrong} cancelled" in finance.success_banner()
    assert summary_value(finance, "Status") == "Cancelled"
    assert summary_value(finance, "Why it was cancelled").startswith("The care manager approved")

    # The other is batched (this provider's only) and exported.
    finance.open_from_menu("Payments")
    finance.page.get_by_role("radio", name="One provider’s").check()
    finance.page.get_by_label("If one provider’s: which provider").select_option(
        label=f"{plover.name} (1, {EACH_PAYMENT})"
    )
    finance.click_button("Create batch")
    assert "created with 1 payment" in finance.success_banner()
    first_batch = finance.heading().removeprefix("Batch ")
    confirm_export(finance, first_batch, count=1, total=EACH_PAYMENT)
    finance.click_button("Confirm and export")

    # Exported, it can only be reversed: the reversal waits for the next batch.
    finance.click_link(right)
    finance.expect_heading(f"Payment {right}")
    assert finance.page.get_by_role("button", name="Cancel this payment").count() == 0
    finance.click_button("Reverse this payment")
    finance.expect_heading(f"Reverse payment {right}")
    finance.page.get_by_label("Why is the payment being reversed?").fill("Paid to the wrong agency")
    finance.click_button("Reverse the payment")
    assert f"Reversal {right}-R of -{EACH_PAYMENT} is ready" in finance.success_banner()
    assert summary_value(finance, "Reversed by").startswith(f"{right}-R")

    # It goes, negative, into a later batch of its own; the first batch is as it was.
    finance.open_from_menu("Payments")
    finance.page.get_by_role("radio", name="One provider’s").check()
    finance.page.get_by_label("If one provider’s: which provider").select_option(
        label=f"{plover.name} (1, -{EACH_PAYMENT})"
    )
    finance.click_button("Create batch")
    later = table_rows(finance, "Payments in this batch")
    assert [(row[0], row[-1]) for row in later] == [(f"{right}-R Reversal", f"-{EACH_PAYMENT}")]
    confirm_export(
        finance, finance.heading().removeprefix("Batch "), count=1, total=f"-{EACH_PAYMENT}"
    )
    finance.click_button("Confirm and export")
    finance.open_from_menu("Batches")
    finance.expect_heading("Payment batches")
    first = [
        row for row in table_rows(finance, "Payment batches, newest first") if row[0] == first_batch
    ]
    assert first[0][-2:] == ["1", EACH_PAYMENT]

    # The monthly summary nets the two.
    finance.open_from_menu("Summary")
    finance.expect_heading("Payments by month")
    assert plover.name in finance.text()
    this_month = table_rows(finance, today().strftime("%B %Y"))
    assert [plover.name, "2", "£0.00"] in this_month

    # A commissioner keeps the ledger codes the payment lists carry.
    council = signed_in(open_browser, "mistakes-commissioner", commissioner)
    council.open_from_menu("Settings")
    council.expect_heading("Settings")
    codes = council.page.get_by_label("Nominal code")
    kept = codes.input_value()
    codes.fill("")
    council.click_button("Save settings")
    assert "Enter the nominal code" in error_summary(council)
    council.page.get_by_label("Nominal code").fill(kept)
    council.click_button("Save settings")
    assert "Settings saved" in council.success_banner()
