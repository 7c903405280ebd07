"""The care manager's review page: the decision under a short summary, each choice's box in
GOV.UK Frontend's conditional reveal (every box in the page, so each shows without
JavaScript), a refused decision keeping its choice and box, and the queue's banner naming the
person and the payment an approved reduction created."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.common.money import format_pence
from portal.common.roles import Role
from portal.extensions import db
from portal.payments.models import Payment
from tests.client import text_of
from tests.fixtures import World, sign_in
from tests.integration.helpers import date_parts
from tests.integration.records import submitted_reduction, submitted_return

BOXES = {"approve": "start_date", "reject": "reason", "more_information": "question"}


def revealed(html: str) -> dict[str, bool]:
    """Each choice's box: whether GOV.UK Frontend's script leaves it open. Each box is in the
    page whatever the choice: without the script its CSS shows every one."""
    boxes = {}
    for choice, field in BOXES.items():
        found = re.search(
            rf'<div class="govuk-radios__conditional([^"]*)" id="conditional-[^"]*">'
            rf'(?:(?!govuk-radios__conditional).)*?name="{field}(?:-day)?"',
            html,
            flags=re.S,
        )
        assert found, f"no box for {choice}"
        boxes[choice] = "govuk-radios__conditional--hidden" not in found.group(1)
    return boxes


def test_the_decision_comes_first_and_each_box_opens_under_its_choice(client, world: World) -> None:
    submitted_return(world, world.person)
    recommendation = submitted_reduction(world, world.person)
    db.session.commit()
    sign_in(client, world.users[Role.CARE_MANAGER])
    response = client.get(f"/review/{recommendation.id}")
    html = response.get_data(as_text=True)
    assert revealed(html) == {"approve": False, "reject": False, "more_information": False}
    # The decision comes before the outcome return, which is folded in a details component.
    assert html.index("Your decision") < html.index(
        '<details class="govuk-details" id="latest-return"'
    )
    page = text_of(response)
    assert "Weekly hours 14 now, 10.5 proposed (3.5 fewer)" in page
    assert "Weekly cost £287.00 now, £215.25 proposed (£71.75 less)" in page
    # The person and the provider link to their pages.
    assert f'href="/service-users/{world.person.id}"' in html
    assert f'href="/providers/{world.provider.id}"' in html
    # The provider's case does not repeat what the summary above it already says.
    assert page.count("Proposed start") == 1
    assert page.count("Main reason") == 1

    refused = client.post(f"/review/{recommendation.id}", data={"decision": "reject"})
    assert "Enter why you are rejecting the recommendation" in text_of(refused)
    html = refused.get_data(as_text=True)
    assert re.search(r'<input[^>]*value="reject"[^>]*checked', html)
    assert revealed(html) == {"approve": False, "reject": True, "more_information": False}


def test_the_queue_names_the_person_and_the_payment_approved(client, world: World) -> None:
    recommendation = submitted_reduction(world, world.person)
    db.session.commit()
    sign_in(client, world.users[Role.CARE_MANAGER])
    response = client.post(
        f"/review/{recommendation.id}",
        data={"decision": "approve", "start_date": date_parts(recommendation.proposed_start_date)},
    )
    assert response.status_code == 302 and response.location == "/review"
    payment = db.session.scalars(select(Payment)).one()
    banner = text_of(client.get("/review"))
    assert (
        f"Recommendation approved for Margaret Able. The package changes from "
        f"{recommendation.proposed_start_date.day} "
    ) in banner
    assert (
        f"Payment {payment.reference} of {format_pence(payment.amount_pence)} created for "
        f"{world.provider.name}."
    ) in banner


def test_the_banner_names_a_rejected_persons_name_as_text(client, world: World) -> None:
    world.person.given_name = "<b>Margaret</b>"
    recommendation = submitted_reduction(world, world.person)
    db.session.commit()
    sign_in(client, world.users[Role.CARE_MANAGER])
    client.post(f"/review/{recommendation.id}", data={"decision": "reject", "reason": "Too soon."})
    queue = client.get("/review").get_data(as_text=True)
    assert "Recommendation for &lt;b&gt;Margaret&lt;/b&gt; Able rejected." in queue
