"""The commissioner's import of package lines from the case system: upload, check, preview,
confirm (or abandon)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from portal.caseload import operations
from portal.caseload.changes import Change, describe_changes
from portal.caseload.extract import COLUMNS, LAYOUT, OPTIONAL
from portal.caseload.forms import FULL, AbandonImportForm, ConfirmImportForm, UploadExtractForm
from portal.caseload.models import CaseloadImport, ImportStatus
from portal.caseload.plan import Warning
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
    changes: list[Change] = []
    warnings: list[Warning] = []
    if record.status == ImportStatus.PREVIEWED:
        _, plan = operations.replan(record)
        stale = bool(plan.problems) or plan.digest() != record.plan_digest
        changes = describe_changes(plan)
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
