"""The measures `make bench` takes, each against a reference taken in the same run.

Pages are timed in-process through Flask's test client, signed in by session, so what is
measured is the app (routing, queries, rendering), not a network. Each round times the
reference and the measure one after the other, so a busy machine slows both alike."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import json
import re
import secrets
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import flask
from flask import Flask
from flask.testing import FlaskClient
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy import func, select, text, update

from portal import create_app
from portal.accounts import sessions
from portal.accounts.models import User
from portal.api.keys import KEY_START, token_hash
from portal.api.models import ApiKey
from portal.capacity.picture import capacity_picture
from portal.casework.subject_access import gather
from portal.casework.subject_access_pdf import subject_access_pdf
from portal.common.dates import FinancialYear, today
from portal.common.models import utcnow
from portal.common.statements import recorded_executions, recorded_statements
from portal.extensions import db
from portal.outcomes import owed
from portal.outcomes.measures import MEASURES
from portal.outcomes.models import OutcomeReturn, PeriodKind, ReportingPeriod
from portal.outcomes.operations import import_returns
from portal.outcomes.table_f import Filters, table_f
from portal.outcomes.uploads import HEADER as UPLOAD_HEADER
from portal.outcomes.uploads import plan_upload, read_table
from portal.payments.exports import HEADER, payment_list_csv
from portal.payments.models import BatchStatus, Payment, PaymentBatch, PaymentStatus
from portal.payments.operations import create_batch
from portal.payments.queries import payment_list_rows
from portal.payments.remittance import font_names, remittance_pdf
from portal.payments.remittances import remittance_for
from portal.providers.models import PackageLine, Provider, ServiceUser
from portal.recommendations.models import Recommendation, RecommendationStatus
from portal.recommendations.summary import model_summary
from portal.recommendations.sustained import held_figures
from portal.reports import charts, dashboard
from portal.reports.annual_report import ReportDetails, annual_report_pdf, report_pdf
from portal.reports.ranking import ranking
from portal.reports.scorecards import gather as scorecard_figures
from portal.reports.sections import Cell, Chart, ChartKind, Section, Series, Span
from portal.reports.sections import Table as FiguresTable

FLOOR = "/accessibility"  # the full signed-in layout and no data queries
PROVIDER = 2  # a patch provider and trusted assessor: it has every kind of page
MANAGER = 100 + PROVIDER  # the bench data's manager ids are 100 + provider id
CARE_MANAGER, COMMISSIONER, FINANCE_OFFICER = 1, 2, 3
# Pages timed only against themselves on ten times the history, not against the floor: the
# dashboard draws every section of a year, charts and all, and is a report, not a page
# people work through; what matters is that a longer history does not slow it.
GROWTH_ONLY = frozenset({"dashboard"})


def latest_complete_year() -> FinancialYear:
    """The bench council's latest whole financial year: its history runs up to today."""
    return FinancialYear(FinancialYear.containing(today()).start_year - 1)


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def timed(action: Callable[..., Any], *args: Any) -> float:
    started = time.perf_counter()
    action(*args)
    return time.perf_counter() - started


def timed_from_clean_heap(action: Callable[..., Any], *args: Any) -> float:
    """``timed`` for the large documents and files, which allocate heavily: garbage left by
    the try before is collected first, so a full collection it was owed does not fall into
    this one's time (the action's own collections still count)."""
    gc.collect()
    started = time.perf_counter()
    action(*args)
    return time.perf_counter() - started


def key_for(user_id: int) -> str:
    """A key for the user's provider, made straight in the database (the bench's managers
    need not be agency administrators) and committed: its token."""
    token = KEY_START + secrets.token_urlsafe(32)
    user = db.session.get_one(User, user_id)
    now = utcnow()
    db.session.add(
        ApiKey(
            provider_id=user.provider_id,
            name=f"Benchmark {now:%Y-%m-%d %H:%M:%S.%f}",
            prefix=token[:10],
            token_hash=token_hash(token),
            created_by_id=user.id,
            created_at=now,
            expires_at=now + dt.timedelta(days=1),
        )
    )
    db.session.commit()
    return token


@dataclass
class Council:
    """One benchmark database, opened as the app."""

    app: Flask

    @classmethod
    def open(cls, url: str) -> Council:
        return cls(app=create_app({"SQLALCHEMY_DATABASE_URI": url}))

    def statements(self, client: FlaskClient, path: str) -> int:
        """How many SQL statements the page runs (counted once, outside the timings)."""
        with self.app.app_context(), recorded_statements() as statements:
            _get(client, path)
        return len(statements)

    def client(self, user_id: int, *, api: bool = False) -> FlaskClient:
        """A client signed in as the user; for the API's pages (``api``), one sending a
        new key of the user's provider with every request too."""
        client = self.app.test_client()
        with self.app.test_request_context():
            sessions.begin(db.session.get_one(User, user_id))
            db.session.commit()
            token = flask.session[sessions.SESSION_ID_KEY]
            if api:
                client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key_for(user_id)}"
        with client.session_transaction() as session:
            session[sessions.SESSION_ID_KEY] = token
        return client

    def pages(self) -> dict[str, tuple[int, str]]:
        """The pages the issue names: (user id, path) each, found in this database."""
        with self.app.app_context():
            periods = db.session.scalars(
                select(ReportingPeriod.id)
                .where(ReportingPeriod.kind == PeriodKind.OUTCOMES)
                .order_by(ReportingPeriod.start_date.desc())
                .limit(2)
            ).all()
            current, previous = periods[0], periods[1]
            # The provider's person with the most recommendations: the fullest page.
            person = db.session.scalar(
                select(Recommendation.service_user_id)
                .where(Recommendation.provider_id == PROVIDER)
                .group_by(Recommendation.service_user_id)
                .order_by(func.count().desc(), Recommendation.service_user_id)
                .limit(1)
            )
            batch = db.session.scalar(
                select(func.max(PaymentBatch.id)).where(PaymentBatch.status == BatchStatus.PAID)
            )
            db.session.remove()
        return {
            "provider_task_list_first_page": (MANAGER, f"/outcome-periods/{current}"),
            "provider_task_list_last_page": (MANAGER, f"/outcome-periods/{current}?page=9999"),
            "review_queue_filtered": (CARE_MANAGER, f"/review?provider={PROVIDER}"),
            "service_user_page": (MANAGER, f"/service-users/{person}"),
            "table_f": (COMMISSIONER, f"/outcome-periods/{previous}/table-f"),
            "capacity_picture": (COMMISSIONER, "/capacity/picture"),
            "payments_ready_to_pay": (FINANCE_OFFICER, "/payments"),
            "batch_page": (FINANCE_OFFICER, f"/payments/batches/{batch}"),
            # Issue 17's: the provider's home (what is owed, counted in one statement), the
            # commissioner's returns progress and one provider's people in it, and the care
            # manager's own decisions (through the index on who decided and when).
            "provider_what_needs_you": (MANAGER, "/what-needs-you"),
            "returns_progress": (COMMISSIONER, f"/outcome-periods/{current}"),
            "returns_progress_one_provider": (
                COMMISSIONER,
                f"/outcome-periods/{current}/providers/{PROVIDER}",
            ),
            "decided_by_you": (CARE_MANAGER, "/review/decided"),
            # Issue 18's: the returns waiting to be accepted, and one provider's for the
            # quarter to accept several at once.
            "returns_to_accept": (COMMISSIONER, "/outcome-returns/to-accept"),
            "returns_to_accept_one_provider": (
                COMMISSIONER,
                f"/outcome-returns/to-accept/{current}/providers/{PROVIDER}",
            ),
            # A provider's scorecard for this financial year, and every provider ranked.
            "provider_scorecard": (COMMISSIONER, f"/reports/providers/{PROVIDER}/scorecard"),
            "provider_ranking": (COMMISSIONER, "/reports/ranking"),
            # The contract dashboard for the latest whole year: bounded by the year.
            "dashboard": (
                COMMISSIONER,
                f"/reports/dashboard?year={latest_complete_year().start_year}",
            ),
            # Issue 19's: the list of returns a provider owes for the quarter, through the
            # API with the provider's key (the task list's people, as JSON).
            "api_returns_owed": (MANAGER, f"/api/v1/quarters/{current}/returns"),
        }


def mixed_load(council: Council) -> dict[int, list[str]]:
    """What each kind of user reads in a working day, for the throughput run: the pages
    the benchmarks time, among the everyday ones around them (home, lists, one record)."""
    pages = council.pages()
    with council.app.app_context():
        returned = db.session.scalar(
            select(func.max(OutcomeReturn.id)).where(OutcomeReturn.provider_id == PROVIDER)
        )
        waiting = db.session.scalar(
            select(func.max(Recommendation.id)).where(
                Recommendation.status == RecommendationStatus.SUBMITTED
            )
        )
        db.session.remove()
    current = pages["provider_task_list_first_page"][1]
    return {
        MANAGER: [
            "/what-needs-you",
            current,
            current + "?page=2",
            pages["service_user_page"][1],
            f"/outcome-returns/{returned}",
            "/recommendations",
            "/capacity",
            "/payments/yours",
        ],
        CARE_MANAGER: [
            "/what-needs-you",
            "/what-needs-you",
            pages["review_queue_filtered"][1],
            f"/review/{waiting}",
            "/review",
            pages["decided_by_you"][1],
        ],
        COMMISSIONER: [
            "/what-needs-you",
            pages["table_f"][1],
            pages["capacity_picture"][1],
            "/recommendations/summary",
            current,
            pages["returns_progress_one_provider"][1],
            pages["returns_to_accept"][1],
            pages["returns_to_accept_one_provider"][1],
            "/providers",
        ],
        FINANCE_OFFICER: [
            "/what-needs-you",
            pages["payments_ready_to_pay"][1],
            "/payments/batches",
            pages["batch_page"][1],
            "/payments/summary",
        ],
    }


def _get(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")


def pages_and_growth(base: Council, grown: Council, *, rounds: int) -> dict[str, Any]:
    """Each page against the floor page (same user), and on ten times the history."""
    base_pages, grown_pages = base.pages(), grown.pages()
    pages: dict[str, Any] = {}
    growth: dict[str, Any] = {}
    for name, (user_id, path) in base_pages.items():
        grown_path = grown_pages[name][1]
        api = path.startswith("/api/")
        clients = (base.client(user_id, api=api), grown.client(user_id, api=api))
        for _ in range(3):  # warm: templates compiled, statements cached
            _get(clients[0], FLOOR)
            _get(clients[0], path)
            _get(clients[1], grown_path)
        floor, page, bigger = [], [], []
        for _ in range(rounds):
            floor.append(timed(_get, clients[0], FLOOR))
            page.append(timed(_get, clients[0], path))
            bigger.append(timed(_get, clients[1], grown_path))
        if name not in GROWTH_ONLY:
            pages[name] = {
                "path": path,
                "median_ms": median_ms(page),
                "floor_ms": median_ms(floor),
                "ratio_to_floor": round(statistics.median(page) / statistics.median(floor), 2),
                "statements": base.statements(clients[0], path),
            }
        growth[name] = {
            "median_ms": median_ms(bigger),
            "base_ms": median_ms(page),
            "ratio": round(statistics.median(bigger) / statistics.median(page), 2),
            "statements": grown.statements(clients[1], grown_path),
        }
    return {"pages": pages, "growth": growth}


def _raw_run(statements: list[tuple[str, Any]]) -> None:
    """The same SQL, straight through the database driver."""
    connection = db.session.connection().connection
    cursor = connection.cursor()
    try:
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            cursor.fetchall()
    finally:
        cursor.close()


def aggregates(council: Council, *, rounds: int) -> dict[str, Any]:
    """The app's aggregates against their own SQL run directly on the database."""
    results: dict[str, Any] = {}
    with council.app.app_context():
        period = db.session.scalars(
            select(ReportingPeriod)
            .where(ReportingPeriod.kind == PeriodKind.OUTCOMES)
            .order_by(ReportingPeriod.start_date.desc())
            .offset(1)
            .limit(1)
        ).one()
        provider = db.session.get_one(Provider, PROVIDER)
        on = today()
        year = FinancialYear.containing(on)
        # The dashboard's sections for the latest whole financial year.
        whole_year = Span(latest_complete_year())
        cases: dict[str, Callable[[], Any]] = {
            "table_f": lambda: table_f(period, Filters()),
            # The trusted assessor summary's figures: the year's recommendations and
            # payments, and whether the reductions reaching a checkpoint in it held.
            "recommendations_summary": lambda: (
                model_summary(year),
                held_figures(year.first_day, year.last_day),
            ),
            "capacity_picture": capacity_picture,
            # The figures a provider's scorecard is drawn from (its sentences, tables and
            # charts are the page's, timed with the pages).
            "provider_scorecard": lambda: scorecard_figures(provider, year, on),
            "provider_ranking": lambda: ranking(year, on),
            # Every section of the dashboard for the latest whole year, figures, tables,
            # sentences and charts' data: the contract sections' aggregates, the package
            # sections' and the equalities' read from the months kept each night.
            "dashboard": lambda: dashboard.sections(whole_year),
        }
        for name, aggregate in cases.items():
            aggregate()
            with recorded_executions() as statements:
                aggregate()
            app_times, raw_times = [], []
            for _ in range(rounds):
                app_times.append(timed(aggregate))
                raw_times.append(timed(lambda: _raw_run(statements)))
            results[name] = {
                "median_ms": median_ms(app_times),
                "raw_sql_ms": median_ms(raw_times),
                "ratio": round(statistics.median(app_times) / statistics.median(raw_times), 2),
                "statements": len(statements),
            }
        db.session.rollback()
    return results


@contextmanager
def _large_batch(size: int) -> Iterator[PaymentBatch]:
    """A batch of ``size`` payments, made in a transaction that is rolled back after."""
    chosen = select(Payment.id).order_by(Payment.id.desc()).limit(size).scalar_subquery()
    db.session.execute(
        update(Payment)
        .where(Payment.id.in_(chosen))
        .values(status=PaymentStatus.APPROVED, batch_id=None)
        .execution_options(synchronize_session=False)
    )
    finance = db.session.get(User, FINANCE_OFFICER)
    assert finance is not None
    batch = create_batch(provider_id=None, by=finance)
    db.session.flush()
    try:
        yield batch
    finally:
        db.session.rollback()


PLAIN_EXPORT_SQL = """
SELECT b.reference, pr.supplier_reference, pr.name, p.amount_pence, p.reference, p.kind,
       su.case_reference, r.id, COALESCE(p.second_approved_at, r.decided_at, p.created_at)
FROM payments p
JOIN payment_batches b ON b.id = p.batch_id
JOIN providers pr ON pr.id = p.provider_id
JOIN service_users su ON su.id = p.service_user_id
JOIN recommendations r ON r.id = p.recommendation_id
WHERE p.batch_id = {marker}
ORDER BY pr.name, p.reference
"""


def _plain_export(batch_id: int, marker: str) -> bytes:
    """What a one-off script would do: the query, the csv module, a string."""
    cursor = db.session.connection().connection.cursor()
    cursor.execute(PLAIN_EXPORT_SQL.format(marker=marker), (batch_id,))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for batch_ref, supplier, name, pence, ref, kind, case, rec, approved in cursor.fetchall():
        writer.writerow(
            (
                batch_ref,
                supplier,
                name,
                f"{pence // 100}.{pence % 100:02d}",
                "HC4100",
                "5210",
                ref,
                kind,
                case,
                f"R{rec:06d}",
                str(approved)[:10],
            )
        )
    cursor.close()
    return buffer.getvalue().encode("utf-8")


def export_and_pdf(council: Council, *, rounds: int) -> dict[str, Any]:
    """A 10,000-payment batch's CSV against a plain script, and the largest provider's
    remittance against a document of the same pages from constant data."""
    with council.app.app_context(), _large_batch(10000) as batch:
        marker = "%s" if db.session.get_bind().dialect.name == "postgresql" else "?"
        count = db.session.scalar(select(func.count()).where(Payment.batch_id == batch.id))

        def app_export() -> bytes:
            return payment_list_csv(
                payment_list_rows(batch.id),
                batch_reference=batch.reference,
                cost_centre="HC4100",
                nominal_code="5210",
            )

        app_times, plain_times = [], []
        for _ in range(rounds):
            app_times.append(timed_from_clean_heap(app_export))
            plain_times.append(timed_from_clean_heap(lambda: _plain_export(batch.id, marker)))
        export = {
            "payments": count,
            "median_ms": median_ms(app_times),
            "plain_script_ms": median_ms(plain_times),
            "ratio": round(statistics.median(app_times) / statistics.median(plain_times), 2),
        }

        provider_id, lines = db.session.execute(
            select(Payment.provider_id, func.count())
            .where(Payment.batch_id == batch.id)
            .group_by(Payment.provider_id)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        with council.app.test_request_context():
            remittance = remittance_for(batch, provider_id)
            assert remittance is not None
            app_pdf = remittance_pdf(remittance)
            pages = _pages(app_pdf)
            pdf_times, constant_times = [], []
            for _ in range(max(3, rounds // 2)):
                pdf_times.append(
                    timed_from_clean_heap(
                        lambda: remittance_pdf(remittance_for(batch, provider_id))  # type: ignore[arg-type]
                    )
                )
                constant_times.append(timed_from_clean_heap(lambda: constant_document(lines)))
    return {
        "export": export,
        "pdf": {
            "lines": lines,
            "pages": pages,
            "constant_document_pages": _pages(constant_document(lines)),
            "median_ms": median_ms(pdf_times),
            "constant_document_ms": median_ms(constant_times),
            "ratio": round(statistics.median(pdf_times) / statistics.median(constant_times), 2),
        },
    }


def subject_access(council: Council, *, rounds: int) -> dict[str, Any]:
    """The subject access PDF of the person with the most package lines, read and built."""
    with council.app.app_context(), council.app.test_request_context():
        person_id = db.session.scalar(
            select(PackageLine.service_user_id)
            .group_by(PackageLine.service_user_id)
            .order_by(func.count().desc(), PackageLine.service_user_id)
            .limit(1)
        )
        person, by = db.session.get(ServiceUser, person_id), db.session.get(User, COMMISSIONER)

        def build() -> bytes:
            held = gather(person, council="Bench Council", by=by)  # type: ignore[arg-type]
            return subject_access_pdf(held, service_name="Bench", brand="#1d5b79")

        pages = _pages(build())
        times = [timed_from_clean_heap(build) for _ in range(rounds)]
    return {"service_user_id": person_id, "pages": pages, "median_ms": median_ms(times)}


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", pdf))


def constant_document(lines: int) -> bytes:
    """The pages of a remittance with ``lines`` lines, from constant data: the same page
    size, fonts and table (wrapped case reference and description, plain strings for the
    rest), a heading, and nothing read from the records: what reportlab itself costs."""
    regular, bold = font_names()
    cell = ParagraphStyle("cell", fontName=regular, fontSize=9, leading=11.5)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=32 * mm
    )
    description = (
        "Package reduction approved 1 April 2026: 3 hours 30 minutes a week at £21.20 an hour "
        "for 4 weeks"
    )
    rows: list[list[Any]] = [
        ["Payment reference", "Case reference", "Recommendation", "What it is for", "Amount"]
    ]
    # A paragraph for each wrapped cell, as any document of this table has.
    rows += [
        ["OOP0000001", "BC0000001", "R000001", Paragraph(description, cell), "£296.80"]
        for _ in range(lines)
    ]
    rows.append(["Total", "", "", "", "£165,614.40"])
    table = Table(
        rows, colWidths=[25 * mm, 22 * mm, 31 * mm, None, 25 * mm], repeatRows=1, splitInRow=1
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), regular),
                ("FONTNAME", (0, 0), (-1, 0), bold),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.grey),
                ("ROWBACKGROUNDS", (0, 1), (-1, -2), [colors.white, colors.whitesmoke]),
                ("SPAN", (0, -1), (3, -1)),
            ]
        )
    )
    title = ParagraphStyle("title", fontName=bold, fontSize=22, leading=26)
    doc.build([Paragraph("Remittance advice", title), table])
    return buffer.getvalue()


def report(council: Council, *, rounds: int) -> dict[str, Any]:
    """The committee's annual report for the latest complete year, from the records,
    against the same report laid out from constant sections of the same shape (every text
    the same length, every figure a constant): what building it from the records adds to
    drawing it. A plain reportlab document of as many sections is timed too, for scale."""
    with council.app.app_context(), council.app.test_request_context():
        year = FinancialYear(FinancialYear.containing(today()).start_year - 1)
        sections = dashboard.sections(Span(year))
        constant = [constant_like(section) for section in sections]
        details = ReportDetails(
            council_name=council.app.config["COUNCIL_NAME"],
            brand_colour=council.app.config["COUNCIL_BRAND_COLOUR"],
            year=year,
            produced_on=today(),
        )
        shape = report_shape(sections)
        app_pdf = annual_report_pdf(year)
        constant_pdf = report_pdf(constant, details)
        plain_pdf = constant_report(shape)
        app_times, constant_times, plain_times = [], [], []
        for _ in range(rounds):
            app_times.append(timed_from_clean_heap(lambda: annual_report_pdf(year)))
            constant_times.append(timed_from_clean_heap(lambda: report_pdf(constant, details)))
            plain_times.append(timed_from_clean_heap(lambda: constant_report(shape)))
    return {
        "year": year.label,
        "sections": len(shape),
        "pages": _pages(app_pdf),
        "constant_document_pages": _pages(constant_pdf),
        "median_ms": median_ms(app_times),
        "constant_document_ms": median_ms(constant_times),
        "ratio": round(statistics.median(app_times) / statistics.median(constant_times), 2),
        "plain_document_pages": _pages(plain_pdf),
        "plain_document_ms": median_ms(plain_times),
    }


# Constant words and figures to stand in for a section's own, cut to each text's length.
FILLER = "Outcome three was met by most of the people in the sample, as the year before. " * 40
DIGITS = "1,234,567,890" * 10


def _like(text: str, *, figure: bool = False) -> str:
    """Constant text as long as ``text``: the same room on the page, none of its words."""
    return (DIGITS if figure else FILLER)[: len(text)]


def constant_like(section: Section) -> Section:
    """The section with every text replaced by constant words of the same length and
    every figure by a constant: the same headings, rows, columns, charts and notes."""
    table = section.table
    rows = tuple(
        tuple(
            Cell(_like(cell.text, figure=table.is_numeric(column)), None)
            for column, cell in enumerate(row)
        )
        for row in table.rows
    )
    chart = section.chart
    return Section(
        key=section.key,
        title=_like(section.title),
        commentary=tuple(_like(sentence) for sentence in section.commentary),
        table=FiguresTable(tuple(_like(name) for name in table.columns), rows, table.numeric),
        chart=None
        if chart is None
        else replace(
            chart,
            title=_like(chart.title),
            categories=tuple(_like(category) for category in chart.categories),
            series=tuple(
                Series(_like(series.name), tuple(None if v is None else 40 for v in series.values))
                for series in chart.series
            ),
        ),
        notes=tuple(_like(note) for note in section.notes),
    )


@dataclass(frozen=True)
class SectionShape:
    """What a report section holds, without its figures."""

    commentary: int
    columns: int
    rows: int
    chart: tuple[ChartKind, int, int] | None  # kind, categories, series
    notes: int


def report_shape(sections: list[Section]) -> list[SectionShape]:
    return [
        SectionShape(
            commentary=len(section.commentary),
            columns=len(section.table.columns),
            rows=len(section.table.rows),
            chart=None
            if section.chart is None
            else (section.chart.kind, len(section.chart.categories), len(section.chart.series)),
            notes=len(section.notes),
        )
        for section in sections
    ]


def constant_report(shape: list[SectionShape]) -> bytes:
    """A plain reportlab document of as many sections, for scale (no goal): a cover and
    contents, then for each section a heading, sentences, a chart of constant numbers with
    the same categories and series, a table of as many rows and columns (its headings
    wrapped as paragraphs, its figures plain strings) and notes; a footer on each page."""
    regular, bold = font_names()
    body = ParagraphStyle("body", fontName=regular, fontSize=10.5, leading=15, spaceAfter=6)
    heading = ParagraphStyle("heading", parent=body, fontName=bold, fontSize=17, leading=22)
    header = ParagraphStyle("header", parent=body, fontName=bold, fontSize=9, leading=11.5)
    note = ParagraphStyle("note", parent=body, fontSize=8.5, leading=11.5)
    sentence = "Outcome 3 was met by 100% of a sample of 50, up from 96% the year before."
    story: list[Any] = [
        Paragraph("Home care contracts: annual monitoring report 2025/26", heading),
        Paragraph(sentence, body),
        PageBreak(),
        Paragraph("Contents", heading),
    ]
    story += [Paragraph(f"{n} A section of the report", body) for n in range(len(shape) + 1)]
    story += [CondPageBreak(80 * mm), Paragraph("Summary of key figures", heading)]
    story += [Paragraph(f"{n} A section: {sentence}", body) for n in range(len(shape))]
    width = A4[0] - 44 * mm - 12
    for number, section in enumerate(shape, start=1):
        # Laid out as the report is: each section on the page if 90mm is left, its
        # heading, sentences and chart kept together.
        opening: list[Any] = [Paragraph(f"{number} A section of the report", heading)]
        opening += [Paragraph(sentence, body) for _ in range(section.commentary)]
        if section.chart is not None:
            kind, categories, series = section.chart
            chart = Chart(
                kind,
                "A chart",
                tuple(f"Q{n}" for n in range(categories)),
                tuple(Series(f"Series {n}", (40,) * categories) for n in range(series)),
                "People",
            )
            opening += [
                Paragraph("A chart", body),
                charts.drawing(chart, width=width, height=74 * mm),
            ]
        story += [CondPageBreak(90 * mm), KeepTogether([*opening, Spacer(1, 4 * mm)])]
        columns = max(section.columns, 1)
        rows: list[list[Any]] = [[Paragraph("A column heading", header) for _ in range(columns)]]
        rows += [["Brightwater Home Care"] + ["2,064"] * (columns - 1)] * section.rows
        table = Table(rows, colWidths=[width / columns] * columns, repeatRows=1, splitInRow=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 1), (-1, -1), regular),
                    ("FONTSIZE", (0, 1), (-1, -1), 9),
                    ("LEADING", (0, 1), (-1, -1), 11.7),
                    ("TOPPADDING", (0, 0), (-1, -1), 4),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                    ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.whitesmoke]),
                ]
            )
        )
        story.append(table)
        story += [Paragraph(sentence, note) for _ in range(section.notes)]
        story.append(Spacer(1, 10 * mm))

    def footer(canvas: Any, doc: Any) -> None:
        canvas.setFont(regular, 8.5)
        canvas.drawString(22 * mm, 15 * mm, "Northfield Borough Council · Annual report")
        canvas.drawRightString(A4[0] - 22 * mm, 15 * mm, f"Page {doc.page}")

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=26 * mm,
        bottomMargin=24 * mm,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def unreturned_people_moved_to_provider(size: int) -> tuple[ReportingPeriod, list[Any]]:
    """The latest quarter, and up to ``size`` people with no return for it yet (id and case
    reference), moved with their lines to the benchmark's provider, who then owes their
    returns: flushed, for the caller to roll back."""
    period = db.session.scalars(
        select(ReportingPeriod)
        .where(ReportingPeriod.kind == PeriodKind.OUTCOMES)
        .order_by(ReportingPeriod.start_date.desc())
        .limit(1)
    ).one()
    people = db.session.execute(
        text(
            "SELECT id, case_reference FROM service_users s WHERE NOT EXISTS "
            "(SELECT 1 FROM outcome_returns r WHERE r.service_user_id = s.id "
            "AND r.period_id = :period) ORDER BY id LIMIT :size"
        ),
        {"period": period.id, "size": size},
    ).all()
    ids = [person_id for person_id, _ in people]
    db.session.execute(
        update(ServiceUser).where(ServiceUser.id.in_(ids)).values(provider_id=PROVIDER)
    )
    db.session.execute(
        update(PackageLine).where(PackageLine.service_user_id.in_(ids)).values(provider_id=PROVIDER)
    )
    # Lines moved in bulk: who owes their returns is worked out again, as a flush would.
    owed.refresh(db.session.connection(), people=ids)
    db.session.flush()
    return period, list(people)


def upload(council: Council, *, rounds: int, size: int = 2000) -> dict[str, Any]:
    """A 2,000-row outcome CSV checked and saved, against a plain bulk insert of the rows.
    The rows are people with no return yet this quarter, moved to one provider for the
    run; everything is rolled back after each try."""
    with council.app.app_context():
        manager = db.session.get_one(User, MANAGER)
        period, people = unreturned_people_moved_to_provider(size)
        ids = [person_id for person_id, _ in people]
        rows = len(ids)  # fewer than asked only in a smaller council (tests, --smaller)
        content = upload_file([reference for _, reference in people])

        def app_upload() -> None:
            nested = db.session.begin_nested()
            rows = read_table("returns.csv", content)
            plan = plan_upload(period, provider_id=PROVIDER, rows=rows)
            if plan.problems or len(plan.rows) != len(ids):
                raise RuntimeError(f"the upload was refused: {plan.problems[:3]}")
            import_returns(period=period, rows=plan.rows, existing=plan.existing, by=manager)
            db.session.flush()
            nested.rollback()
            db.session.expire_all()

        def plain_insert() -> None:
            nested = db.session.begin_nested()
            _plain_returns(period.id, content)
            nested.rollback()

        timings = against_plain_insert(app_upload, plain_insert, rounds=rounds)
        db.session.rollback()
    return {"rows": rows, **timings}


def against_plain_insert(
    app_action: Callable[[], None], plain_insert: Callable[[], None], *, rounds: int
) -> dict[str, float]:
    """The app's way and a plain insert, one after the other each round, each from a clean
    heap: their medians and the ratio of the app's to the plain one's."""
    app_times, plain_times = [], []
    for _ in range(rounds):
        app_times.append(timed_from_clean_heap(app_action))
        plain_times.append(timed_from_clean_heap(plain_insert))
    return {
        "median_ms": median_ms(app_times),
        "plain_insert_ms": median_ms(plain_times),
        "ratio": round(statistics.median(app_times) / statistics.median(plain_times), 2),
    }


def upload_file(references: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(UPLOAD_HEADER)
    for reference in references:
        row = [reference, ""]
        for measure in MEASURES:
            row += ["met", "Seen at the care review.", measure.sources[0].label, ""]
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def _plain_returns(period_id: int, content: bytes) -> None:
    """What a one-off script would do with the same file: read it with the csv module, look
    up the people, and insert the rows with the driver's executemany. No checks, no audit."""
    connection = db.session.connection()
    marker = "%s" if connection.dialect.name == "postgresql" else "?"
    cursor = connection.connection.cursor()
    cursor.execute(
        f"SELECT case_reference, id FROM service_users WHERE provider_id = {marker}",  # noqa: S608
        (PROVIDER,),
    )
    people = dict(cursor.fetchall())
    reader = csv.reader(io.StringIO(content.decode("utf-8")))
    next(reader)
    rows = list(reader)
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM outcome_returns")
    first = int(cursor.fetchall()[0][0]) + 1
    now = dt.datetime.now(dt.UTC)
    returns = [
        (first + n, period_id, people[row[0]], PROVIDER, "submitted", now, MANAGER, "", now, now)
        for n, row in enumerate(rows)
    ]
    values = ", ".join([marker] * 10)
    cursor.executemany(
        "INSERT INTO outcome_returns (id, period_id, service_user_id, provider_id, status, "  # noqa: S608
        f"submitted_at, submitted_by_id, review_reason, created_at, updated_at) VALUES ({values})",
        returns,
    )
    answers = [
        (
            returned[0],
            measure.code,
            row[2 + 4 * n],
            row[3 + 4 * n],
            row[5 + 4 * n],
            json.dumps([row[4 + 4 * n]]),
        )
        for returned, row in zip(returns, rows, strict=True)
        for n, measure in enumerate(MEASURES)
    ]
    values = ", ".join([marker] * 6)
    cursor.executemany(
        "INSERT INTO outcome_answers (return_id, measure, result, evidence, "  # noqa: S608
        f"not_applicable_reason, evidence_sources) VALUES ({values})",
        answers,
    )
    cursor.close()
