"""A small council world for integration tests: two providers, their people, every role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from portal.accounts.models import User
from portal.common.roles import Role
from portal.council.models import get_settings
from portal.outcomes.models import ReportingPeriod
from portal.providers.models import PackageLine, Provider, ServiceUser
from tests.client import CheckedClient
from tests.factories import (
    PASSWORD,
    OutcomePeriodFactory,
    PackageLineFactory,
    PaymentRuleFactory,
    ProviderFactory,
    ServiceUserFactory,
    UserFactory,
)


@dataclass
class World:
    provider: Provider  # a strategic-tier trusted assessor
    other_provider: Provider
    person: ServiceUser  # with the provider: 4 calls a day, 30 minutes, £20.50 an hour
    line: PackageLine
    other_person: ServiceUser  # with the other provider
    period: ReportingPeriod
    users: dict[Role, User]
    other_provider_manager: User


@pytest.fixture
def world(db_session: Any) -> World:
    return build_world(db_session)


def build_world(session: Any) -> World:
    provider = ProviderFactory(name="Brightwater Home Care")
    other = ProviderFactory(name="Rival Care Ltd", trusted_assessor=True)
    person = ServiceUserFactory(provider=provider, given_name="Margaret", family_name="Able")
    line = PackageLineFactory(service_user=person)
    other_person = ServiceUserFactory(provider=other, given_name="Olive", family_name="Other")
    PackageLineFactory(service_user=other_person)
    period = OutcomePeriodFactory()
    PaymentRuleFactory()
    settings = get_settings()
    settings.cost_centre, settings.nominal_code = "HC4100", "5210"
    users = {
        Role.PROVIDER_MANAGER: UserFactory(
            roles=[Role.PROVIDER_MANAGER], provider_id=provider.id, name="Priya Provider"
        ),
        Role.CARE_MANAGER: UserFactory(roles=[Role.CARE_MANAGER], name="Carl Caremanager"),
        Role.COMMISSIONER: UserFactory(roles=[Role.COMMISSIONER], name="Cora Commissioner"),
        Role.FINANCE_OFFICER: UserFactory(roles=[Role.FINANCE_OFFICER], name="Fin Officer"),
        Role.ADMINISTRATOR: UserFactory(roles=[Role.ADMINISTRATOR], name="Ada Admin"),
    }
    other_manager = UserFactory(
        roles=[Role.PROVIDER_MANAGER], provider_id=other.id, name="Otto Othermanager"
    )
    # The other provider's agency administrator (so the provider's own emails stay Priya's).
    users[Role.AGENCY_ADMINISTRATOR] = UserFactory(
        roles=[Role.PROVIDER_MANAGER, Role.AGENCY_ADMINISTRATOR],
        provider_id=other.id,
        name="Agnes Agency",
    )
    # Commit (to the test's savepoint) so a request's rollback cannot take the world with it.
    session.commit()
    return World(provider, other, person, line, other_person, period, users, other_manager)


def sign_in(client: CheckedClient, user: User, *, password_only: bool = False) -> None:
    """Sign ``user`` in with their password. Someone who has set up multi-factor sign-in is
    then only past the password: say so with ``password_only`` (tests/mfa.py signs them in
    with a code), so a test never carries on half signed in without meaning to."""
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, "sign-in failed"
    second_step = response.location.startswith("/sign-in/")
    assert second_step == password_only, (
        f"{user.email} was sent to {response.location} after their password"
    )


@pytest.fixture
def as_role(client: CheckedClient, world: World) -> Any:
    """Sign the client in as the world's user with the given role and return the client."""

    def _sign_in(role: Role) -> CheckedClient:
        sign_in(client, world.users[role])
        return client

    return _sign_in
