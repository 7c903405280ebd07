"""A large council's data, built quickly with bulk inserts, for the benchmarks.

The default is one of England's largest councils: 60 providers, 12,000 people receiving
care with their package lines and changes, 8 quarters of outcome returns, 24 months of
capacity returns, 20,000 recommendations and 10,000 one-off payments in batches. ``history``
multiplies the past (returns, capacity returns, recommendations, payments, audit events) for
the same providers and people: what users work on now must not slow down because it grew.

Rows get their ids here, so children can point at parents without reading them back; on
PostgreSQL the id sequences are moved past them afterwards."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy import Table, func, insert, select, text

from portal.accounts.models import User, UserRole
from portal.audit.models import AuditEvent
from portal.capacity.models import CapacityByQuadrant, CapacityKind, CapacityReturn
from portal.capacity.operations import window_for
from portal.capacity.picture import months_back
from portal.common.dates import (
    financial_quarter_label,
    london_days_between,
    quarter_bounds,
    today,
)
from portal.common.roles import Role
from portal.common.stored_figures import StoredFigure
from portal.common.weekdays import EVERY_DAY
from portal.council.models import get_settings
from portal.extensions import db
from portal.outcomes import owed, progress, tallies
from portal.outcomes.measures import MEASURES, MeasureResult
from portal.outcomes.models import (
    OutcomeAnswer,
    OutcomePairTally,
    OutcomeReturn,
    OutcomeTally,
    OwedReturn,
    PeriodKind,
    ReportingPeriod,
    ReturnStatus,
)
from portal.payments.models import (
    BatchStatus,
    Payment,
    PaymentBatch,
    PaymentKind,
    PaymentRule,
    PaymentStatus,
)
from portal.providers.enums import (
    ContractType,
    CqcRating,
    Funding,
    PricingZone,
    ProviderStatus,
    Quadrant,
)
from portal.providers.equalities import Ethnicity, Sex
from portal.providers.models import PackageLine, Provider, ServiceUser
from portal.recommendations.checkpoints import CHECKPOINTS
from portal.recommendations.models import (
    ChangeKind,
    ProposedLine,
    ReasonCategory,
    Recommendation,
    RecommendationStatus,
    ReductionCheckpoint,
    Verdict,
)
from portal.reports import stored

CHUNK = 5000
SEXES = (Sex.FEMALE, Sex.MALE, Sex.NOT_KNOWN, Sex.INDETERMINATE, None)
# England's mix roughly, with a few not stated and a few the extract did not hold.
ETHNICITIES = (*Ethnicity, None)
ETHNICITY_WEIGHTS = (70, 2, 6, 1, 1, 1, 1, 3, 2, 1, 1, 2, 2, 1, 1, 1, 2, 1, 2)
# Not a hash of anything: no password signs in as a bench account (the benchmarks sign
# in through the session instead).
PASSWORD_HASH = "unusable"  # noqa: S105


@dataclass(frozen=True)
class Scale:
    providers: int = 60
    people: int = 12000
    quarters: int = 8
    months: int = 24
    recommendations: int = 20000
    payments: int = 10000
    batch_size: int = 100
    history: int = 1  # how many times over the past is kept

    def smaller(self, factor: int) -> Scale:
        """The same shape, ``factor`` times smaller: for tests."""
        return Scale(
            providers=max(4, self.providers // factor),
            people=max(40, self.people // factor),
            quarters=self.quarters,
            months=self.months,
            recommendations=max(20, self.recommendations // factor),
            payments=max(10, self.payments // factor),
            batch_size=max(5, self.batch_size // factor),
            history=self.history,
        )


@dataclass
class Built:
    """What was made, for the benchmarks to find their way around."""

    counts: dict[str, int]
    manager_ids: dict[int, int]  # provider id -> its manager's user id
    officer_ids: dict[Role, int]


def _chunks(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def _insert(table: Table, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    for chunk in _chunks(rows):
        db.session.execute(insert(table), chunk)
        count += len(chunk)
    return count


def build(scale: Scale, *, seed: int = 2026) -> Built:
    """Fill an empty, migrated database. Refuses one that already holds providers."""
    if db.session.scalar(select(func.count(Provider.id))):
        raise RuntimeError("the database already holds providers: build into an empty one")
    rng = random.Random(seed)
    on = today()
    counts: dict[str, int] = {}
    settings = get_settings()
    settings.cost_centre, settings.nominal_code = "HC4100", "5210"

    # Council officers, providers and their managers.
    officer_ids = {
        role: index
        for index, role in enumerate(
            (Role.CARE_MANAGER, Role.COMMISSIONER, Role.FINANCE_OFFICER, Role.ADMINISTRATOR),
            start=1,
        )
    }
    users = [
        {
            "id": uid,
            "email": f"{role.value}@bench.example",
            "name": f"Bench {role.label}",
            "password_hash": PASSWORD_HASH,
            "provider_id": None,
            "active": True,
        }
        for role, uid in officer_ids.items()
    ]
    roles = [{"user_id": uid, "role": role} for role, uid in officer_ids.items()]
    providers = []
    manager_ids = {}
    for pid in range(1, scale.providers + 1):
        patch = pid <= scale.providers * 2 // 3
        providers.append(
            {
                "id": pid,
                "name": f"Bench Care {pid:03d}",
                "supplier_reference": f"BS{pid:05d}",
                "contract_type": ContractType.PATCH if patch else _outside_patch(pid),
                "quadrant": list(Quadrant)[pid % 4] if patch else None,
                "status": ProviderStatus.ACTIVE,
                # Every provider returns outcomes, so 8 quarters hold about 96,000 returns.
                "strategic_tier": True,
                "trusted_assessor": patch and pid % 2 == 0,
                "cqc_rating": CqcRating.GOOD,
            }
        )
        uid = 100 + pid
        manager_ids[pid] = uid
        users.append(
            {
                "id": uid,
                "email": f"manager{pid}@bench.example",
                "name": f"Manager {pid}",
                "password_hash": PASSWORD_HASH,
                "provider_id": pid,
                "active": True,
            }
        )
        roles.append({"user_id": uid, "role": Role.PROVIDER_MANAGER})
    counts["providers"] = _insert(Provider.__table__, providers)
    counts["users"] = _insert(User.__table__, users)
    _insert(UserRole.__table__, roles)
    strategic = {p["id"] for p in providers if p["strategic_tier"]}
    trusted = {p["id"] for p in providers if p["trusted_assessor"]}

    # People and their packages: each person's care started up to four years ago (some in
    # the last year, so the monthly counts grow) and was changed up to six times, each
    # change ending one line and starting the next, so about 40,000 lines run for every
    # length the committee report counts; the latest line is open now. One person in ten
    # has double-handed calls.
    people = []
    lines = []
    line_id = 0
    person_provider = {}
    current_line = {}
    for sid in range(1, scale.people + 1):
        pid = rng.randint(1, scale.providers)
        person_provider[sid] = pid
        people.append(
            {
                "id": sid,
                "case_reference": f"BC{sid:07d}",
                "nhs_number": None,
                "given_name": rng.choice(("Ada", "Bill", "Cora", "Dev", "Edna", "Frank", "Gita")),
                "family_name": f"Bench{sid:05d}",
                "date_of_birth": _birth_date(rng, on),
                "funding": Funding.COUNCIL,
                "quadrant": list(Quadrant)[sid % 4],
                "pricing_zone": list(PricingZone)[sid % 4],
                "provider_id": pid,
                "sex": rng.choices(SEXES, weights=(57, 40, 1, 1, 1))[0],
                "ethnicity": rng.choices(ETHNICITIES, weights=ETHNICITY_WEIGHTS)[0],
            }
        )
        started = on - dt.timedelta(days=rng.randint(20, 1460))
        rate = rng.choice((1931, 2050, 2120, 2240))
        carers = 2 if rng.random() < 0.1 else 1
        changes = rng.choices(range(7), weights=(10, 10, 15, 15, 15, 15, 20))[0]
        for _ in range(changes):
            changed = started + dt.timedelta(
                days=rng.choice((rng.randint(7, 59), rng.randint(60, 420)))
            )
            if changed >= on:
                break
            line_id += 1
            lines.append(
                _line(
                    line_id,
                    sid,
                    pid,
                    rng.choice((2, 3, 4)),
                    rate,
                    started,
                    changed - dt.timedelta(days=1),
                    carers,
                )
            )
            started = changed
        line_id += 1
        current_line[sid] = (line_id, rate)
        lines.append(_line(line_id, sid, pid, rng.choice((2, 3, 4)), rate, started, None, carers))
    counts["service_users"] = _insert(ServiceUser.__table__, people)
    counts["package_lines"] = _insert(PackageLine.__table__, lines)

    # Outcome returns: every quarter of the history, for strategic providers' people.
    quarter_count = scale.quarters * scale.history
    periods: list[dict[str, Any]] = []
    start, _ = quarter_bounds(on)
    for index in range(quarter_count):
        first, last = quarter_bounds(start)
        periods.append(
            {
                "id": quarter_count - index,
                "kind": PeriodKind.OUTCOMES,
                "label": financial_quarter_label(first),
                "start_date": first,
                "end_date": last,
                "due_date": last + dt.timedelta(days=14),
            }
        )
        start = first - dt.timedelta(days=1)
    _insert(ReportingPeriod.__table__, periods)
    owed.refresh_all(db.session.connection())  # who owes each quarter's returns, from the lines
    counts["outcome_owed"] = db.session.scalar(select(func.count()).select_from(OwedReturn)) or 0
    results = (
        MeasureResult.MET,
        MeasureResult.MET,
        MeasureResult.PARTLY_MET,
        MeasureResult.NOT_MET,
    )
    owing = [sid for sid, pid in person_provider.items() if pid in strategic]
    current_period = periods[0]["id"]
    last_period = periods[1]["id"] if len(periods) > 1 else None
    accepter = officer_ids[Role.COMMISSIONER]

    def returns() -> Iterator[dict[str, Any]]:
        rid = 0
        for period in periods:
            submitted = dt.datetime.combine(period["due_date"], dt.time(9), tzinfo=dt.UTC)
            for sid in owing:
                if period["id"] == current_period and sid % 3:
                    continue  # this quarter: a third are in, the rest still owed
                rid += 1
                # Earlier quarters' returns were accepted; last quarter's a quarter still
                # wait, with this quarter's, for the council to accept them.
                waiting = period["id"] == current_period or (
                    period["id"] == last_period and sid % 4 == 0
                )
                yield {
                    "id": rid,
                    "period_id": period["id"],
                    "service_user_id": sid,
                    "provider_id": person_provider[sid],
                    "status": ReturnStatus.SUBMITTED if waiting else ReturnStatus.ACCEPTED,
                    "submitted_at": submitted,
                    "submitted_by_id": manager_ids[person_provider[sid]],
                    "reviewed_at": None if waiting else submitted + dt.timedelta(days=7),
                    "reviewed_by_id": None if waiting else accepter,
                    "review_reason": "",
                }

    return_rows = list(returns())
    counts["outcome_returns"] = _insert(OutcomeReturn.__table__, return_rows)
    counts["outcome_answers"] = _insert(
        OutcomeAnswer.__table__,
        (
            {
                "return_id": row["id"],
                "measure": measure.code,
                "result": results[(row["id"] + n) % 4],
                "evidence": "Seen at the care review.",
                "not_applicable_reason": "",
                "evidence_sources": ["care_review"],
            }
            for row in return_rows
            for n, measure in enumerate(MEASURES)
        ),
    )
    del return_rows
    # Table F's counts, and the same people's quarter to quarter, as the returns coming in
    # would keep them.
    tallies.recount_all()
    progress.recount_all()  # and the progress page's
    counts["outcome_tallies"] = db.session.scalar(select(func.count(OutcomeTally.id))) or 0
    counts["outcome_pair_tallies"] = db.session.scalar(select(func.count(OutcomePairTally.id))) or 0

    # Capacity returns, every month of the history.
    months = [
        m
        for m in months_back(on.replace(day=1), scale.months * scale.history)
        if window_for(m).opens <= on
    ]
    capacity = []
    quadrant_rows = []
    cid = 0
    for month in months:
        window = window_for(month)
        for pid in range(1, scale.providers + 1):
            if rng.random() < 0.05:
                continue  # missed
            late = rng.random() < 0.05 and window.closes + dt.timedelta(days=2) <= on
            sent = window.closes + dt.timedelta(days=2) if late else window.opens
            cid += 1
            capacity.append(
                {
                    "id": cid,
                    "provider_id": pid,
                    "month": month,
                    "kind": CapacityKind.FULL,
                    "submitted_at": dt.datetime.combine(sent, dt.time(10), tzinfo=dt.UTC),
                    "submitted_by_id": manager_ids[pid],
                    "late": late,
                    "service_users": 200,
                    "delivered_weekly_minutes": 60 * 2000,
                    "weekend_starts": pid % 2 == 0,
                    "seven_day_discharge": pid % 3 == 0,
                    "winter_weekly_minutes": 600,
                    "festive_weekly_minutes": 300,
                    "takes_children": pid % 7 == 0,
                    "takes_palliative": pid % 2 == 1,
                    "takes_double_handed": True,
                    "takes_dementia": pid % 3 != 0,
                    "headcount": 80,
                    "fte_hundredths": 6500,
                    "starters": 2,
                    "leavers": 1,
                    "vacancies": 5,
                    "overseas_sponsored": 10,
                    "agency_weekly_minutes": 600,
                    "pays_travel_time": pid % 5 != 0,
                    "hourly_pay_pence": 1290,
                }
            )
            quadrant_rows.append(
                {
                    "return_id": cid,
                    "quadrant": list(Quadrant)[pid % 4],
                    "spare_weekly_minutes": 60 * rng.randint(0, 80),
                    "new_packages": rng.randint(0, 5),
                }
            )
    counts["capacity_returns"] = _insert(CapacityReturn.__table__, capacity)
    _insert(CapacityByQuadrant.__table__, quadrant_rows)

    # Recommendations from trusted assessors: mostly decided long ago, some in the queue.
    rule_id = db.session.execute(
        insert(PaymentRule.__table__).returning(PaymentRule.__table__.c.id),
        {"version": 1, "weeks": 4, "effective_from": dt.date(2015, 4, 1)},
    ).scalar_one()
    candidates = [sid for sid, pid in person_provider.items() if pid in trusted]
    total = scale.recommendations * scale.history
    waiting = max(1, scale.recommendations // 100)
    recommendations: list[dict[str, Any]] = []
    proposals: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []
    payment_budget = scale.payments * scale.history
    for rid in range(1, total + 1):
        sid = candidates[rid % len(candidates)]
        pid = person_provider[sid]
        line, rate = current_line[sid]
        open_now = rid > total - waiting
        age = (total - rid) * 3 * 365 * scale.history // max(total, 1)
        sent = dt.datetime.combine(on - dt.timedelta(days=age + 20), dt.time(10), tzinfo=dt.UTC)
        decided = None if open_now else sent + dt.timedelta(days=6)
        recommendations.append(
            {
                "id": rid,
                "service_user_id": sid,
                "provider_id": pid,
                "kind": ChangeKind.REDUCE,
                "status": RecommendationStatus.SUBMITTED
                if open_now
                else RecommendationStatus.APPROVED,
                "reason_category": ReasonCategory.SKILLS_REGAINED,
                "reason": "Skills regained.",
                "evidence": "Seen on visits.",
                "person_consulted_and_agrees": True,
                "family_consulted": False,
                "risk_assessed": True,
                "proposed_start_date": (sent + dt.timedelta(days=28)).date(),
                "created_by_id": manager_ids[pid],
                "submitted_at": sent,
                "decision_due_date": (sent + dt.timedelta(days=14)).date(),
                "decided_at": decided,
                "decision_days": None if decided is None else london_days_between(sent, decided),
                "decided_by_id": None if open_now else officer_ids[Role.CARE_MANAGER],
                "decision_reason": "",
                "agreed_start_date": None if open_now else (sent + dt.timedelta(days=28)).date(),
            }
        )
        proposals.append(
            {
                "recommendation_id": rid,
                "replaces_line_id": line,
                "calls_per_day": 1,
                "minutes_per_call": 30,
                "carers_per_call": 1,
                "days_of_week": EVERY_DAY,
                "hourly_rate_pence": rate,
            }
        )
        if not open_now and len(payments) < payment_budget:
            payments.append(
                {
                    "id": len(payments) + 1,
                    "reference": f"OOP{rid:07d}",
                    "provider_id": pid,
                    "service_user_id": sid,
                    "recommendation_id": rid,
                    "recommendation_reference": Recommendation.reference_for(rid),
                    "first_approved_at": decided,
                    "first_approved_by_id": officer_ids[Role.CARE_MANAGER],
                    "kind": PaymentKind.PAYMENT,
                    "rule_id": rule_id,
                    "weekly_minutes_removed": 210,
                    "hourly_rate_pence": rate,
                    "weeks": 4,
                    "amount_pence": 210 * rate * 4 // 60,
                    "status": PaymentStatus.APPROVED,
                    "reason": "",
                    "created_at": decided,
                    "updated_at": decided,
                    "batch_id": None,
                }
            )
    counts["recommendations"] = _insert(Recommendation.__table__, recommendations)
    _insert(ProposedLine.__table__, proposals)
    weekly = {line["id"]: line["calls_per_day"] * 30 * 7 for line in lines}
    person_minutes = {sid: weekly[line] for sid, (line, _) in current_line.items()}
    # Its own random draws, so the rest of the council is built as it was before.
    drawn = _checkpoints(random.Random(seed + 1), recommendations, person_minutes, on)
    counts["reduction_checkpoints"] = _insert(ReductionCheckpoint.__table__, drawn)

    # Payments: all but the newest batch's worth are in paid batches, oldest first.
    batches = []
    ready = scale.batch_size
    for index, payment in enumerate(payments[:-ready] if len(payments) > ready else []):
        batch_id = index // scale.batch_size + 1
        payment["batch_id"] = batch_id
        payment["status"] = PaymentStatus.PAID
        if index % scale.batch_size == 0:
            made = payment["created_at"] + dt.timedelta(days=7)
            batches.append(
                {
                    "id": batch_id,
                    "reference": f"PB{batch_id:06d}",
                    "status": BatchStatus.PAID,
                    "created_at": made,
                    "created_by_id": officer_ids[Role.FINANCE_OFFICER],
                    "exported_at": made,
                    "exported_by_id": officer_ids[Role.FINANCE_OFFICER],
                    "paid_on": (made + dt.timedelta(days=3)).date(),
                    "paid_recorded_by_id": officer_ids[Role.FINANCE_OFFICER],
                }
            )
    counts["payment_batches"] = _insert(PaymentBatch.__table__, batches)
    counts["payments"] = _insert(Payment.__table__, payments)

    # Audit events: one a recommendation and a payment, as the operations would write.
    counts["audit_events"] = _insert(
        AuditEvent.__table__,
        (
            {
                "actor_id": row["created_by_id"],
                "action": "recommendation.submitted",
                "entity_type": "recommendations",
                "entity_id": row["id"],
                "provider_id": row["provider_id"],
                "before": None,
                "after": {"status": "submitted"},
                "occurred_at": row["submitted_at"],
            }
            for row in recommendations
        ),
    )
    _move_sequences_past_ids()
    # The dashboard's monthly figures, as the nightly `flask reports refresh` keeps them.
    stored.refresh()
    counts["stored_figures"] = db.session.scalar(select(func.count(StoredFigure.id))) or 0
    db.session.flush()
    return Built(counts=counts, manager_ids=manager_ids, officer_ids=officer_ids)


# What became of a reduction at 91 days, and at a year given what it was at 91 days: most
# hold, some go back up, a few end (as councils report, about four in five hold).
AT_91 = ((Verdict.HELD, 78), (Verdict.WENT_BACK_UP, 14), (Verdict.ENDED, 8))
AT_365 = {
    Verdict.HELD: ((Verdict.HELD, 82), (Verdict.WENT_BACK_UP, 11), (Verdict.ENDED, 7)),
    Verdict.WENT_BACK_UP: ((Verdict.WENT_BACK_UP, 85), (Verdict.ENDED, 15)),
    Verdict.ENDED: ((Verdict.ENDED, 100),),
}


def _checkpoints(
    rng: random.Random,
    recommendations: list[dict[str, Any]],
    weekly_minutes: dict[int, int],
    on: dt.date,
) -> Iterator[dict[str, Any]]:
    """A checkpoint row for each approved reduction, as ``portal.recommendations.
    checkpoints`` keeps them: the package after the reduction (the person's line less the
    3.5 hours its payment counts), and at 91 and 365 days, once come, held, back up or
    ended. Drawn rather than worked out from lines, as the bench's lines never change."""
    for row in recommendations:
        start = row["agreed_start_date"]
        if row["status"] != RecommendationStatus.APPROVED or start is None:
            continue
        agreed = max(30, weekly_minutes[row["service_user_id"]] - 210)
        checkpoint = {
            "recommendation_id": row["id"],
            "provider_id": row["provider_id"],
            "service_user_id": row["service_user_id"],
            "agreed_start_date": start,
            "weekly_minutes_agreed": agreed,
        }
        verdict = None
        for days in CHECKPOINTS:
            day = start + dt.timedelta(days=days)
            if day <= on:
                weights = AT_91 if verdict is None else AT_365[verdict]
                verdict = rng.choices([v for v, _ in weights], [w for _, w in weights])[0]
            minutes = {
                Verdict.HELD: agreed,
                Verdict.WENT_BACK_UP: agreed + 210,
                Verdict.ENDED: 0,
                None: None,
            }[verdict if day <= on else None]
            checkpoint[f"checkpoint_{days}_on"] = day
            checkpoint[f"weekly_minutes_{days}"] = minutes
            checkpoint[f"verdict_{days}"] = verdict if day <= on else Verdict.NOT_YET_KNOWN
        yield checkpoint


def _line(
    line_id: int,
    sid: int,
    pid: int,
    calls: int,
    rate: int,
    start: dt.date,
    end: dt.date | None,
    carers: int = 1,
) -> dict[str, Any]:
    return {
        "id": line_id,
        "service_user_id": sid,
        "provider_id": pid,
        "calls_per_day": calls,
        "minutes_per_call": 30,
        "carers_per_call": carers,
        "days_of_week": EVERY_DAY,
        "hourly_rate_pence": rate,
        "start_date": start,
        "end_date": end,
    }


def _outside_patch(pid: int) -> ContractType:
    """Most providers outside the Patch are on the Framework; some are spot purchases and
    some legacy contracts from before the tender."""
    return {0: ContractType.SPOT, 1: ContractType.LEGACY}.get(pid % 5, ContractType.FRAMEWORK)


def _birth_date(rng: random.Random, on: dt.date) -> dt.date | None:
    """Mostly older people, some adults of working age, a few children, and now and then
    a date the case system did not hold."""
    if rng.random() < 0.01:
        return None
    low, high = rng.choices(
        ((5, 17), (18, 64), (65, 74), (75, 84), (85, 101)), weights=(1, 17, 20, 32, 30)
    )[0]
    return on - dt.timedelta(days=rng.randint(365 * low, 365 * high + 364))


def _move_sequences_past_ids() -> None:
    """PostgreSQL hands out ids from sequences, which rows given ids here did not use."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c:
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )
