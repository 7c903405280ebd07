"""Pages tell people what is wrong in the design system's words, naming the field, beside it
and in the error summary: never wtforms' own "Not a valid integer value."."""

from __future__ import annotations

from portal.common.dates import today
from portal.common.roles import Role
from portal.council.models import get_settings
from portal.extensions import db
from tests.client import text_of
from tests.fixtures import World
from tests.integration.helpers import date_parts
from tests.integration.test_form_input import _beside, settings_form


def test_a_setting_typed_in_words_is_asked_for_as_a_whole_number(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    response = client.post("/settings", data=settings_form(capacity_opens_day="eighth"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    said = "Enter the day of the month capacity returns open as a whole number, like 10"
    assert _beside(html, "capacity_opens_day") == said
    summary = html[html.index("govuk-error-summary") : html.index("</main>")]
    assert f'<a href="#capacity_opens_day">{said}</a>' in summary
    assert "Not a valid integer value" not in html
    db.session.expire_all()
    assert get_settings().capacity_opens_day == 8


def test_a_quadrant_not_offered_is_asked_for_again(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    response = client.post(
        f"/providers/{world.provider.id}/contract",
        data={
            "contract_type": "patch",
            "quadrant": "north",
            "effective_on": date_parts(today()),
            "confirmed": "yes",
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Not a valid choice" not in html
    assert _beside(html, "quadrant") == "Select the quadrant from the options shown"


def test_a_record_id_of_spaces_is_no_filter(as_role, world: World) -> None:
    client = as_role(Role.ADMINISTRATOR)
    response = client.get("/audit?record_id=%20%20")
    assert response.status_code == 200
    assert "Enter a record ID" not in text_of(response)
