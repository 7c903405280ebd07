"""`make run` loads the demo council: the numbers the README promises."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.capacity.models import CapacityReturn
from portal.caseload.models import CaseloadImport, ImportStatus
from portal.common.dates import london_date, today
from portal.council.models import get_settings
from portal.demo.data import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo_data
from portal.extensions import db
from portal.outcomes.models import OutcomeReturn, ReportingPeriod, ReturnStatus
from portal.outcomes.table_f import Filters, same_people
from portal.outcomes.tallies import recount_all
from portal.payments.models import BatchStatus, Payment, PaymentBatch, PaymentKind, PaymentStatus
from portal.providers.enums import ContractType
from portal.providers.models import PackageLine, Provider, ServiceUser
from portal.recommendations.models import (
    ChangeKind,
    Recommendation,
    RecommendationStatus,
    ReductionCheckpoint,
    Verdict,
)
from tests.client import text_of


def test_demo_council_has_its_providers_people_and_accounts(db_session: Any) -> None:
    load_demo_data()
    count = lambda statement: db.session.scalar(statement)  # noqa: E731
    assert count(select(func.count()).where(Provider.contract_type == ContractType.PATCH)) == 8
    assert count(select(func.count()).where(Provider.contract_type == ContractType.FRAMEWORK)) == 12
    assert count(select(func.count()).where(Provider.contract_type == ContractType.SPOT)) == 1
    assert count(select(func.count()).where(Provider.contract_type == ContractType.LEGACY)) == 1
    assert count(select(func.count()).where(Provider.trusted_assessor.is_(True))) == 2
    # 300 from the case system's first extract, the year's newcomers from each month's
    # changes, one more from last week's.
    newcomers = count(
        select(func.count(ServiceUser.id)).where(ServiceUser.case_reference.like("AS7%"))
    )
    assert newcomers >= 7 * 12
    assert count(select(func.count(ServiceUser.id))) == 301 + newcomers
    imports = db.session.execute(
        select(CaseloadImport.full_extract, CaseloadImport.status).order_by(CaseloadImport.id)
    ).all()
    # The first extract whole; every month's changes since (people joining, leaving and
    # changing), a few reductions that did not hold, and last week's: every one applied.
    assert imports[0] == (True, ImportStatus.APPLIED) and len(imports) >= 14
    assert set(imports[1:]) == {(False, ImportStatus.APPLIED)}
    # People's care ended through the year, some after a few weeks.
    ended = select(func.count(PackageLine.id)).where(
        PackageLine.end_date >= today() - dt.timedelta(days=365)
    )
    assert count(ended) >= 50
    # Whether reductions held: most did, some went back up, two ended, the newest not yet.
    verdicts = Counter(db.session.scalars(select(ReductionCheckpoint.verdict_91)).all())
    assert verdicts[Verdict.HELD] > verdicts[Verdict.WENT_BACK_UP] > 0
    assert verdicts[Verdict.ENDED] >= 2 and verdicts[Verdict.NOT_YET_KNOWN] > 0
    approved_reductions = select(func.count()).where(
        Recommendation.status == RecommendationStatus.APPROVED,
        Recommendation.kind == ChangeKind.REDUCE,
    )
    assert verdicts.total() == count(approved_reductions)
    rates = db.session.execute(
        select(func.min(PackageLine.hourly_rate_pence), func.max(PackageLine.hourly_rate_pence))
    ).one()
    assert rates[0] >= 1900 and rates[1] <= 2350
    emails = [account.email for account in DEMO_ACCOUNTS]
    assert count(select(func.count(User.id)).where(User.email.in_(emails))) == 6
    # Made by invitation: the accounts' histories say so, and one is still to set a password.
    invited = select(func.count()).where(AuditEvent.action == "account.invited")
    assert count(invited) == count(select(func.count(User.id)))
    assert count(select(func.count(User.id)).where(User.password_hash.is_(None))) == 1
    # A year of capacity returns, so the commissioners' picture has a history.
    months = count(select(func.count(func.distinct(CapacityReturn.month))))
    assert months >= 12
    assert count(select(func.count()).where(CapacityReturn.late.is_(True))) > 0
    # A year of casework from both trusted assessors, in every state.
    statuses = dict(
        db.session.execute(
            select(Recommendation.status, func.count()).group_by(Recommendation.status)
        ).all()
    )
    assert set(statuses) == set(RecommendationStatus)
    assert statuses[RecommendationStatus.APPROVED] >= 30
    assessors = select(func.count(func.distinct(Recommendation.provider_id)))
    assert count(assessors) == 2
    target = get_settings().decision_target_working_days
    waiting = db.session.scalars(
        select(Recommendation.submitted_at).where(
            Recommendation.status == RecommendationStatus.SUBMITTED
        )
    ).all()
    overdue = [
        moment
        for moment in waiting
        if london_date(moment) < today() - dt.timedelta(days=target * 2)
    ]
    assert len(overdue) == 2
    payment_statuses = set(db.session.scalars(select(Payment.status)))
    assert payment_statuses >= {
        PaymentStatus.APPROVED,
        PaymentStatus.BATCHED,
        PaymentStatus.EXPORTED,
        PaymentStatus.PAID,
        PaymentStatus.CANCELLED,
    }
    assert count(select(func.count()).where(Payment.kind == PaymentKind.REVERSAL)) == 1
    batches = set(db.session.scalars(select(PaymentBatch.status)))
    assert batches == set(BatchStatus)
    # Four quarters of outcome returns and this one's drafts; late and sent-back ones too.
    returns = db.session.execute(
        select(ReportingPeriod.start_date, OutcomeReturn.status, func.count())
        .join(OutcomeReturn.period)
        .group_by(ReportingPeriod.start_date, OutcomeReturn.status)
    ).all()
    assert len({start for start, _, _ in returns}) == 5
    assert {status for _, status, _ in returns} == {
        ReturnStatus.ACCEPTED,
        ReturnStatus.SUBMITTED,
        ReturnStatus.RETURNED,
        ReturnStatus.DRAFT,
    }
    # Only the latest quarter's late providers' returns wait for the council to accept them.
    starts = sorted({start for start, _, _ in returns})
    assert {start for start, status, _ in returns if status == ReturnStatus.SUBMITTED} == {
        starts[-2]
    }
    late = (
        select(func.count())
        .select_from(OutcomeReturn)
        .join(OutcomeReturn.period)
        .where(func.date(OutcomeReturn.submitted_at) > ReportingPeriod.due_date)
    )
    assert count(late) > 0
    # Table F's same people: the latest past quarter's, kept as the returns came in, are
    # what a rebuild from the returns makes, and enough to compare.
    latest = db.session.scalars(
        select(ReportingPeriod).where(ReportingPeriod.start_date == starts[-2])
    ).one()
    kept = same_people(latest, Filters())
    assert kept.people >= get_settings().smallest_comparable_sample
    recount_all()
    assert same_people(latest, Filters()) == kept


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
