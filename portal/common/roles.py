"""The roles a portal account can hold. A person may hold several council roles."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    PROVIDER_MANAGER = "provider_manager"
    CARE_MANAGER = "care_manager"
    COMMISSIONER = "commissioner"
    FINANCE_OFFICER = "finance_officer"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


COUNCIL_ROLES = frozenset(
    {Role.CARE_MANAGER, Role.COMMISSIONER, Role.FINANCE_OFFICER, Role.ADMINISTRATOR}
)
# Council roles that may look at any provider's service users and outcome history.
CASEWORK_ROLES = (Role.CARE_MANAGER, Role.COMMISSIONER)
