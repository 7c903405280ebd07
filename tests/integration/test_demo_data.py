"""`make run` loads the demo council: the numbers the README promises."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.capacity.models import CapacityReturn
from portal.demo.data import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo_data
from portal.extensions import db
from portal.payments.models import BatchStatus, Payment, PaymentBatch, PaymentStatus
from portal.providers.enums import ContractType
from portal.providers.models import PackageLine, Provider, ServiceUser
from portal.recommendations.models import Recommendation, RecommendationStatus
from tests.client import text_of


def test_demo_council_has_its_providers_people_and_accounts(db_session: Any) -> None:
    load_demo_data()
    count = lambda statement: db.session.scalar(statement)  # noqa: E731
    assert count(select(func.count()).where(Provider.contract_type == ContractType.PATCH)) == 8
    assert count(select(func.count()).where(Provider.contract_type == ContractType.FRAMEWORK)) == 12
    assert count(select(func.count()).where(Provider.trusted_assessor.is_(True))) == 2
    assert count(select(func.count(ServiceUser.id))) == 300
    rates = db.session.execute(
        select(func.min(PackageLine.hourly_rate_pence), func.max(PackageLine.hourly_rate_pence))
    ).one()
    assert rates[0] >= 1900 and rates[1] <= 2350
    emails = [account.email for account in DEMO_ACCOUNTS]
    assert count(select(func.count(User.id)).where(User.email.in_(emails))) == 5
    # A year of capacity returns, so the commissioners' picture has a history.
    months = count(select(func.count(func.distinct(CapacityReturn.month))))
    assert months >= 12
    assert count(select(func.count()).where(CapacityReturn.late.is_(True))) > 0
    # Casework at each stage, so every account has something to see.
    statuses = dict(
        db.session.execute(
            select(Recommendation.status, func.count()).group_by(Recommendation.status)
        ).all()
    )
    assert statuses == {
        RecommendationStatus.APPROVED: 4,
        RecommendationStatus.SUBMITTED: 2,
        RecommendationStatus.MORE_INFORMATION: 1,
    }
    payment_statuses = sorted(db.session.scalars(select(Payment.status)))
    assert payment_statuses == [PaymentStatus.APPROVED] + [PaymentStatus.PAID] * 3
    assert count(select(func.count()).where(PaymentBatch.status == BatchStatus.PAID)) == 1


def test_every_demo_account_can_sign_in(client, db_session: Any) -> None:
    load_demo_data()
    db.session.commit()
    for account in DEMO_ACCOUNTS:
        response = client.post("/sign-in", data={"email": account.email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, account.email
        landing = client.get(client.get("/").location)
        assert landing.status_code == 200
        assert f"Signed in as {account.name}" in text_of(landing)
        client.post("/sign-out")
