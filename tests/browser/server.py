"""The live portal's data and what the tests learn from its server."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import cast

from flask import Flask

from portal.common.dates import financial_quarter_label, quarter_bounds, today
from portal.common.roles import Role
from portal.common.weekdays import EVERY_DAY
from portal.council.models import get_settings
from portal.extensions import db
from portal.outcomes.models import ReportingPeriod
from portal.providers.models import PackageLine, Provider, ServiceUser
from tests.factories import (
    OutcomePeriodFactory,
    PackageLineFactory,
    PaymentRuleFactory,
    ProviderFactory,
    ServiceUserFactory,
    UserFactory,
)


@dataclass(frozen=True)
class Seed:
    """What the live database holds when the tests start."""

    provider_name: str
    other_provider_name: str
    person_id: int
    person_name: str  # as the list shows it: "Able, Margaret"
    person_full_name: str
    person_case_reference: str
    period_label: str
    line_start: dt.date
    emails: dict[Role, str]


@dataclass
class LiveServer:
    url: str
    seed: Seed
    errors: list[str] = field(default_factory=list)  # tracebacks the server logged
    # The served app, for a test that writes its own records: `with live_server.app.app_context()`
    app: Flask | None = None

    def take_errors(self, containing: str) -> list[str]:
        """Remove and return the errors mentioning ``containing``: a test that expects one."""
        taken = [error for error in self.errors if containing in error]
        self.errors[:] = [error for error in self.errors if containing not in error]
        return taken


class ErrorRecorder(logging.Handler):
    """Keeps what the HTTP server logs at error level: the traceback of any exception the
    app raised, including one raised while a streamed response was being sent."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.errors = errors

    def emit(self, record: logging.LogRecord) -> None:
        self.errors.append(record.getMessage())


def seed_database() -> Seed:
    """Commit the loop's world: a strategic-tier trusted assessor with Margaret (4 calls a day,
    30 minutes, 7 days a week at £20.50 an hour), a rival provider with Olive, this quarter's
    outcome period, a 4-week payment rule, one account for each role in the loop, and a
    commissioner's account."""
    provider = cast(Provider, ProviderFactory(name="Brightwater Home Care"))
    other = cast(Provider, ProviderFactory(name="Rival Care Ltd"))
    person = cast(
        ServiceUser,
        ServiceUserFactory(provider=provider, given_name="Margaret", family_name="Able"),
    )
    line = cast(
        PackageLine,
        PackageLineFactory(
            service_user=person,
            calls_per_day=4,
            minutes_per_call=30,
            days_of_week=EVERY_DAY,
            hourly_rate_pence=2050,
        ),
    )
    other_person = ServiceUserFactory(provider=other, given_name="Olive", family_name="Other")
    PackageLineFactory(service_user=other_person)
    period = cast(ReportingPeriod, OutcomePeriodFactory())
    PaymentRuleFactory(weeks=4)
    settings = get_settings()
    settings.cost_centre, settings.nominal_code = "HC4100", "5210"
    emails = {
        Role.PROVIDER_MANAGER: "priya.provider@brightwater.example.test",
        Role.CARE_MANAGER: "carl.caremanager@testshire.example.test",
        Role.FINANCE_OFFICER: "fin.officer@testshire.example.test",
        Role.COMMISSIONER: "cora.commissioner@testshire.example.test",
    }
    UserFactory(
        roles=[Role.PROVIDER_MANAGER],
        provider_id=provider.id,
        name="Priya Provider",
        email=emails[Role.PROVIDER_MANAGER],
    )
    UserFactory(roles=[Role.CARE_MANAGER], name="Carl Caremanager", email=emails[Role.CARE_MANAGER])
    UserFactory(
        roles=[Role.FINANCE_OFFICER], name="Fin Officer", email=emails[Role.FINANCE_OFFICER]
    )
    UserFactory(
        roles=[Role.COMMISSIONER], name="Cora Commissioner", email=emails[Role.COMMISSIONER]
    )
    db.session.commit()
    assert period.label == financial_quarter_label(quarter_bounds(today())[0])
    return Seed(
        provider_name=provider.name,
        other_provider_name=other.name,
        person_id=person.id,
        person_name="Able, Margaret",
        person_full_name="Margaret Able",
        person_case_reference=person.case_reference,
        period_label=period.label,
        line_start=line.start_date,
        emails=emails,
    )
