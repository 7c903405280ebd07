"""Do reductions hold? The dashboard's and the committee report's sections: for each
checkpoint (91 days and 12 months after a reduction's agreed start), the reductions whose
checkpoint falls in the span, by provider, as held, went back up, ended or not yet known,
with the share sustained; a chart of the share sustained at both checkpoints by provider;
and sentences written from the figures, read by ``portal.recommendations.sustained``."""

from __future__ import annotations

from collections.abc import Sequence

from portal.recommendations.checkpoints import CHECKPOINTS
from portal.recommendations.sustained import (
    CHECKPOINT_NAMES,
    Held,
    HeldFigures,
    ProviderHeld,
    held_figures,
)
from portal.reports.sections import Cell, Chart, ChartKind, Section, Series, Span, Table

COLUMNS = (
    "Provider",
    "Reductions",
    "Held",
    "Went back up",
    "Ended",
    "Not yet known",
    "Sustained",
)
COUNCIL = "All providers"
NOTES = (
    "A reduction held if the person had no more weekly hours at the checkpoint than the "
    "reduction left them with, went back up if they had more, and ended if no package line "
    "was in force. The package is every line in force that day, whoever provides it.",
    "Each reduction is counted in the span its checkpoint falls in, so it may appear at 91 "
    "days in one year and at 12 months in the next. The share sustained is of the "
    "reductions whose checkpoint has come; one still to come is not yet known.",
)


def _percent(share: int | None) -> Cell:
    return Cell("–", None) if share is None else Cell(f"{share}%", share)


def _row(name: str, held: Held) -> tuple[Cell, ...]:
    return (
        Cell.of(name),
        Cell.count(held.reductions),
        Cell.count(held.held),
        Cell.count(held.went_back_up),
        Cell.count(held.ended),
        Cell.count(held.not_yet_known),
        _percent(held.sustained_percent),
    )


def _table(figures: HeldFigures, days: int) -> Table:
    rows = [_row(p.provider_name, p.at[days]) for p in figures.providers if p.at[days].reductions]
    rows.append(_row(COUNCIL, figures.council[days]))
    return Table(COLUMNS, tuple(rows), numeric=(False, *([True] * (len(COLUMNS) - 1))))


def _some(count: int) -> str:
    return "none" if count == 0 else f"{count:,}"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def commentary(figures: HeldFigures, days: int, span: Span) -> tuple[str, ...]:
    """Sentences from the figures: what the council's reductions did at the checkpoint,
    what is still to come, and which providers' held most and least often."""
    when = CHECKPOINT_NAMES[days]
    total = figures.council[days]
    sentences = []
    if total.known:
        sentences.append(
            f"{total.held:,} of {_plural(total.known, 'reduction', 'reductions')} "
            f"({total.sustained_percent}%) that reached {when} in {span.label} had held; "
            f"{_some(total.went_back_up)} went back up and {_some(total.ended)} ended."
        )
    elif not total.reductions:
        sentences.append(f"No approved reduction reaches {when} in {span.label}.")
    else:
        sentences.append(f"No approved reduction has reached {when} in {span.label} yet.")
    if total.not_yet_known:
        sentences.append(
            f"{_plural(total.not_yet_known, 'more reaches', 'more reach')} {when} later in "
            f"the {'quarter' if span.quarter else 'year'}."
        )
    compared = [p for p in figures.providers if p.at[days].known]
    if len(compared) > 1:
        best = max(compared, key=lambda p: _order(p, days))
        worst = min(compared, key=lambda p: _order(p, days))
        if best.at[days].sustained_percent != worst.at[days].sustained_percent:
            sentences.append(
                f"At {when}, reductions held most often with {_held_sentence(best, days)}, "
                f"and least often with {_held_sentence(worst, days)}."
            )
    return tuple(sentences)


def _order(provider: ProviderHeld, days: int) -> tuple[int, int]:
    held = provider.at[days]
    return (held.sustained_percent or 0, held.known)


def _held_sentence(provider: ProviderHeld, days: int) -> str:
    held = provider.at[days]
    return f"{provider.provider_name}, {held.held:,} of {held.known:,} ({held.sustained_percent}%)"


def _chart(figures: HeldFigures, span: Span) -> Chart:
    shown = [p for p in figures.providers if any(p.at[days].known for days in CHECKPOINTS)]
    return Chart(
        kind=ChartKind.BARS,
        title=f"Share of reductions sustained at 91 days and 12 months, {span.label}",
        categories=(*(p.provider_name for p in shown), COUNCIL),
        series=tuple(
            Series(
                f"At {CHECKPOINT_NAMES[days]}",
                (
                    *(p.at[days].sustained_percent for p in shown),
                    figures.council[days].sustained_percent,
                ),
            )
            for days in CHECKPOINTS
        ),
        value_axis="Percent sustained",
        percent=True,
    )


def held_sections(span: Span) -> Sequence[Section]:
    """One section a checkpoint; the first carries the chart of both."""
    figures = held_figures(span.first_day, span.last_day)
    made = []
    for index, days in enumerate(CHECKPOINTS):
        when = CHECKPOINT_NAMES[days]
        made.append(
            Section(
                key=f"reductions-held-{when.replace(' ', '-')}",
                title=f"Do reductions hold? At {when}",
                commentary=commentary(figures, days, span),
                table=_table(figures, days),
                chart=_chart(figures, span) if index == 0 else None,
                notes=NOTES,
            )
        )
    return made


def provider_held_section(
    provider_id: int, provider_name: str, span: Span, figures: HeldFigures | None = None
) -> Section:
    """One provider's reductions at both checkpoints beside the council's, for its
    scorecard: the same stored verdicts and the same grouped statement as the dashboard's."""
    if figures is None:
        figures = held_figures(span.first_day, span.last_day, provider=(provider_id, provider_name))
    mine = figures.providers[0] if figures.providers else ProviderHeld(provider_id, provider_name)
    totals = figures.council
    rows = []
    sentences = []
    for days in CHECKPOINTS:
        when = CHECKPOINT_NAMES[days]
        held, council = mine.at[days], totals[days]
        rows.append(
            (
                Cell.of(f"At {when}"),
                *_row(provider_name, held)[1:],
                _percent(council.sustained_percent),
            )
        )
        if held.known:
            sentences.append(
                f"At {when}, {held.held:,} of {provider_name}'s "
                f"{_plural(held.known, 'reduction', 'reductions')} that reached it in "
                f"{span.label} had held ({held.sustained_percent}%), against "
                f"{council.sustained_percent}% across all providers."
            )
        elif held.reductions:
            sentences.append(f"None of {provider_name}'s reductions has reached {when} yet.")
    if not sentences:
        sentences.append(
            f"No reduction of {provider_name}'s reaches 91 days or 12 months in {span.label}."
        )
    columns = ("Checkpoint", *COLUMNS[1:], "All providers sustained")
    chart = None
    if any(mine.at[days].known for days in CHECKPOINTS):
        chart = Chart(
            kind=ChartKind.BARS,
            title=f"Share of {provider_name}'s reductions sustained, against all providers, "
            f"{span.label}",
            categories=tuple(f"At {CHECKPOINT_NAMES[days]}" for days in CHECKPOINTS),
            series=(
                Series(provider_name, tuple(mine.at[d].sustained_percent for d in CHECKPOINTS)),
                Series(COUNCIL, tuple(totals[d].sustained_percent for d in CHECKPOINTS)),
            ),
            value_axis="Percent sustained",
            percent=True,
        )
    return Section(
        key="reductions-held",
        title="Do reductions hold?",
        commentary=tuple(sentences),
        table=Table(columns, tuple(rows), numeric=(False, *([True] * (len(columns) - 1)))),
        chart=chart,
        notes=NOTES,
    )
