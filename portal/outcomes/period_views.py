"""Reporting periods: commissioners open quarters; providers work through who they owe
returns for; commissioners see who is missing and late."""

from __future__ import annotations

import datetime as dt
import re

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from portal.common.access import roles_required
from portal.common.dates import financial_quarter_label, quarter_bounds, today
from portal.common.errors import DomainError, show_on_form
from portal.common.forms import query_number, query_text
from portal.common.pagination import paginate
from portal.common.roles import CASEWORK_ROLES, Role
from portal.extensions import db
from portal.outcomes import operations
from portal.outcomes.exports import table_f_rows_csv, upload_template_csv
from portal.outcomes.forms import OpenPeriodForm, UploadReturnsForm
from portal.outcomes.models import EDITABLE, OutcomeReturn
from portal.outcomes.queries import get_period, periods_statement
from portal.outcomes.table_f import Filters, table_f
from portal.outcomes.tasks import (
    TaskState,
    owed_people_statement,
    provider_progress,
    state_counts,
    task_list_statement,
    task_list_values,
)
from portal.outcomes.uploads import GUIDE, Problem, UploadError, plan_upload, read_table
from portal.providers.enums import ContractType, Quadrant
from portal.providers.models import Provider, ServiceUser
from portal.providers.queries import provider_choices, viewer_provider_id

bp = Blueprint("periods", __name__, template_folder="templates", url_prefix="/outcome-periods")


@bp.get("")
@roles_required(Role.PROVIDER_MANAGER, *CASEWORK_ROLES)
def period_list() -> str:
    page = paginate(periods_statement())
    return render_template("outcomes/period_list.html", page=page, today=today())


def _quarter_choices() -> list[tuple[str, str]]:
    """The previous quarter, this one and the next two."""
    start = quarter_bounds(today())[0]
    starts = [quarter_bounds(start - dt.timedelta(days=1))[0], start]
    for _ in range(2):
        starts.append(quarter_bounds(starts[-1] + dt.timedelta(days=100))[0])
    return [
        (s.isoformat(), f"{financial_quarter_label(s)} ({s:%B} to {quarter_bounds(s)[1]:%B %Y})")
        for s in starts
    ]


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.COMMISSIONER)
def open_period() -> BaseResponse | str:
    form = OpenPeriodForm()
    form.quarter.choices = [("", "Select a quarter"), *_quarter_choices()]
    if form.validate_on_submit():
        try:
            period = operations.open_period(
                start_date=dt.date.fromisoformat(form.quarter.data or ""),
                due_date=form.due_date.data,  # type: ignore[arg-type]
                by=current_user,
            )
        except (DomainError, ValueError) as error:
            show_on_form(
                form,
                error
                if isinstance(error, DomainError)
                else DomainError("Select the quarter to open", field="quarter"),
            )
        else:
            flash(f"{period.label} is open for outcome returns", "success")
            return redirect(url_for("periods.period", period_id=period.id))
    return render_template("outcomes/open_period.html", form=form)


@bp.get("/<int:period_id>")
@roles_required(Role.PROVIDER_MANAGER, *CASEWORK_ROLES)
def period(period_id: int) -> str:
    reporting_period = get_period(period_id)
    provider_id = viewer_provider_id()
    if provider_id is None:
        progress = provider_progress(reporting_period)
        return render_template(
            "outcomes/period_progress.html",
            period=reporting_period,
            progress=progress,
            owed=sum(p.owed for p in progress),
            handed_in=sum(p.submitted for p in progress),
            today=today(),
        )
    # Remember where the provider is in a long list, to bring them back after each return.
    session["task_list"] = {"period_id": reporting_period.id, "url": request.full_path}
    search = query_text("q")
    state_value = request.args.get("state", "")
    state = TaskState(state_value) if state_value in {s.value for s in TaskState} else None
    counts = state_counts(reporting_period, provider_id=provider_id)
    total = sum(counts.values())
    page = paginate(
        task_list_statement(searched=bool(search.strip()), by_state=state is not None),
        scalars=False,
        # Unsearched, the list holds everyone counted by state: no need to count it again.
        total=None if search.strip() else (counts[state] if state else total),
        params=task_list_values(
            reporting_period, provider_id=provider_id, search=search, state=state
        ),
    )
    return render_template(
        "outcomes/task_list.html",
        period=reporting_period,
        page=page,
        counts=counts,
        total=total,
        search=search,
        state=state,
        TaskState=TaskState,
        today=today(),
    )


@bp.get("/<int:period_id>/providers/<int:provider_id>")
@roles_required(Role.PROVIDER_MANAGER, *CASEWORK_ROLES)
def provider_returns(period_id: int, provider_id: int) -> str:
    """One provider's people owed a return for the period, each with their return's state:
    the returns progress page's row, opened. A provider manager reaches only their own."""
    reporting_period = get_period(period_id)
    viewer = viewer_provider_id()
    provider = db.session.get(Provider, provider_id)
    if provider is None or viewer not in (None, provider_id):
        abort(404)
    counts = state_counts(reporting_period, provider_id=provider_id)
    total = sum(counts.values())
    page = paginate(
        task_list_statement(),
        scalars=False,
        total=total,
        params=task_list_values(reporting_period, provider_id=provider_id),
    )
    return render_template(
        "outcomes/provider_returns.html",
        period=reporting_period,
        provider=provider,
        page=page,
        counts=counts,
        total=total,
        TaskState=TaskState,
        today=today(),
    )


def _table_f_filters() -> tuple[Filters, dict[str, str]]:
    """Filters from the query string, ignoring anything that is not a real choice."""
    provider_id = query_number("provider")
    contract = request.args.get("contract", "")
    contract = contract if contract in {c.value for c in ContractType} else ""
    quadrant = request.args.get("quadrant", "")
    quadrant = quadrant if quadrant in {q.value for q in Quadrant} else ""
    filters = Filters(
        provider_id=provider_id,
        contract_type=ContractType(contract) if contract else None,
        quadrant=Quadrant(quadrant) if quadrant else None,
    )
    chosen = {"provider": str(provider_id or ""), "contract": contract, "quadrant": quadrant}
    return filters, {k: v for k, v in chosen.items() if v}


def _filter_words(filters: Filters) -> list[tuple[str, str]]:
    """Each filter chosen, (what it filters, its value in words), for the download's link,
    file name and columns."""
    words = []
    if filters.provider_id is not None:
        provider = db.session.get(Provider, filters.provider_id)
        words.append(("provider", provider.name if provider else f"provider {filters.provider_id}"))
    if filters.contract_type is not None:
        words.append(("contract type", filters.contract_type.label))
    if filters.quadrant is not None:
        words.append(("quadrant", filters.quadrant.label))
    return words


@bp.get("/<int:period_id>/table-f")
@roles_required(*CASEWORK_ROLES)
def table_f_view(period_id: int) -> str:
    reporting_period = get_period(period_id)
    filters, chosen = _table_f_filters()
    return render_template(
        "outcomes/table_f.html",
        table=table_f(reporting_period, filters),
        providers=provider_choices(),
        chosen=chosen,
        filter_words="; ".join(f"{name} {value}" for name, value in _filter_words(filters)),
        ContractType=ContractType,
        Quadrant=Quadrant,
    )


@bp.get("/<int:period_id>/table-f.csv")
@roles_required(*CASEWORK_ROLES)
def table_f_csv(period_id: int) -> Response:
    reporting_period = get_period(period_id)
    filters, _ = _table_f_filters()
    table = table_f(reporting_period, filters)
    words = _filter_words(filters)
    name = "-".join(["table-f", _slug(reporting_period.label), *(_slug(v) for _, v in words)])
    return Response(
        table_f_rows_csv(table, words),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@bp.get("/<int:period_id>/upload-template.csv")
@roles_required(Role.PROVIDER_MANAGER)
def upload_template(period_id: int) -> Response:
    reporting_period = get_period(period_id)
    provider_id = viewer_provider_id()
    assert provider_id is not None
    # The people whose return is not yet started or still open to change, with its answers.
    statement = owed_people_statement(
        reporting_period, ServiceUser, OutcomeReturn, provider_id=provider_id
    ).where(OutcomeReturn.status.is_(None) | OutcomeReturn.status.in_(EDITABLE))
    people = [(person, outcome_return) for person, outcome_return in db.session.execute(statement)]
    return Response(
        upload_template_csv(people),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="outcome-returns-{_slug(reporting_period.label)}.csv"'
        },
    )


def _slug(label: str) -> str:
    """Words for a file's name: lower case letters and digits, hyphens between."""
    return "-".join(re.findall(r"[a-z0-9]+", label.lower()))


@bp.route("/<int:period_id>/upload", methods=["GET", "POST"])
@roles_required(Role.PROVIDER_MANAGER)
def upload(period_id: int) -> BaseResponse | str:
    reporting_period = get_period(period_id)
    provider_id = viewer_provider_id()
    assert provider_id is not None
    form = UploadReturnsForm()
    problems: list[Problem] = []
    if form.validate_on_submit():
        uploaded = form.file.data
        try:
            rows = read_table(uploaded.filename or "", uploaded.read())
        except UploadError as error:
            form.file.errors = [*form.file.errors, str(error)]
        else:
            plan = plan_upload(reporting_period, provider_id=provider_id, rows=rows)
            problems = plan.problems
            if problems:
                count = len(problems)
                form.file.errors = [
                    *form.file.errors,
                    f"The file has {count} problem{'' if count == 1 else 's'}: nothing has been "
                    "saved. Correct the file and upload it again",
                ]
            elif not plan.rows:
                form.file.errors = [
                    *form.file.errors,
                    "The file has no answers in it: fill in at least one person’s row",
                ]
            else:
                try:
                    result = operations.import_returns(
                        period=reporting_period,
                        rows=plan.rows,
                        existing=plan.existing,
                        by=current_user,
                    )
                except DomainError as error:  # another upload or the form got there first
                    db.session.rollback()
                    form.file.errors = [*form.file.errors, error.message]
                else:
                    message = (
                        f"{result.submitted} return{'' if result.submitted == 1 else 's'} submitted"
                    )
                    if result.unchanged:
                        message += f"; {result.unchanged} already submitted and unchanged"
                    flash(message, "success")
                    return redirect(url_for("periods.period", period_id=reporting_period.id))
    return render_template(
        "outcomes/upload.html", form=form, period=reporting_period, problems=problems, guide=GUIDE
    )


def task_list_url(period_id: int) -> str:
    """The provider's place in the period's task list (page, filter and search), if they
    came from there; otherwise its first page."""
    place = session.get("task_list") or {}
    if place.get("period_id") == period_id and str(place.get("url", "")).startswith("/"):
        return str(place["url"])
    return url_for("periods.period", period_id=period_id)
