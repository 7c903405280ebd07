"""What an import changes, in words, for the preview's list."""

from __future__ import annotations

from dataclasses import dataclass

from portal.caseload.plan import Plan, describe_values
from portal.common.dates import format_date

_WHY_ENDED = {
    "vanished": ": not in the extract",
    "moved": ": the person moved provider",
    "ended": "",
}


@dataclass(frozen=True, slots=True)
class Change:
    what: str
    case_reference: str
    detail: str


def describe_changes(plan: Plan) -> list[Change]:
    """Each change, people first, then lines by case reference and line id, then lines
    ended (a changed line's end is told by its successor's row)."""
    names = plan.provider_names
    changes = [
        Change(
            "New person",
            p.case_reference,
            f"{p.given_name} {p.family_name}, with "
            f"{names[plan.provider_ids[p.supplier_reference]]}",
        )
        for p in plan.new_people
    ]
    changes += [
        Change(
            "Moved provider",
            p.case_reference,
            f"From {names[held.provider_id]} to {names[provider]}",
        )
        for held, p, provider in plan.moved_people
    ]
    changes += [
        Change("Details changed", p.case_reference, f"{p.given_name} {p.family_name}")
        for _, p in plan.changed_people
    ]
    changes += [
        Change(
            "Line changed" if s.succeeds else "Line started",
            s.case_reference,
            f"Line {s.line_id}: {describe_values(s.values)}, from {format_date(s.start_date)}, "
            f"with {names[s.values[0]]}",
        )
        for s in sorted(plan.starts, key=lambda s: (s.case_reference, s.line_id))
    ]
    changes += [
        Change(
            "Line ended",
            plan.ending_references[e.service_user_id],
            f"Ends on {format_date(e.end_date)}{_WHY_ENDED[e.why]}",
        )
        for e in plan.endings
        if e.why != "changed"
    ]
    return changes
