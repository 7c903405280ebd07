from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from portal.common.access import roles_required
from portal.common.dates import (
    FinancialYear,
    chosen_financial_year,
    financial_years_offered,
    format_date,
    today,
)
from portal.common.errors import DomainError, show_on_form
from portal.common.file_sizes import readable_size
from portal.common.forms import query_number
from portal.common.money import format_pence
from portal.common.pagination import paginate
from portal.common.roles import Role
from portal.council.models import get_settings
from portal.payments import operations
from portal.payments.forms import (
    CancelPaymentForm,
    CreateBatchForm,
    ExportBatchForm,
    MarkPaidForm,
    PaymentRuleForm,
    ReversePaymentForm,
    SecondApprovalForm,
)
from portal.payments.models import BatchStatus, PaymentBatch, PaymentKind, PaymentStatus
from portal.payments.queries import (
    awaiting_second_approval_statement,
    batch_count,
    batch_file,
    batch_file_sizes,
    batch_payments_statement,
    batch_providers,
    batches_statement,
    get_batch,
    get_payment,
    provider_batches,
    provider_batches_statement,
    provider_payment_count,
    provider_payments_statement,
    ready_payments_statement,
    ready_totals_by_provider,
    recent_provider_batches,
    reversal_of,
    rule_in_force,
    rules_statement,
    with_totals,
)
from portal.payments.remittance import remittance_pdf
from portal.payments.remittances import remittance_for
from portal.payments.summary import finance_summary, summary_csv, summary_csv_rows
from portal.providers.queries import viewer_provider_id

bp = Blueprint("payments", __name__, template_folder="templates", url_prefix="/payments")


def _provider_filter() -> int | None:
    return query_number("provider")


@bp.route("", methods=["GET", "POST"])
@roles_required(Role.FINANCE_OFFICER)
def payment_list() -> BaseResponse | str:
    """Payments ready to pay, with what each provider is owed, and the batch-making form."""
    totals = ready_totals_by_provider()
    form = CreateBatchForm()
    if not form.is_submitted():
        form.scope.data = "all"
    form.provider_id.choices = [("", "Choose a provider")] + [
        (str(t.provider_id), f"{t.name} ({t.count}, {format_pence(t.total_pence)})") for t in totals
    ]
    if form.validate_on_submit():
        try:
            batch = operations.create_batch(provider_id=form.chosen_provider_id(), by=current_user)
        except DomainError as error:
            show_on_form(form, error)
        else:
            count = len(batch.payments)
            flash(
                f"Batch {batch.reference} created with {count} payment{'' if count == 1 else 's'}",
                "success",
            )
            return redirect(url_for("payments.batch", batch_id=batch.id))
    provider_id = _provider_filter()
    # Every payment has its provider and person, so the totals count the list too.
    page = paginate(
        ready_payments_statement(by_provider=provider_id is not None),
        scalars=False,
        total=sum(t.count for t in totals if provider_id in (None, t.provider_id)),
        params={"provider": provider_id},
    )
    return render_template(
        "payments/payment_list.html",
        form=form,
        page=page,
        ready_count=sum(t.count for t in totals),
        ready_total=sum(t.total_pence for t in totals),
        totals=totals,
        provider_options=[(t.provider_id, t.name) for t in totals],
        chosen={"provider": str(provider_id)} if provider_id else {},
    )


@bp.get("/batches")
@roles_required(Role.FINANCE_OFFICER)
def batch_list() -> str:
    page = paginate(batches_statement(), scalars=False, total=batch_count(), around=with_totals)
    return render_template("payments/batch_list.html", page=page)


@bp.get("/batches/<int:batch_id>")
@roles_required(Role.FINANCE_OFFICER)
def batch(batch_id: int) -> str:
    return _batch_page(get_batch(batch_id), paid_form=MarkPaidForm())


@bp.route("/batches/<int:batch_id>/export", methods=["GET", "POST"])
@roles_required(Role.FINANCE_OFFICER)
def export_batch(batch_id: int) -> BaseResponse | str:
    """Exporting cannot be undone, so the batch page's button leads here first: what is
    about to be fixed (its payments, total and providers), and the export as a POST."""
    payment_batch = get_batch(batch_id)
    form = ExportBatchForm()
    if not form.is_submitted() and payment_batch.status != BatchStatus.OPEN:
        return redirect(url_for("payments.batch", batch_id=payment_batch.id))
    providers = batch_providers(payment_batch.id)
    count = sum(p.count for p in providers)
    total = sum(p.total_pence for p in providers)
    if form.validate_on_submit():
        try:
            operations.export_batch(payment_batch, by=current_user)
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(
                f"Batch {payment_batch.reference} exported: {_payments(count)}, "
                f"{format_pence(total)}. Its payment list is fixed: every download is the same "
                "file.",
                "success",
            )
            return redirect(url_for("payments.batch", batch_id=payment_batch.id))
    return render_template(
        "payments/export.html",
        batch=payment_batch,
        count=count,
        total=total,
        provider_count=len(providers),
        settings=get_settings(),
        BatchStatus=BatchStatus,
        form=form,
    )


def _payments(count: int) -> str:
    return f"{count} payment{'' if count == 1 else 's'}"


def _batch_page(payment_batch: PaymentBatch, **forms: Any) -> str:
    providers = batch_providers(payment_batch.id)
    count = sum(p.count for p in providers)
    return render_template(
        "payments/batch.html",
        batch=payment_batch,
        page=paginate(
            batch_payments_statement(),
            scalars=False,
            size=50,
            total=count,
            params={"batch": payment_batch.id},
        ),
        providers=providers,
        count=count,
        total=sum(p.total_pence for p in providers),
        file_sizes={
            file_format: readable_size(size)
            for file_format, size in batch_file_sizes(payment_batch.id).items()
        },
        settings=get_settings(),
        today=today(),
        BatchStatus=BatchStatus,
        **forms,
    )


@bp.post("/batches/<int:batch_id>/paid")
@roles_required(Role.FINANCE_OFFICER)
def mark_paid(batch_id: int) -> BaseResponse | str:
    payment_batch = get_batch(batch_id)
    form = MarkPaidForm()
    if form.validate_on_submit():
        assert form.paid_on.data is not None
        try:
            operations.mark_batch_paid(payment_batch, paid_on=form.paid_on.data, by=current_user)
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(
                f"Batch {payment_batch.reference} marked paid on {format_date(form.paid_on.data)}. "
                "Providers can see it.",
                "success",
            )
            return redirect(url_for("payments.batch", batch_id=payment_batch.id))
    return _batch_page(payment_batch, paid_form=form, form=form)


_MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.get("/batches/<int:batch_id>/payment-list.<any(csv, xlsx):file_format>")
@roles_required(Role.FINANCE_OFFICER)
def payment_list_download(batch_id: int, file_format: str) -> Response:
    """The payment list exactly as it was made when the batch was exported."""
    payment_batch = get_batch(batch_id)
    stored = batch_file(payment_batch.id, file_format)
    if stored is None:
        abort(404)  # the list exists once the batch is exported and can no longer change
    return Response(
        stored.content,
        mimetype=_MEDIA_TYPES[file_format],
        headers={
            "Content-Disposition": f'attachment; filename="payment-list-{payment_batch.reference}.{file_format}"',
            "ETag": f'"{stored.sha256}"',
        },
    )


@bp.get("/batches/<int:batch_id>/remittances/<int:provider_id>.pdf")
@roles_required(Role.FINANCE_OFFICER, Role.PROVIDER_MANAGER)
def remittance(batch_id: int, provider_id: int) -> Response:
    """A provider's remittance advice for one exported batch. Providers get their own only."""
    viewer = viewer_provider_id()
    if viewer is not None and viewer != provider_id:
        abort(404)
    payment_batch = get_batch(batch_id)
    if payment_batch.status == BatchStatus.OPEN:
        abort(404)
    advice = remittance_for(payment_batch, provider_id)
    if advice is None:
        abort(404)
    return Response(
        remittance_pdf(advice),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="remittance-{payment_batch.reference}-{provider_id}.pdf"'
        },
    )


@bp.get("/<int:payment_id>")
@roles_required(Role.FINANCE_OFFICER)
def payment(payment_id: int) -> str:
    found = get_payment(payment_id)
    return render_template(
        "payments/payment.html",
        payment=found,
        reversal=reversal_of(found.id),
        PaymentStatus=PaymentStatus,
        PaymentKind=PaymentKind,
    )


@bp.route("/<int:payment_id>/cancel", methods=["GET", "POST"])
@roles_required(Role.FINANCE_OFFICER)
def cancel(payment_id: int) -> BaseResponse | str:
    found = get_payment(payment_id)
    form = CancelPaymentForm()
    if form.validate_on_submit():
        try:
            operations.cancel_payment(found, reason=form.reason.data or "", by=current_user)
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(f"Payment {found.reference} cancelled. It stays on record.", "success")
            return redirect(url_for("payments.payment", payment_id=found.id))
    return render_template("payments/cancel.html", payment=found, form=form)


@bp.route("/<int:payment_id>/reverse", methods=["GET", "POST"])
@roles_required(Role.FINANCE_OFFICER)
def reverse(payment_id: int) -> BaseResponse | str:
    found = get_payment(payment_id)
    form = ReversePaymentForm()
    if form.validate_on_submit():
        try:
            reversal = operations.reverse_payment(
                found, reason=form.reason.data or "", by=current_user
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(
                f"Reversal {reversal.reference} of {format_pence(reversal.amount_pence)} is ready "
                "to go into the next batch.",
                "success",
            )
            return redirect(url_for("payments.payment", payment_id=found.id))
    return render_template("payments/reverse.html", payment=found, form=form)


def _summary_year() -> tuple[FinancialYear, FinancialYear]:
    """The financial year asked for (this one by default), and this one."""
    current = FinancialYear.containing(today())
    return chosen_financial_year(request.args.get("year", ""), current), current


@bp.get("/summary")
@roles_required(Role.FINANCE_OFFICER, Role.COMMISSIONER)
def summary() -> str:
    year, current = _summary_year()
    months = finance_summary(year)
    return render_template(
        "payments/summary.html",
        summary=months,
        csv_rows=summary_csv_rows(months),
        year=year,
        years=financial_years_offered(current, year),
    )


@bp.get("/summary.csv")
@roles_required(Role.FINANCE_OFFICER, Role.COMMISSIONER)
def summary_download() -> Response:
    """The summary page's figures for the same financial year, as CSV."""
    year, _ = _summary_year()
    return Response(
        stream_with_context(summary_csv(finance_summary(year))),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="payments-by-month-{year.start_year}.csv"'
        },
    )


@bp.get("/yours")
@roles_required(Role.PROVIDER_MANAGER)
def provider_payments() -> str:
    provider_id = viewer_provider_id()
    assert provider_id is not None
    remittances = recent_provider_batches(provider_id)
    return render_template(
        "payments/provider_payments.html",
        page=paginate(
            provider_payments_statement(),
            scalars=False,
            total=provider_payment_count(provider_id),
            params={"provider": provider_id},
        ),
        batches=remittances.items,
        more_batches=remittances.more,
        provider_id=provider_id,
    )


@bp.get("/yours/remittances")
@roles_required(Role.PROVIDER_MANAGER)
def provider_remittances() -> str:
    """Every remittance advice the provider has had, newest first, a page at a time."""
    provider_id = viewer_provider_id()
    assert provider_id is not None
    page = paginate(provider_batches_statement(), scalars=False, params={"provider": provider_id})
    return render_template(
        "payments/provider_remittances.html",
        page=page,
        batches=provider_batches(page.items),
        provider_id=provider_id,
    )


@bp.get("/rules")
@roles_required(Role.COMMISSIONER, Role.FINANCE_OFFICER, Role.CARE_MANAGER)
def rule_list() -> str:
    page = paginate(rules_statement())
    return render_template("payments/rule_list.html", page=page, today=today())


@bp.route("/rules/new", methods=["GET", "POST"])
@roles_required(Role.COMMISSIONER)
def new_rule() -> BaseResponse | str:
    form = PaymentRuleForm()
    current = rule_in_force(today())
    if not form.is_submitted() and current is not None:
        form.weeks.data = current.weeks
    if form.validate_on_submit():
        try:
            rule = operations.create_rule(
                effective_from=form.effective_from.data,  # type: ignore[arg-type]
                weeks=form.weeks.data or 0,
                by=current_user,
                **form.amounts(),
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(
                f"Version {rule.version} of the payment rule starts on {format_date(rule.effective_from)}",
                "success",
            )
            return redirect(url_for("payments.rule_list"))
    return render_template("payments/new_rule.html", form=form, current=current)


@bp.get("/second-approvals")
@roles_required(Role.CARE_MANAGER, Role.COMMISSIONER)
def second_approvals() -> str:
    page = paginate(awaiting_second_approval_statement())
    return render_template("payments/second_approvals.html", page=page, form=SecondApprovalForm())


@bp.post("/<int:payment_id>/second-approval")
@roles_required(Role.CARE_MANAGER, Role.COMMISSIONER)
def second_approval(payment_id: int) -> BaseResponse:
    payment = get_payment(payment_id)
    form = SecondApprovalForm()
    if form.validate_on_submit():
        try:
            operations.give_second_approval(payment, by=current_user)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(f"Payment {payment.reference} approved: finance can now batch it", "success")
    return redirect(url_for("payments.second_approvals"))
