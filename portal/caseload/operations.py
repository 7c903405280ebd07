"""Previewing and applying an extract from the case system: the only code here that
changes state. Applying is set-based (a bulk insert or update for each kind of change, and
the audit events with them), in the request's one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from portal.audit.operations import AuditChange, record, record_many
from portal.caseload import content
from portal.caseload.extract import Extract, check_extract
from portal.caseload.models import CaseloadImport, ImportStatus
from portal.caseload.plan import (
    DETAILS,
    VALUES,
    Plan,
    load_providers,
    plan_import,
)
from portal.common import stored_figures
from portal.common.bulk import insert_returning
from portal.common.errors import DomainError
from portal.common.models import lock, utcnow
from portal.common.sheets import Problem, SheetRow
from portal.council.models import get_settings
from portal.council.rates import load_card
from portal.extensions import db
from portal.outcomes import owed
from portal.providers.models import PackageLine, ServiceUser
from portal.recommendations import checkpoints

PEOPLE = ServiceUser.__table__
LINES = PackageLine.__table__


@dataclass
class Checked:
    """A file checked and planned: the import it would make, or the problems that stop it."""

    extract: Extract
    plan: Plan | None
    problems: list[Problem]


def check_file(rows: list[SheetRow], *, extract_date: dt.date, full: bool) -> Checked:
    """Every row checked, then (when none has a problem) what the extract would change."""
    providers = load_providers()
    card = load_card()
    extract = check_extract(rows, providers=providers, card=card)
    if extract.problems:
        return Checked(extract, None, extract.problems)
    plan = plan_import(
        extract, extract_date=extract_date, full=full, providers=providers, card_rate=card.rate
    )
    if plan.problems:
        extract.rejected_rows = len({p.row for p in plan.problems})
    return Checked(extract, plan, plan.problems)


def replan(record_: CaseloadImport) -> tuple[Extract, Plan]:
    """What the import's content would change now."""
    extract = content.load(record_.content)
    providers = load_providers()
    card = load_card()
    plan = plan_import(
        extract,
        extract_date=record_.extract_date,
        full=record_.full_extract,
        providers=providers,
        card_rate=card.rate,
    )
    return extract, plan


def record_preview(
    checked: Checked, *, file_name: str, extract_date: dt.date, full: bool, by: Any
) -> CaseloadImport:
    """Keep a checked file with what it would change, for the commissioner to confirm."""
    plan = checked.plan
    if plan is None or checked.problems:
        raise DomainError("The file has problems: correct them and upload it again")
    preview = CaseloadImport(
        created_by_id=getattr(by, "id", None),
        file_name=file_name[:255],
        extract_date=extract_date,
        full_extract=full,
        status=ImportStatus.PREVIEWED,
        row_count=checked.extract.rows,
        counts=plan.counts,
        warning_count=len(plan.warnings),
        content=content.dump(checked.extract),
        plan_digest=plan.digest(),
    )
    db.session.add(preview)
    record("caseload_import.previewed", preview, by=by, after=_summary(preview))
    return preview


def abandon(preview: CaseloadImport, *, by: Any) -> None:
    lock(preview)
    _still_previewed(preview)
    _decided(preview, ImportStatus.ABANDONED, by=by)
    record(
        "caseload_import.abandoned",
        preview,
        by=by,
        before={"status": "previewed"},
        after={"status": "abandoned"},
    )


def apply(preview: CaseloadImport, *, by: Any) -> dict[str, int]:
    """Make the previewed changes, exactly; refused if the register has changed since the
    preview so that they would differ. Returns the counts applied."""
    _one_import_at_a_time()
    lock(preview)
    _still_previewed(preview)
    _, plan = replan(preview)
    if plan.problems or plan.digest() != preview.plan_digest:
        raise DomainError(
            "The register has changed since this preview, so the file would now make "
            "different changes: upload it again to see what it would change now"
        )
    return _apply(preview, plan, by=by)


def import_at_once(
    rows: list[SheetRow], *, file_name: str, extract_date: dt.date, full: bool, by: Any
) -> tuple[Checked, dict[str, int] | None]:
    """Check a file and, when it has no problem, apply it in the same transaction, recorded
    as previewed and applied at once (the nightly job's way): nothing can change in between,
    so the plan checked is the plan applied. The counts applied, or None."""
    _one_import_at_a_time()
    checked = check_file(rows, extract_date=extract_date, full=full)
    if checked.plan is None or checked.problems:
        return checked, None
    preview = record_preview(
        checked, file_name=file_name, extract_date=extract_date, full=full, by=by
    )
    return checked, _apply(preview, checked.plan, by=by)


def _one_import_at_a_time() -> None:
    """The council settings' single row is the lock: a second import waits for the first to
    commit, then plans against what it wrote."""
    lock(get_settings())


def _apply(preview: CaseloadImport, plan: Plan, *, by: Any) -> dict[str, int]:
    write(plan, by=by)
    _decided(preview, ImportStatus.APPLIED, by=by)
    record(
        "caseload_import.applied",
        preview,
        by=by,
        before={"status": "previewed"},
        after=_summary(preview),
    )
    return plan.counts


def _decided(preview: CaseloadImport, status: ImportStatus, *, by: Any) -> None:
    preview.status = status
    preview.decided_at = utcnow()
    preview.decided_by_id = getattr(by, "id", None)


def _still_previewed(preview: CaseloadImport) -> None:
    if preview.status != ImportStatus.PREVIEWED:
        raise DomainError(f"This import has been {preview.status.value} already")


def _summary(preview: CaseloadImport) -> dict[str, Any]:
    return {
        "status": preview.status.value,
        "file_name": preview.file_name,
        "extract_date": preview.extract_date.isoformat(),
        "full_extract": preview.full_extract,
        "rows": preview.row_count,
        "warnings": preview.warning_count,
        **preview.counts,
    }


def write(plan: Plan, *, by: Any) -> None:
    """The plan's changes as a few bulk statements, each with its audit events; then who
    owes outcome returns, worked out again for everyone touched."""
    person_ids = _write_people(plan, by=by)
    _write_endings(plan, by=by)
    _write_starts(plan, person_ids, by=by)
    touched = {e.service_user_id for e in plan.endings}
    touched |= {person_ids[s.case_reference] for s in plan.starts}
    touched |= {held.id for held, _, _ in plan.moved_people}
    if touched:
        owed.lines_changed(touched)
        checkpoints.lines_changed(touched)  # whether their reductions held
    changed_from = [s.start_date for s in plan.starts] + [
        min(e.end_date, e.before or e.end_date) for e in plan.endings
    ]
    if changed_from:
        # The dashboard's kept figures for those months are counted again.
        stored_figures.forget(stored_figures.PACKAGES, since=min(changed_from))


def _write_people(plan: Plan, *, by: Any) -> dict[str, int]:
    """New people added and held ones changed or moved; every person the plan's lines
    need, by case reference, with their id."""
    ids: dict[str, int] = {}
    if plan.new_people:
        columns = ("case_reference", *DETAILS, "provider_id")
        rows = [
            (
                p.case_reference,
                *(getattr(p, name) for name in DETAILS),
                plan.provider_ids[p.supplier_reference],
            )
            for p in plan.new_people
        ]
        made = insert_returning(PEOPLE, columns, rows, ("case_reference", "id"))
        ids.update(dict(made))
        record_many(
            "service_user.created",
            "service_users",
            [
                AuditChange(ids[row[0]], row[-1], None, _json(dict(zip(columns, row, strict=True))))
                for row in rows
            ],
            by=by,
        )
    changes: dict[int, dict[str, Any]] = {}
    details_changed = []
    regrouped = False
    for held, person in plan.changed_people:
        after = {name: getattr(person, name) for name in DETAILS}
        changes.setdefault(held.id, {"id": held.id}).update(after)
        before = dict(zip(DETAILS, held.details, strict=True))
        details_changed.append(AuditChange(held.id, held.provider_id, _json(before), _json(after)))
        regrouped = regrouped or any(
            _json_value(before[name]) != _json_value(after[name]) for name in EQUALITIES
        )
    moves = []
    for held, _, provider_id in plan.moved_people:
        changes.setdefault(held.id, {"id": held.id})["provider_id"] = provider_id
        moves.append(
            AuditChange(
                held.id,
                provider_id,
                {"provider_id": held.provider_id},
                {"provider_id": provider_id},
            )
        )
    if changes:
        db.session.execute(update(ServiceUser), list(changes.values()))
    if regrouped:
        # The dashboard's outcomes by age band, sex and ethnicity are counted again.
        stored_figures.forget(stored_figures.OUTCOMES, since=dt.date.min)
    record_many("service_user.updated", "service_users", details_changed, by=by)
    record_many("service_user.moved", "service_users", moves, by=by)
    ids.update(plan.held_person_ids)
    return ids


# The details the equalities figures group people by.
EQUALITIES = ("date_of_birth", "sex", "ethnicity")


def _write_endings(plan: Plan, *, by: Any) -> None:
    if not plan.endings:
        return
    db.session.execute(
        update(PackageLine), [{"id": e.line_id, "end_date": e.end_date} for e in plan.endings]
    )
    record_many(
        "package_line.ended",
        "package_lines",
        [
            AuditChange(
                e.line_id,
                e.provider_id,
                {"end_date": _json_value(e.before)},
                {"end_date": e.end_date.isoformat(), "why": e.why},
            )
            for e in plan.endings
        ],
        by=by,
    )


def _write_starts(plan: Plan, person_ids: dict[str, int], *, by: Any) -> None:
    if not plan.starts:
        return
    columns = ("service_user_id", *VALUES, "start_date", "end_date", "case_system_line_id")
    rows = [
        (person_ids[s.case_reference], *s.values, s.start_date, s.end_date, s.line_id)
        for s in plan.starts
    ]
    made = dict(insert_returning(LINES, columns, rows, ("case_system_line_id", "id")))
    record_many(
        "package_line.started",
        "package_lines",
        [
            AuditChange(
                made[start.line_id],
                start.values[0],
                None,
                dict(
                    zip(
                        columns,
                        (*row[:-3], start.start_date.isoformat(), _iso(start.end_date), row[-1]),
                        strict=True,
                    )
                ),
            )
            for start, row in zip(plan.starts, rows, strict=True)
        ],
        by=by,
    )


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return getattr(value, "value", value)


def _json(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _json_value(value) for name, value in values.items()}
