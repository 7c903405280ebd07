"""What a form refuses to take, through the pages: a control character in any text (PostgreSQL
cannot store a NUL, SQLite would keep it), and numbers beyond the portal's bounds (and so
beyond a database integer)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.capacity.models import CapacityReturn
from portal.common.dates import today
from portal.common.roles import Role
from portal.common.text import control_character_message
from portal.council.models import get_settings
from portal.extensions import db
from portal.outcomes.models import OutcomeReturn
from portal.payments.models import PaymentRule
from portal.recommendations.models import Recommendation
from tests.client import text_of
from tests.factories import PASSWORD
from tests.fixtures import World
from tests.integration.helpers import date_parts, outcome_page_form, reduction_form, return_url
from tests.integration.test_capacity_pages import DAY, return_form, send_return


def _events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id))) or 0


def _beside(html: str, field_id: str) -> str:
    """The error message shown beside the field with ``field_id``."""
    found = re.search(
        rf'<p id="{re.escape(field_id)}-error" class="govuk-error-message">(.*?)</p>', html, re.S
    )
    assert found, f"no error beside {field_id}"
    return re.sub(r"<[^>]+>|\s+", " ", found[1]).replace(" Error: ", "").strip()


def test_a_nul_in_a_recommendations_evidence_is_refused_beside_it(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    before = _events()
    response = client.post(
        f"/service-users/{world.person.id}/recommendations/new",
        data=reduction_form() | {"evidence": "Observed on\x00 three visits."},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    message = control_character_message("The evidence")
    assert _beside(html, "evidence") == message
    assert f'<a href="#evidence">{message}</a>' in html  # the error summary
    assert "Observed on three visits.</textarea>" in html  # shown again without it
    assert db.session.scalar(select(func.count(Recommendation.id))) == 0
    assert _events() == before


def test_a_nul_in_an_outcomes_evidence_is_refused_beside_it(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    before = _events()
    response = client.post(
        return_url(world.person.id, world.period.id, 1),
        data=outcome_page_form(1, m1_2_evidence="Washes\x00 daily."),
    )
    assert response.status_code == 200
    assert _beside(response.get_data(as_text=True), "m1_2_evidence") == (
        control_character_message("Evidence for measure 1.2")
    )
    assert db.session.scalar(select(func.count(OutcomeReturn.id))) == 0
    assert _events() == before


@pytest.mark.parametrize("email", ["\x00", "provider\x00@example.test", "a@b.example\x1b"])
def test_a_nul_in_the_sign_in_email_shows_the_sign_in_page(
    client, world: World, email: str
) -> None:
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
    assert response.status_code == 200
    assert _beside(response.get_data(as_text=True), "email") == (
        control_character_message("Email address")
    )
    assert "Sign in" in text_of(response)


def test_a_nul_in_the_password_shows_the_sign_in_page(client, world: World) -> None:
    user = world.users[Role.PROVIDER_MANAGER]
    response = client.post("/sign-in", data={"email": user.email, "password": "\x00"})
    assert response.status_code == 200
    assert _beside(response.get_data(as_text=True), "password") == (
        control_character_message("Password")
    )


def rule_form(**amounts: str) -> dict[str, object]:
    return {
        "effective_from": date_parts(today() + dt.timedelta(days=30)),
        "weeks": "4",
        "minimum": "",
        "cap": "",
        "threshold": "",
    } | amounts


@pytest.mark.parametrize(
    ("field", "amount", "message"),
    [
        ("cap", "2,147,483,648", "The largest payment must be £100,000 or less"),
        ("cap", "£100,000.01", "The largest payment must be £100,000 or less"),
        ("cap", "0", "The largest payment must be more than £0"),
        ("minimum", "21474836.48", "The minimum payment must be £100,000 or less"),
        (
            "threshold",
            "9" * 40,
            "The amount that needs a second approval must be £100,000 or less",
        ),
    ],
)
def test_a_payment_rule_amount_beyond_its_bound_is_refused(
    as_role, world: World, field: str, amount: str, message: str
) -> None:
    client = as_role(Role.COMMISSIONER)
    response = client.post("/payments/rules/new", data=rule_form(**{field: amount}))
    assert response.status_code == 200
    assert _beside(response.get_data(as_text=True), field) == message
    assert db.session.scalar(select(func.count(PaymentRule.id))) == 1  # the world's own


def test_a_payment_rule_at_its_bound_is_saved(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    response = client.post(
        "/payments/rules/new", data=rule_form(minimum="100,000", cap="100000.00", threshold="0")
    )
    assert response.status_code == 302
    rule = db.session.scalars(select(PaymentRule).order_by(PaymentRule.version.desc())).first()
    assert (rule.minimum_pence, rule.cap_pence) == (10_000_000, 10_000_000)


def settings_form(**changes: str) -> dict[str, str]:
    return {
        "decision_target_working_days": "10",
        "outcome_return_due_days": "14",
        "capacity_opens_day": "8",
        "capacity_closes_day": "14",
        "wage_floor": "12.71",
        "smallest_comparable_sample": "30",
        "cost_centre": "HC4100",
        "nominal_code": "5210",
    } | changes


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("wage_floor", "21,474,836.48", "The wage floor must be £100 an hour or less"),
        ("wage_floor", " ", "Enter the hourly wage floor"),
        ("decision_target_working_days", "2147483648", "The decision target must be 1 to 60"),
        ("smallest_comparable_sample", "0", "The smallest sample must be from 1 to 1,000 returns"),
        ("smallest_comparable_sample", "", "Enter the smallest sample to compare, for example 30"),
        ("cost_centre", "HC\x004100", control_character_message("Cost centre")),
    ],
)
def test_a_setting_beyond_its_bound_is_refused(
    as_role, world: World, field: str, value: str, message: str
) -> None:
    client = as_role(Role.COMMISSIONER)
    response = client.post("/settings", data=settings_form(**{field: value}))
    assert response.status_code == 200
    assert _beside(response.get_data(as_text=True), field).startswith(message)
    db.session.expire_all()
    assert get_settings().wage_floor_pence == 1271
    assert get_settings().smallest_comparable_sample == 30


def test_the_smallest_comparable_sample_is_saved_and_audited(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    response = client.post("/settings", data=settings_form(smallest_comparable_sample="50"))
    assert response.status_code == 302
    db.session.expire_all()
    assert get_settings().smallest_comparable_sample == 50
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "council_settings.updated")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None
    assert (
        event.before["smallest_comparable_sample"],
        event.after["smallest_comparable_sample"],
    ) == (
        30,
        50,
    )


@pytest.fixture
def _on_the_10th(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("portal.capacity.views", "portal.capacity.operations"):
        monkeypatch.setattr(f"{module}.today", lambda: DAY)


@pytest.mark.usefixtures("_on_the_10th")
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        # 2,147,483,648 hours is far beyond a 32-bit count of minutes (PostgreSQL's INTEGER)
        ("delivered", "2,147,483,648", "Weekly hours of care delivered must be 100,000 or fewer"),
        ("delivered", "100,000.01", "Weekly hours of care delivered must be 100,000 or fewer"),
        ("east-spare", "35791395", "East quadrant: Spare weekly hours must be 100,000 or fewer"),
        ("fte", "21474837", "Care staff full-time equivalents must be 100,000 or fewer"),
        ("hourly_pay", "21474836.48", "Average hourly pay for care staff must be £100 or less"),
        ("headcount", "2147483648", "Care staff headcount must be 100,000 or fewer"),
        (
            "east-spare",
            "1\x0b2",
            "East quadrant: " + control_character_message("Spare weekly hours"),
        ),
    ],
)
def test_a_capacity_figure_beyond_its_bound_is_refused(
    as_role, world: World, field: str, value: str, message: str
) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    response = client.post(f"/capacity/{DAY.year}/{DAY.month}", data=return_form(**{field: value}))
    assert response.status_code == 200
    assert _beside(response.get_data(as_text=True), field) == message
    assert db.session.scalar(select(func.count(CapacityReturn.id))) == 0


@pytest.mark.usefixtures("_on_the_10th")
def test_a_capacity_return_at_its_bounds_is_saved(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    most = {"delivered": "100,000", "east-spare": "100000", "fte": "100,000.00"}
    response = send_return(
        client,
        f"/capacity/{DAY.year}/{DAY.month}",
        return_form(**most, headcount="100000", hourly_pay="100.00"),
    )
    assert response.status_code == 302, text_of(response)
    saved = db.session.scalars(select(CapacityReturn)).one()
    assert saved.delivered_weekly_minutes == 6_000_000
    assert (saved.fte_hundredths, saved.hourly_pay_pence) == (10_000_000, 10_000)


def test_a_line_being_ended_still_refuses_a_nul(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    sent = reduction_form() | {"lines-0-end_line": "y", "lines-0-calls_per_day": "3\x00"}
    response = client.post(f"/service-users/{world.person.id}/recommendations/new", data=sent)
    assert response.status_code == 200
    assert _beside(response.get_data(as_text=True), "lines-0-calls_per_day") == (
        control_character_message("Calls a day")
    )
    assert db.session.scalar(select(func.count(Recommendation.id))) == 0
