"""factory_boy factories for the models, writing through the test's session."""

from __future__ import annotations

import datetime as dt

import factory
from factory.alchemy import SQLAlchemyModelFactory

from portal.accounts.models import User, UserRole
from portal.common.dates import financial_quarter_label, quarter_bounds, today
from portal.common.roles import Role
from portal.common.weekdays import EVERY_DAY
from portal.extensions import db
from portal.outcomes import owed
from portal.outcomes.models import PeriodKind, ReportingPeriod
from portal.payments.models import PaymentRule
from portal.providers.enums import (
    ContractType,
    CqcRating,
    Funding,
    PricingZone,
    ProviderStatus,
    Quadrant,
)
from portal.providers.models import PackageLine, Provider, ServiceUser
from portal.recommendations import checkpoints

PASSWORD = "correct horse battery staple"


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class ProviderFactory(BaseFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Provider {n} Home Care")
    supplier_reference = factory.Sequence(lambda n: f"SUP{n:05d}")
    contract_type = ContractType.PATCH
    quadrant = Quadrant.EAST
    status = ProviderStatus.ACTIVE
    # An exited provider has its exit date (the register's operations set both).
    exited_on = factory.LazyAttribute(
        lambda o: today() if o.status == ProviderStatus.EXITED else None
    )
    strategic_tier = True
    trusted_assessor = True
    cqc_rating = CqcRating.GOOD


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    name = factory.Sequence(lambda n: f"Test User {n}")
    active = True
    password_hash = factory.LazyFunction(lambda: _hash(PASSWORD))

    @factory.post_generation
    def roles(self, create: bool, extracted: list[Role] | None, **kwargs: object) -> None:
        self.role_rows = [UserRole(role=role) for role in (extracted or [])]
        db.session.flush()


_hash_cache: dict[str, str] = {}


def _hash(password: str) -> str:
    # Hashing is deliberately slow; one hash serves every test user.
    from portal.accounts.hashing import hash_password

    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


class ServiceUserFactory(BaseFactory):
    class Meta:
        model = ServiceUser

    case_reference = factory.Sequence(lambda n: f"T{n:07d}")
    given_name = factory.Iterator(["Margaret", "John", "Ayesha", "Kofi"])
    family_name = factory.Sequence(lambda n: f"Person{n}")
    date_of_birth = dt.date(1940, 5, 17)
    funding = Funding.COUNCIL
    quadrant = Quadrant.EAST
    pricing_zone = PricingZone.URBAN
    provider = factory.SubFactory(ProviderFactory)


class PackageLineFactory(BaseFactory):
    class Meta:
        model = PackageLine

    service_user = None
    service_user_id = factory.LazyAttribute(lambda o: o.service_user.id)
    provider_id = factory.LazyAttribute(lambda o: o.service_user.provider_id)
    calls_per_day = 4
    minutes_per_call = 30
    carers_per_call = 1
    days_of_week = EVERY_DAY
    hourly_rate_pence = 2050
    start_date = factory.LazyFunction(lambda: today() - dt.timedelta(days=200))

    class Params:
        service_user = None

    @classmethod
    def _create(cls, model_class: type, *args: object, **kwargs: object) -> PackageLine:
        kwargs.pop("service_user", None)
        line: PackageLine = super()._create(model_class, *args, **kwargs)
        # As the operations that start lines do.
        owed.lines_changed([line.service_user_id])
        checkpoints.lines_changed([line.service_user_id])
        return line


class OutcomePeriodFactory(BaseFactory):
    class Meta:
        model = ReportingPeriod

    kind = PeriodKind.OUTCOMES
    start_date = factory.LazyFunction(lambda: quarter_bounds(today())[0])
    end_date = factory.LazyFunction(lambda: quarter_bounds(today())[1])
    due_date = factory.LazyAttribute(lambda o: o.end_date + dt.timedelta(days=14))
    label = factory.LazyAttribute(lambda o: financial_quarter_label(o.start_date))

    @classmethod
    def _create(cls, model_class: type, *args: object, **kwargs: object) -> ReportingPeriod:
        period: ReportingPeriod = super()._create(model_class, *args, **kwargs)
        owed.period_opened(period)  # as opening a quarter does
        return period


class PaymentRuleFactory(BaseFactory):
    class Meta:
        model = PaymentRule

    version = 1  # each test world has one rule; later versions come from create_rule
    weeks = 4
    effective_from = dt.date(2021, 8, 28)
