"""The commissioner's import of package lines from the case system: upload, check, preview,
confirm (or abandon)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from portal.caseload import operations
from portal.caseload.extract import COLUMNS, LAYOUT, OPTIONAL
from portal.caseload.forms import FULL, AbandonImportForm, ConfirmImportForm, UploadExtractForm
from portal.caseload.models import CaseloadImport, ImportStatus
from portal.caseload.plan import describe_values
from portal.caseload.template import template_csv
from portal.common.access import roles_required
from portal.common.dates import today
from portal.common.errors import DomainError
from portal.common.pagination import Page, requested_page
from portal.common.roles import Role
from portal.common.sheets import UploadError, read_table
from portal.extensions import db

bp = Blueprint("caseload", __name__, template_folder="templates", url_prefix="/case-system")
PAGE_SIZE = 50


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.COMMISSIONER)
def upload() -> BaseResponse | str:
    form = UploadExtractForm()
    if not form.is_submitted():
        form.extract_date.data = today()
    checked = None
    if form.validate_on_submit():
        uploaded = form.file.data
        file_name = uploaded.filename or "extract"
        try:
            rows = read_table(file_name, uploaded.read(), LAYOUT)
        except UploadError as error:
            form.file.errors = [*form.file.errors, str(error)]
        else:
            full = form.scope.data == FULL
            extract_date = form.extract_date.data or today()
            checked = operations.check_file(rows, extract_date=extract_date, full=full)
            if checked.problems:
                count = len(checked.problems)
                form.file.errors = [
                    *form.file.errors,
                    f"The file has {count} problem{'s' if count != 1 else ''}: nothing has been changed. Correct the "
                    "file and upload it again",
                ]
            else:
                preview = operations.record_preview(
                    checked,
                    file_name=file_name,
                    extract_date=extract_date,
                    full=full,
                    by=current_user,
                )
                return redirect(url_for("caseload.preview", import_id=preview.id))
    recent = db.session.scalars(
        select(CaseloadImport).order_by(CaseloadImport.id.desc()).limit(10)
    ).all()
    return render_template(
        "caseload/upload.html",
        form=form,
        checked=checked,
        recent=recent,
        columns=COLUMNS,
        optional=OPTIONAL,
    )


@bp.get("/import/template.csv")
@roles_required(Role.COMMISSIONER)
def template() -> Response:
    return Response(
        template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="package-lines-template.csv"'},
    )


def _get_import(import_id: int) -> CaseloadImport:
    return db.get_or_404(CaseloadImport, import_id)


@bp.get("/imports/<int:import_id>")
@roles_required(Role.COMMISSIONER)
def preview(import_id: int) -> str:
    """What the import would change (or, once applied, what it changed)."""
    record = _get_import(import_id)
    stale = False
    changes: list[dict[str, str]] = []
    warnings: list = []
    if record.status == ImportStatus.PREVIEWED:
        _, plan = operations.replan(record)
        stale = bool(plan.problems) or plan.digest() != record.plan_digest
        changes = _change_rows(plan)
        warnings = plan.warnings
    page_number = requested_page()
    start = (page_number - 1) * PAGE_SIZE
    page = Page(changes[start : start + PAGE_SIZE], len(changes), page_number, PAGE_SIZE)
    return render_template(
        "caseload/preview.html",
        record=record,
        stale=stale,
        page=page,
        warnings=warnings[:200],
        warning_total=len(warnings),
        confirm_form=ConfirmImportForm(),
        abandon_form=AbandonImportForm(),
    )


def _change_rows(plan: operations.Plan) -> list[dict[str, str]]:
    """Each change in words, people first, then lines by case reference."""
    names = plan.provider_names
    rows = [
        {
            "what": "New person",
            "who": p.case_reference,
            "detail": f"{p.given_name} {p.family_name}, with {names[plan.provider_ids[p.supplier_reference]]}",
        }
        for p in plan.new_people
    ]
    rows += [
        {
            "what": "Moved provider",
            "who": p.case_reference,
            "detail": f"From {names[held.provider_id]} to {names[provider]}",
        }
        for held, p, provider in plan.moved_people
    ]
    rows += [
        {
            "what": "Details changed",
            "who": p.case_reference,
            "detail": f"{p.given_name} {p.family_name}",
        }
        for _, p in plan.changed_people
    ]
    rows += [
        {
            "what": "Line changed" if s.succeeds else "Line started",
            "who": s.case_reference,
            "detail": f"Line {s.line_id}: {describe_values(s.values)}, from {s.start_date:%-d %B %Y}, with {names[s.values[0]]}",
        }
        for s in sorted(plan.starts, key=lambda s: (s.case_reference, s.line_id))
    ]
    rows += [
        {
            "what": "Line ended",
            "who": plan.ending_references[e.service_user_id],
            "detail": f"Ends on {e.end_date:%-d %B %Y}"
            + {
                "vanished": ": not in the extract",
                "moved": ": the person moved provider",
                "ended": "",
                "changed": ": a changed line takes over",
            }[e.why],
        }
        for e in plan.endings
        if e.why != "changed"
    ]
    return rows


@bp.post("/imports/<int:import_id>/apply")
@roles_required(Role.COMMISSIONER)
def apply(import_id: int) -> BaseResponse:
    record = _get_import(import_id)
    form = ConfirmImportForm()
    if form.validate_on_submit():
        try:
            counts = operations.apply(record, by=current_user)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(
                f"Import applied: {counts['lines_started']} lines started, "
                f"{counts['lines_changed']} changed and {counts['lines_ended']} ended",
                "success",
            )
    return redirect(url_for("caseload.preview", import_id=record.id))


@bp.post("/imports/<int:import_id>/abandon")
@roles_required(Role.COMMISSIONER)
def abandon(import_id: int) -> BaseResponse:
    record = _get_import(import_id)
    form = AbandonImportForm()
    if form.validate_on_submit():
        try:
            operations.abandon(record, by=current_user)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash("Import abandoned: nothing was changed", "success")
    return redirect(url_for("caseload.upload"))
