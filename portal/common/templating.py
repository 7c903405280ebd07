"""Filters and globals the templates share: money, dates, navigation by role."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import FieldList, FormField

from portal.common.dates import format_date, format_moment
from portal.common.money import format_hours_figure, format_minutes_as_hours, format_pence
from portal.common.nhs import format_nhs_number
from portal.common.reflow import reflow_cell
from portal.common.roles import Role

# Each role's service navigation, in order: (label, endpoint).
NAVIGATION: dict[Role, list[tuple[str, str]]] = {
    Role.PROVIDER_MANAGER: [
        ("Service users", "casework.service_users"),
        ("Outcome returns", "periods.period_list"),
        ("Recommendations", "recommendations.provider_list"),
        ("Payments", "payments.provider_payments"),
        ("Capacity", "capacity.overview"),
    ],
    Role.CARE_MANAGER: [
        ("Review queue", "recommendations.queue"),
        ("Service users", "casework.service_users"),
        ("Outcome returns", "periods.period_list"),
        ("Second approvals", "payments.second_approvals"),
    ],
    Role.COMMISSIONER: [
        ("Dashboard", "reports.dashboard_page"),
        ("Providers", "providers.provider_list"),
        ("Outcome returns", "periods.period_list"),
        ("Service users", "casework.service_users"),
        ("Trusted assessors", "recommendations.summary"),
        ("Capacity", "capacity.picture"),
        ("Annual report", "reports.annual_report"),
        ("Payment rule", "payments.rule_list"),
        ("Rate card", "council.rate_card"),
        ("Case system import", "caseload.upload"),
        ("Settings", "council.settings"),
    ],
    Role.FINANCE_OFFICER: [
        ("Payments", "payments.payment_list"),
        ("Batches", "payments.batch_list"),
        ("Summary", "payments.summary"),
    ],
    Role.ADMINISTRATOR: [
        ("Accounts", "administration.accounts_list"),
        ("Audit trail", "audit.events"),
    ],
    Role.AGENCY_ADMINISTRATOR: [
        ("Your team", "administration.team_list"),
        ("API keys", "api_keys.key_list"),
    ],
}


# The row of sections must fit the design system's 960-pixel page width at 1280 pixels and
# wider, never wrapping: at 19-pixel Arial a label takes about 10 pixels a character (a
# little over, measured), and 30 pixels lie between items. Sections past what fits fold
# into "More", a page listing every section the person has.
ROW_PIXELS = 960
PIXELS_PER_CHARACTER = 10
PIXELS_BETWEEN = 30
MORE = "More"
NAVIGATION_KEY = "portal.navigation"  # where a request keeps its menu, worked out once


def sections_for(roles: frozenset[Role]) -> list[tuple[Role, list[tuple[str, str]]]]:
    """Each of the person's roles with its sections (label, endpoint), each section listed
    once, under the first of their roles that has it, in a stable order."""
    seen: set[str] = set()
    found: list[tuple[Role, list[tuple[str, str]]]] = []
    for role in Role:
        if role not in roles:
            continue
        sections = [
            (label, endpoint) for label, endpoint in NAVIGATION[role] if endpoint not in seen
        ]
        seen.update(endpoint for _, endpoint in sections)
        if sections:
            found.append((role, sections))
    return found


def _pixels(label: str) -> int:
    return PIXELS_PER_CHARACTER * len(label) + PIXELS_BETWEEN


def _fitting(labels: list[str]) -> int:
    """How many of ``labels`` fit on the row before "More"; all of them when they all fit."""
    if sum(map(_pixels, labels)) - PIXELS_BETWEEN <= ROW_PIXELS:
        return len(labels)
    used = _pixels(MORE) - PIXELS_BETWEEN
    kept = 0
    for label in labels:
        if used + _pixels(label) > ROW_PIXELS:
            break
        used += _pixels(label)
        kept += 1
    return kept


def navigation_for(roles: frozenset[Role]) -> list[dict[str, Any]]:
    """The signed-in user's menu: "What needs you" (their home page) first, then their
    sections, as many as fit on one row, then "More" when some did not. The current item
    is the one whose address is the longest start of this page's, so /payments/batches/3
    marks "Batches", not "Payments"; on a folded section's page, "More"."""
    items: list[dict[str, Any]] = [
        {"text": label, "href": url_for(endpoint), "active": False}
        for _, sections in sections_for(roles)
        for label, endpoint in sections
    ]
    if not items:
        return []
    # Everyone with a role has things that may need them: their home page.
    items.insert(
        0, {"text": "What needs you", "href": url_for("casework.notices"), "active": False}
    )
    path = request.path
    if request.blueprint == "outcomes":
        # A return's pages sit under the person's address but belong to outcome returns.
        path = url_for("periods.period_list") + "/"
    matches = [
        item for item in items if path == item["href"] or path.startswith(item["href"] + "/")
    ]
    if matches:
        max(matches, key=lambda item: len(item["href"]))["active"] = True
    kept = _fitting([item["text"] for item in items])
    if kept == len(items):
        return items
    more_href = url_for("accounts.all_sections")
    folded_active = any(item["active"] for item in items[kept:]) or path == more_href
    return [*items[:kept], {"text": MORE, "href": more_href, "active": folded_active}]


def form_error_summary(form: Any) -> dict[str, Any]:
    """govukErrorSummary parameters: each field's first error linked to the field, walking
    into repeated sub-forms by the ids they were rendered with, and errors about the form as
    a whole (``form.form_errors``) as plain text."""
    items = [{"text": text, "href": href} for href, text in _field_errors(form)]
    items += [{"text": message} for message in getattr(form, "form_errors", [])]
    return {"titleText": "There is a problem", "errorList": items}


def _field_errors(form: Any) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for field in form:
        if isinstance(field, FieldList):
            for entry in field.entries:
                found += _field_errors(entry.form) if isinstance(entry, FormField) else []
        elif isinstance(field, FormField):
            found += _field_errors(field.form)
        elif field.errors:
            # A date's first input is its day; radios and checkboxes start at the field's id.
            suffix = "-day" if isinstance(field.widget, GovDateInput) else ""
            found.append((f"#{field.id}{suffix}", field.errors[0]))
    return found


def enum_choices(members: Any) -> list[tuple[str, str]]:
    """(value, label) for each member of one of the portal's enums, for select boxes."""
    return [(member.value, member.label) for member in members]


_ID_MARK = 918273645  # an id no address holds otherwise, to find where the row's id goes


def address_around_id(endpoint: str, key: str, **values: Any) -> tuple[str, str]:
    """The address of ``endpoint`` before and after its ``key``, for a long table's links:
    the table puts each row's id between the two instead of building every address by
    url_for."""
    values[key] = _ID_MARK
    before, mark, after = url_for(endpoint, **values).partition(str(_ID_MARK))
    if not mark or "?" in before or str(_ID_MARK) in after:
        raise ValueError(f"{endpoint}'s path does not hold its {key} once")
    return before, after


def bar_width(percent: float) -> int:
    """A bar chart's bar length as a whole percent from 0 to 100, naming its CSS class
    (portal-bar__fill--N): the Content-Security-Policy allows no inline style."""
    return max(0, min(100, round(percent)))


def init_app(app: Flask) -> None:
    app.add_template_global(form_error_summary)
    app.add_template_global(address_around_id)
    app.add_template_global(enum_choices)
    app.add_template_global(reflow_cell)
    app.jinja_env.filters["pence"] = format_pence
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_moment
    app.jinja_env.filters["nhs_number"] = format_nhs_number
    app.jinja_env.filters["hours"] = format_minutes_as_hours
    app.jinja_env.filters["hours_figure"] = format_hours_figure
    app.jinja_env.filters["bar_width"] = bar_width

    @app.context_processor
    def inject_layout() -> dict[str, Any]:
        # Worked out once a request: each form field a page renders is a template of its own
        # (govuk-frontend-wtf), and every template rendered gets this context. Kept with the
        # request itself, not on g, which outlives a request where one app context holds
        # several (a test's).
        navigation: list[dict[str, Any]] = []
        if has_request_context():
            if NAVIGATION_KEY not in request.environ:
                request.environ[NAVIGATION_KEY] = (
                    navigation_for(current_user.roles) if current_user.is_authenticated else []
                )
            navigation = request.environ[NAVIGATION_KEY]
        return {
            "council_name": current_app.config["COUNCIL_NAME"],
            "brand_colour": current_app.config["COUNCIL_BRAND_COLOUR"],
            "service_name": current_app.config["SERVICE_NAME"],
            "support_email": current_app.config["SUPPORT_EMAIL"],
            "navigation": navigation,
            "Role": Role,
        }
