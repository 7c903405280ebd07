"""The load test's accounts: one per virtual user, each signed in with its password and a code
from its authenticator key, so no two users share a sign-in, a rate limit per account or a
time step's code ("each code works once").

    python -m loadtest.accounts OUT.json --provider-managers 3 --care-managers 2 ...

run with the same environment as the servers (the key is sealed under PORTAL_SECRET_KEY),
against a database holding the demo council. It adds the accounts straight to the throwaway
database, as an administrator's invitation and the person's enrolment would leave them, and
writes what the virtual users need (emails, the password, the keys, and the records their
forms post to) as JSON. The file holds secrets for this run's database only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from portal.accounts.mfa import keys
from portal.accounts.models import User, UserRole
from portal.capacity.models import CapacityReturn
from portal.capacity.operations import window_for
from portal.common.dates import today
from portal.common.models import utcnow
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes.models import ReportingPeriod
from portal.providers.models import Provider, ProviderStatus
from portal.recommendations.models import Recommendation, RecommendationStatus

DOMAIN = "loadtest.example"
# The role each kind of virtual user signs in with, by the name the locustfile uses.
ROLES = {
    "provider_manager": Role.PROVIDER_MANAGER,
    "care_manager": Role.CARE_MANAGER,
    "commissioner": Role.COMMISSIONER,
    "finance": Role.FINANCE_OFFICER,
    "administrator": Role.ADMINISTRATOR,
}


def capacity_providers(count: int) -> list[Provider]:
    """Active providers with a capacity return last month or this month, so the form opens
    filled in and a provider manager can send it again (a correction) as often as they like.
    One provider per provider manager: two people correcting the same return at once is not
    the load being measured."""
    this_month = today().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    with_returns = (
        select(CapacityReturn.provider_id)
        .where(CapacityReturn.month.in_((last_month, this_month)))
        .distinct()
    )
    providers = list(
        db.session.scalars(
            select(Provider)
            .where(Provider.status == ProviderStatus.ACTIVE, Provider.id.in_(with_returns))
            .order_by(Provider.id)
            .limit(count)
        )
    )
    if len(providers) < count:
        raise SystemExit(
            f"only {len(providers)} active providers have a recent capacity return: "
            "ask for at most that many provider managers"
        )
    return providers


def targets() -> dict[str, Any]:
    """The records the virtual users' pages and forms are about."""
    waiting = list(
        db.session.scalars(
            select(Recommendation.id)
            .where(Recommendation.status == RecommendationStatus.SUBMITTED)
            .order_by(Recommendation.id)
        )
    )
    period = db.session.scalar(select(func.max(ReportingPeriod.id)))
    if not waiting or period is None:
        raise SystemExit("the database has no recommendation awaiting a decision or no period")
    # This month's return once its window has opened, else last month's (sent late, or
    # corrected): a provider may file for either.
    month = today().replace(day=1)
    if today() < window_for(month).opens:
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return {
        "recommendations": waiting,
        "period": period,
        "capacity_month": f"{month.year}/{month.month}",
        "capacity_month_name": f"{month:%B %Y}",
    }


def make_accounts(counts: dict[str, int], password: str) -> dict[str, Any]:
    providers = iter(capacity_providers(counts.get("provider_manager", 0)))
    accounts: dict[str, list[dict[str, str]]] = {}
    for kind, count in counts.items():
        for number in range(1, count + 1):
            secret = keys.new_secret()
            user = User(
                email=f"{kind.replace('_', '.')}.{number}@{DOMAIN}",
                name=f"Load test {kind.replace('_', ' ')} {number}",
                provider_id=next(providers).id if kind == "provider_manager" else None,
                mfa_secret=keys.seal(secret),
                mfa_enrolled_at=utcnow(),
                role_rows=[UserRole(role=ROLES[kind])],
            )
            user.set_password(password)
            db.session.add(user)
            accounts.setdefault(kind, []).append({"email": user.email, "secret": secret})
    db.session.commit()
    return {"password": password, "accounts": accounts, **targets()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    for kind in ROLES:
        parser.add_argument(f"--{kind.replace('_', '-')}s", type=int, default=1, dest=kind)
    arguments = parser.parse_args(argv)
    from portal import create_app

    app = create_app()
    with app.app_context():
        made = make_accounts(
            {kind: getattr(arguments, kind) for kind in ROLES},
            password=secrets.token_urlsafe(24),
        )
    arguments.out.write_text(json.dumps(made, indent=2))
    arguments.out.chmod(0o600)


if __name__ == "__main__":
    main()
