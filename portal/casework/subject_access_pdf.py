"""The subject access request as a readable PDF, in the look of the remittance advice (the
council's band at the top, its name and the page number at the foot): a heading for each
kind of record, and tables whose every cell wraps, since most of what is held was typed.

Built in memory from ``SubjectAccess``, which is one person's record and so small."""

from __future__ import annotations

import io
import json
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from portal.casework.subject_access import SubjectAccess
from portal.common.dates import format_date, format_moment
from portal.common.money import format_hours_figure, format_pence
from portal.outcomes.measures import EvidenceSource, MeasureResult
from portal.payments.remittance import (
    FRAME_WIDTH,
    RULE_COLOUR,
    STRIPE_COLOUR,
    BrandedPage,
    brand_colour,
    branded_document,
    label_table,
    pdf_styles,
    pdf_text,
)

TITLE = "Subject access request"
# What a table may fill: the page between the margins, less the frame's 6 points of padding
# either side (a table as wide as the margins is pushed out past the left one).
WIDTH = FRAME_WIDTH - 12
EVIDENCE_CODES = frozenset(source.value for source in EvidenceSource)
NO_ADDRESS = (
    "The portal holds no address for the person: the council’s case system does, and a "
    "request to it covers the address."
)


def subject_access_pdf(held: SubjectAccess, *, service_name: str, brand: str) -> bytes:
    person = held.person
    styles = pdf_styles()
    colour = brand_colour(brand)
    report = _Report(styles, colour)
    report.story += [
        Paragraph(TITLE, styles.title),
        Paragraph(pdf_text(f"{person.full_name}, {person.case_reference}"), styles.subtitle),
        Spacer(1, 6 * mm),
        report.pairs(
            [
                ("Council", held.request.council),
                ("Request made", format_date(held.request.made_on)),
                ("Made by", held.request.made_by),
            ]
        ),
    ]
    report.heading("The person’s details")
    report.story += [
        report.pairs(_details(held)),
        Spacer(1, 2 * mm),
        Paragraph(pdf_text(NO_ADDRESS), styles.body),
    ]
    _package_lines(report, held)
    _outcome_returns(report, held)
    _recommendations(report, held)
    _payments(report, held)
    _audit_events(report, held)
    buffer = io.BytesIO()
    doc = branded_document(
        buffer,
        title=f"{TITLE}: {person.full_name}",
        council_name=held.request.council,
        service_name=service_name,
    )
    page = BrandedPage(
        held.request.council,
        f"{held.request.council}, {service_name}. {TITLE} for {person.case_reference}, "
        f"made {format_date(held.request.made_on)}. Personal data: keep it safe.",
        styles,
        colour,
    )
    doc.build(report.story, onFirstPage=page, onLaterPages=page)
    return buffer.getvalue()


class _Report:
    """The story being built, with the few shapes every section uses."""

    def __init__(self, styles: Any, brand: colors.Color) -> None:
        self.styles = styles
        self.brand = brand
        self.story: list[Flowable] = []
        self.heading_style = ParagraphStyle(
            "heading",
            parent=styles.title,
            fontSize=15,
            leading=19,
            spaceBefore=8,
            spaceAfter=4,
            keepWithNext=1,
        )
        self.subheading_style = ParagraphStyle(
            "subheading",
            parent=styles.label,
            fontSize=11,
            leading=14,
            spaceBefore=6,
            spaceAfter=2,
            keepWithNext=1,
        )

    def heading(self, text: str) -> None:
        self.story += [Spacer(1, 4 * mm), Paragraph(pdf_text(text), self.heading_style)]

    def subheading(self, text: str) -> None:
        self.story.append(Paragraph(pdf_text(text), self.subheading_style))

    def none(self, text: str) -> None:
        self.story.append(Paragraph(pdf_text(text), self.styles.body))

    def pairs(self, rows: list[tuple[str, str]]) -> Table:
        return label_table(rows, self.styles, label_width=45 * mm, width=WIDTH)

    def table(self, columns: list[tuple[str, float | None]], rows: list[list[str]]) -> None:
        """A table of wrapping cells under a header repeated on each page; columns without
        a width share what is left."""
        fixed = sum(width or 0 for _, width in columns)
        loose = sum(1 for _, width in columns if width is None) or 1
        widths = [width or (WIDTH - fixed) / loose for _, width in columns]
        cell = self.styles.cell
        data = [[Paragraph(pdf_text(name), self.styles.cell_bold) for name, _ in columns]]
        data += [[Paragraph(pdf_text(value), cell) for value in row] for row in rows]
        style = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("LINEBELOW", (0, 0), (-1, 0), 1.5, self.brand),
            ("LINEBELOW", (0, 1), (-1, -1), 0.5, RULE_COLOUR),
        ]
        if len(data) > 2:
            style.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, STRIPE_COLOUR]))
        # splitInRow: a cell of typed text longer than a page carries on over the break.
        table = Table(data, colWidths=widths, repeatRows=1, splitInRow=1, hAlign="LEFT")
        table.setStyle(TableStyle(style))
        self.story += [table, Spacer(1, 3 * mm)]


def _label(value: Any) -> str:
    return "" if value is None else str(getattr(value, "label", value))


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def _details(held: SubjectAccess) -> list[tuple[str, str]]:
    person = held.person
    return [
        ("Name", person.full_name),
        ("Case reference", person.case_reference),
        ("NHS number", person.nhs_number or "Not recorded"),
        ("Date of birth", format_date(person.date_of_birth) or "Not held"),
        ("Funding", _label(person.funding)),
        ("Area", f"{_label(person.quadrant)} quadrant, {_label(person.pricing_zone)} zone"),
        ("Sex", _label(person.sex) or "Not recorded"),
        ("Ethnicity", _label(person.ethnicity) or "Not recorded"),
        ("Provider now", person.provider.name),
        ("On the portal since", format_date(person.created_at)),
    ]


def _package_lines(report: _Report, held: SubjectAccess) -> None:
    report.heading("Care package lines, oldest first")
    if not held.package_lines:
        report.none("No package lines.")
        return
    report.table(
        [
            ("From", 22 * mm),
            ("To", 22 * mm),
            ("Provider", 32 * mm),
            ("Line", None),
            ("Hours a week", 17 * mm),
            ("Rate an hour", 17 * mm),
            ("Cost a week", 19 * mm),
        ],
        [
            [
                format_date(line.start_date),
                format_date(line.end_date) or "Continuing",
                line.provider_name,
                f"{line.description} ({_label(line.care_category)})",
                format_hours_figure(line.weekly_minutes),
                format_pence(line.hourly_rate_pence),
                format_pence(line.weekly_cost_pence),
            ]
            for line in held.package_lines
        ],
    )


def _outcome_returns(report: _Report, held: SubjectAccess) -> None:
    report.heading("Outcome returns")
    if not held.outcome_returns:
        report.none("No outcome returns.")
    for outcome_return in held.outcome_returns:
        report.subheading(f"{outcome_return.period.label}: {outcome_return.status.label}")
        facts = [("Provider", outcome_return.provider_name)]
        if outcome_return.submitted_at:
            facts.append(
                ("Submitted", _by(outcome_return.submitted_at, outcome_return.submitted_by))
            )
        if outcome_return.reviewed_at:
            facts.append(("Reviewed", _by(outcome_return.reviewed_at, outcome_return.reviewed_by)))
        if outcome_return.review_reason:
            facts.append(("Returned because", outcome_return.review_reason))
        report.story.append(report.pairs(facts))
        report.table(
            [("Measure", 18 * mm), ("Result", 24 * mm), ("Evidence", None), ("Sources", 50 * mm)],
            [
                [
                    answer.measure,
                    MeasureResult(answer.result).label,
                    answer.evidence or answer.not_applicable_reason,
                    "; ".join(_source(code) for code in answer.evidence_sources or []),
                ]
                for answer in outcome_return.answers
            ],
        )


def _source(code: str) -> str:
    """An evidence source in words; a code not on Appendix A's list (the column holds what
    was saved, whatever it was) as it is stored, since the request is for what is held."""
    return EvidenceSource(code).label if code in EVIDENCE_CODES else code


def _by(moment: Any, user: Any) -> str:
    who = f" by {user.name}" if user is not None else ""
    return f"{format_moment(moment)}{who}"


def _recommendations(report: _Report, held: SubjectAccess) -> None:
    report.heading("Package change recommendations")
    if not held.recommendations:
        report.none("No recommendations.")
    for rec in held.recommendations:
        report.subheading(f"{rec.reference}: {rec.kind.label}, {rec.status.label.lower()}")
        facts = [
            ("Provider", rec.provider.name),
            ("Made", _by(rec.created_at, rec.created_by)),
            ("Reason", f"{rec.reason_category.label}: {rec.reason}"),
            ("Evidence", rec.evidence),
            ("Person consulted and agrees", _yes(rec.person_consulted_and_agrees)),
            ("Family consulted", _yes(rec.family_consulted)),
            ("Risk assessed", _yes(rec.risk_assessed)),
            ("Proposed start", format_date(rec.proposed_start_date)),
        ]
        if rec.decided_at:
            facts.append(("Decided", _by(rec.decided_at, rec.decided_by)))
        if rec.decision_reason:
            facts.append(("Decision reason", rec.decision_reason))
        if rec.agreed_start_date:
            facts.append(("Agreed start", format_date(rec.agreed_start_date)))
        report.story.append(report.pairs(facts))
        report.table(
            [("Proposed line", None), ("Hours a week", 22 * mm), ("Cost a week", 22 * mm)],
            [
                [
                    line.description,
                    format_hours_figure(line.weekly_minutes),
                    format_pence(line.weekly_cost_pence),
                ]
                for line in rec.lines
            ],
        )
        if rec.messages:
            report.table(
                [("Message", 45 * mm), ("Who and when", 50 * mm), ("What was said", None)],
                [[m.kind.label, _by(m.created_at, m.author), m.text] for m in rec.messages],
            )


def _payments(report: _Report, held: SubjectAccess) -> None:
    report.heading("One-off payments to the provider")
    if not held.payments:
        report.none("No payments.")
        return
    report.table(
        [
            ("Payment", 25 * mm),
            ("Provider", None),
            ("For", 22 * mm),
            ("Amount", 22 * mm),
            ("Status", 25 * mm),
            ("Batch", 20 * mm),
            ("Reason", None),
        ],
        [
            [
                f"{p.reference} ({p.kind.label.lower()})",
                p.provider.name,
                p.recommendation_reference,
                format_pence(p.amount_pence),
                p.status.label,
                p.batch.reference if p.batch else "",
                p.reason,
            ]
            for p in held.payments
        ],
    )


def _audit_events(report: _Report, held: SubjectAccess) -> None:
    report.heading("Who did what with these records")
    if not held.audit_events:
        report.none("No audit events.")
        return
    report.table(
        [
            ("When", 28 * mm),
            ("Who", 28 * mm),
            ("What", 30 * mm),
            ("Record", 30 * mm),
            ("Values recorded", None),
        ],
        [
            [
                format_moment(event.occurred_at),
                event.actor_name or "The portal",
                _words(event.action),
                f"{_words(event.entity_type)} {event.entity_id}",
                _values(event.before, event.after),
            ]
            for event in held.audit_events
        ],
    )


def _words(code: str) -> str:
    """An action or record type as the trail stores it, in words: outcome_return.submitted
    is "Outcome return submitted"."""
    return code.replace(".", " ").replace("_", " ").capitalize()


def _values(before: Any, after: Any) -> str:
    """An event's values before and after, each field named in words."""
    parts = []
    for title, values in (("Before", before), ("After", after)):
        if isinstance(values, dict) and values:
            named = (
                f"{_words(k).lower()}: {_value(v)}"
                for k, v in sorted(values.items())
                if v not in (None, "")
            )
            parts.append(f"{title}: " + "; ".join(named) + ".")
    return " ".join(parts)


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
