"""The mission's loop through the web pages: outcome return, recommendation, approval,
package change and payment, batch and payment list."""

from __future__ import annotations

import csv
import datetime as dt
import io

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.common.dates import today
from portal.common.roles import Role
from portal.extensions import db
from portal.payments.models import Payment, PaymentBatch
from portal.providers.models import PackageLine
from portal.recommendations.models import Recommendation, RecommendationStatus
from tests.client import text_of
from tests.fixtures import World, sign_in
from tests.integration.helpers import complete_return, date_parts, reduction_form


def test_the_whole_loop_ends_in_a_payment_list(client, world: World) -> None:
    start = today() + dt.timedelta(days=14)

    # 1-2. The provider manager returns outcomes and recommends 4 calls a day -> 3.
    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    client.post(complete_return(client, world.person.id, world.period.id))
    response = client.post(
        f"/service-users/{world.person.id}/recommendations/new",
        data=reduction_form(calls=3, start=start),
    )
    assert response.status_code == 302, text_of(response)
    check_page = text_of(client.get(response.location))
    assert "4 calls a day, 30 minutes, 7 days a week" in check_page
    assert "3 calls a day, 30 minutes, 7 days a week" in check_page
    client.post(response.location)
    recommendation = db.session.scalar(select(Recommendation))
    assert recommendation.status == RecommendationStatus.SUBMITTED
    client.post("/sign-out")

    # 3. The care manager finds it in the queue and sees both packages and the outcome return.
    sign_in(client, world.users[Role.CARE_MANAGER])
    queue = text_of(client.get("/review"))
    assert "Margaret Able" in queue and "Brightwater Home Care" in queue
    review = text_of(client.get(f"/review/{recommendation.id}"))
    assert "Current and proposed package" in review
    assert "Latest outcome return" in review and "Seen at the care review for 1.1." in review
    assert "one-off payment to Brightwater Home Care of £287.00" in review
    response = client.post(
        f"/review/{recommendation.id}",
        data={"decision": "approve", "start_date": date_parts(start)},
    )
    assert response.status_code == 302

    # 4. The old line ends the day before; the new line starts on the agreed date.
    lines = db.session.scalars(
        select(PackageLine)
        .where(PackageLine.service_user_id == world.person.id)
        .order_by(PackageLine.id)
    ).all()
    assert [(line.calls_per_day, line.start_date, line.end_date) for line in lines] == [
        (4, world.line.start_date, start - dt.timedelta(days=1)),
        (3, start, None),
    ]
    payment = db.session.scalar(select(Payment))
    assert payment.amount_pence == 28700  # 3.5 hours x £20.50 x 4 weeks
    client.post("/sign-out")

    # 5. Finance batches the payment, exports the batch and downloads the payment list.
    sign_in(client, world.users[Role.FINANCE_OFFICER])
    assert "£287.00" in text_of(client.get("/payments"))
    response = client.post("/payments", data={"scope": "all"})
    assert response.status_code == 302
    batch = db.session.scalar(select(PaymentBatch))
    assert client.get(f"/payments/batches/{batch.id}/payment-list.csv").status_code == 404
    client.post(f"/payments/batches/{batch.id}/export")
    download = client.get(f"/payments/batches/{batch.id}/payment-list.csv")
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert len(rows) == 1
    assert rows[0]["amount_gbp"] == "287.00"
    assert (rows[0]["cost_centre"], rows[0]["nominal_code"]) == ("HC4100", "5210")
    assert rows[0]["recommendation_reference"] == recommendation.reference
    assert rows[0]["provider_name"] == "Brightwater Home Care"
    assert rows[0]["service_user_case_reference"] == world.person.case_reference

    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {
        "outcome_return.submitted",
        "recommendation.submitted",
        "recommendation.approved",
        "package_line.ended",
        "package_line.started",
        "payment.created",
        "payment_batch.created",
        "payment_batch.exported",
    } <= actions
