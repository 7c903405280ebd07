from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from portal.accounts.roles import Role
from portal.common.access import roles_required
from portal.common.dates import today
from portal.common.errors import DomainError, show_on_form
from portal.common.pagination import paginate
from portal.payments import operations
from portal.payments.exports import payment_list_csv
from portal.payments.forms import (
    CreateBatchForm,
    ExportBatchForm,
    PaymentRuleForm,
    SecondApprovalForm,
)
from portal.payments.models import BatchStatus
from portal.payments.queries import (
    awaiting_second_approval_statement,
    batch_payments,
    batches_statement,
    get_batch,
    get_payment,
    ready_payments_statement,
    ready_payments_total,
    rule_in_force,
    rules_statement,
)

bp = Blueprint("payments", __name__, template_folder="templates", url_prefix="/payments")


@bp.route("", methods=["GET", "POST"])
@roles_required(Role.FINANCE_OFFICER)
def payment_list() -> BaseResponse | str:
    form = CreateBatchForm()
    if form.validate_on_submit():
        try:
            batch = operations.create_batch(list(form.payment_ids.data or []), by=current_user)
        except DomainError as error:
            show_on_form(form, error)
        else:
            count = len(batch.payments)
            flash(
                f"Batch {batch.reference} created with {count} payment{'' if count == 1 else 's'}",
                "success",
            )
            return redirect(url_for("payments.batch", batch_id=batch.id))
    count, total = ready_payments_total()
    page = paginate(ready_payments_statement())
    return render_template(
        "payments/payment_list.html", form=form, page=page, ready_count=count, ready_total=total
    )


@bp.get("/batches")
@roles_required(Role.FINANCE_OFFICER)
def batch_list() -> str:
    page = paginate(batches_statement(), scalars=False)
    return render_template("payments/batch_list.html", page=page)


@bp.route("/batches/<int:batch_id>", methods=["GET", "POST"])
@roles_required(Role.FINANCE_OFFICER)
def batch(batch_id: int) -> BaseResponse | str:
    payment_batch = get_batch(batch_id)
    form = ExportBatchForm()
    if form.validate_on_submit():
        try:
            operations.export_batch(payment_batch, by=current_user)
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(
                f"Batch {payment_batch.reference} exported. Download its payment list below.",
                "success",
            )
            return redirect(url_for("payments.batch", batch_id=payment_batch.id))
    payments = batch_payments(payment_batch.id)
    return render_template(
        "payments/batch.html",
        batch=payment_batch,
        payments=payments,
        total=sum(p.amount_pence for p in payments),
        form=form,
        BatchStatus=BatchStatus,
    )


@bp.get("/batches/<int:batch_id>/payment-list.csv")
@roles_required(Role.FINANCE_OFFICER)
def payment_list_download(batch_id: int) -> Response:
    payment_batch = get_batch(batch_id)
    if payment_batch.status != BatchStatus.EXPORTED:
        abort(404)  # the list exists once the batch is exported and can no longer change
    return Response(
        stream_with_context(payment_list_csv(payment_batch)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="payment-list-{payment_batch.reference}.csv"'
        },
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
                f"Version {rule.version} of the payment rule starts on {rule.effective_from:%-d %B %Y}",
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
