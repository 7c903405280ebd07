"""The roles a portal account can hold. A person may hold several council roles."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    PROVIDER_MANAGER = "provider_manager"
    CARE_MANAGER = "care_manager"
    COMMISSIONER = "commissioner"
    FINANCE_OFFICER = "finance_officer"
    ADMINISTRATOR = "administrator"
    # Held beside PROVIDER_MANAGER only: invites and disables colleagues at the same provider.
    AGENCY_ADMINISTRATOR = "agency_administrator"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def hint(self) -> str:
        return _HINTS[self]


_HINTS = {
    Role.PROVIDER_MANAGER: "A care agency's manager: returns, capacity and recommendations for "
    "one provider",
    Role.CARE_MANAGER: "Reviews recommendations and sees every person's outcome history",
    Role.COMMISSIONER: "All providers, the register, reporting periods, settings and reports",
    Role.FINANCE_OFFICER: "Payments, batches and payment lists",
    Role.ADMINISTRATOR: "Portal accounts: invites people, changes roles, disables accounts",
    Role.AGENCY_ADMINISTRATOR: "Invites and disables colleagues at the same provider",
}


# The roles an account at a provider may hold; council roles are never held beside them.
PROVIDER_ROLES = frozenset({Role.PROVIDER_MANAGER, Role.AGENCY_ADMINISTRATOR})
COUNCIL_ROLES = frozenset(
    {Role.CARE_MANAGER, Role.COMMISSIONER, Role.FINANCE_OFFICER, Role.ADMINISTRATOR}
)
# Council roles that may look at any provider's service users and outcome history.
CASEWORK_ROLES = (Role.CARE_MANAGER, Role.COMMISSIONER)
