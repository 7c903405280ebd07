"""The provider register, kept by commissioners: adding a provider and every later change
to it. Nothing is edited in place without its history: each change writes a dated
``ProviderChange`` (what, from, to, from when, why, who) and an audit event, and brings the
provider row, which the rest of the portal reads, up to date in the same transaction.

What a change means for returns owed lies above the register (the import contracts): the
views that call these operations, in ``portal/casework/register.py``, refresh them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import func, select

from portal.audit.operations import record, snapshot
from portal.common import stored_figures
from portal.common.database import first_one_wins
from portal.common.dates import format_date, today
from portal.common.errors import DomainError
from portal.common.models import lock
from portal.extensions import db
from portal.providers.enums import (
    CareCategory,
    ContractType,
    CqcRating,
    ProviderStatus,
    QafLevel,
    Quadrant,
    RegisterFact,
)
from portal.providers.models import Provider, ProviderCategory, ProviderChange, contract_value

# The provider's columns its audit events keep, before and after.
_FIELDS = (
    "name",
    "supplier_reference",
    "cqc_location_id",
    "contract_type",
    "quadrant",
    "status",
    "status_since",
    "exited_on",
    "strategic_tier",
    "trusted_assessor",
    "cqc_rating",
    "cqc_rated_on",
    "qaf_level",
    "qaf_assessed_on",
)


class Recorder(Protocol):
    """Who records a change: a signed-in account (the register imports no accounts)."""

    id: int
    name: str


@dataclass(frozen=True)
class NewProvider:
    name: str
    supplier_reference: str
    cqc_location_id: str
    contract_type: ContractType
    quadrant: Quadrant | None
    categories: frozenset[CareCategory]
    strategic_tier: bool
    trusted_assessor: bool
    cqc_rating: CqcRating
    cqc_rated_on: dt.date | None
    qaf_level: QafLevel | None
    qaf_assessed_on: dt.date | None


def _snapshot(provider: Provider) -> dict[str, Any]:
    data = snapshot(provider, _FIELDS)
    data["categories"] = [category.value for category in provider.categories]
    return data


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def categories_value(categories: frozenset[CareCategory] | list[CareCategory]) -> str:
    return ",".join(sorted(category.value for category in categories))


def _not_in_future(day: dt.date, field: str) -> None:
    if day > today():
        raise DomainError("The date must be today or in the past", field=field)


# The provider's columns that identify it, with what a clash says: each is unique.
_IDENTITIES = {
    RegisterFact.NAME: "A provider with this name is already on the register",
    RegisterFact.SUPPLIER_REFERENCE: "Another provider has this supplier reference",
    RegisterFact.CQC_LOCATION_ID: "Another provider has this CQC location ID",
}


def _check_unique(fact: RegisterFact, value: str, *, field: str, other_than: int | None) -> None:
    """Refuse ``value`` for an identifying column another provider has already (in any
    case: SUP1 and sup1 are one reference to a person)."""
    column = getattr(Provider, fact.value)
    statement = select(Provider.id).where(func.lower(column) == value.lower())
    if other_than is not None:
        statement = statement.where(Provider.id != other_than)
    if db.session.scalar(statement) is not None:
        raise DomainError(_IDENTITIES[fact], field=field)


def create_provider(data: NewProvider, *, by: Recorder) -> Provider:
    """Add a provider to the register, active from today."""
    if data.contract_type == ContractType.PATCH and data.quadrant is None:
        raise DomainError("Select the quadrant this Patch provider owns", field="quadrant")
    if not data.categories:
        raise DomainError("Select at least one care category", field="categories")
    for day, field in (
        (data.cqc_rated_on, "cqc_rated_on"),
        (data.qaf_assessed_on, "qaf_assessed_on"),
    ):
        if day is not None:
            _not_in_future(day, field)
    for fact in _IDENTITIES:
        _check_unique(fact, getattr(data, fact.value), field=fact.value, other_than=None)
    on = today()
    provider = Provider(
        name=data.name,
        supplier_reference=data.supplier_reference,
        cqc_location_id=data.cqc_location_id,
        contract_type=data.contract_type,
        quadrant=data.quadrant,
        status=ProviderStatus.ACTIVE,
        status_since=on,
        strategic_tier=data.strategic_tier,
        trusted_assessor=data.trusted_assessor,
        cqc_rating=data.cqc_rating,
        cqc_rated_on=data.cqc_rated_on,
        qaf_level=data.qaf_level,
        qaf_assessed_on=data.qaf_assessed_on,
        category_rows=[ProviderCategory(category=c) for c in sorted(data.categories)],
    )
    with first_one_wins(
        "A provider with this name, supplier reference or CQC location ID was added a moment "
        "ago: check the register",
        field="name",
    ):
        db.session.add(provider)
    _history(provider, RegisterFact.REGISTERED, None, provider.name, on=on, reason=None, by=by)
    _history(
        provider, RegisterFact.STATUS, None, ProviderStatus.ACTIVE.value, on=on, reason=None, by=by
    )
    record("provider.created", provider, by=by, provider_id=provider.id, after=_snapshot(provider))
    return provider


def _history(
    provider: Provider,
    fact: RegisterFact,
    before: str | None,
    after: str | None,
    *,
    on: dt.date,
    reason: str | None,
    by: Recorder,
) -> ProviderChange:
    change = ProviderChange(
        provider_id=provider.id,
        fact=fact,
        value_before=before,
        value_after=after,
        effective_on=on,
        reason=reason or None,
        recorded_by_id=by.id,
        recorded_by_name=by.name,
    )
    db.session.add(change)
    return change


def _change(
    provider: Provider,
    fact: RegisterFact,
    apply: Any,
    *,
    before: str | None,
    after: str | None,
    on: dt.date,
    reason: str | None,
    by: Recorder,
) -> ProviderChange:
    """Write the change's history and audit event, and ``apply`` it to the provider row."""
    audit_before = _snapshot(provider)
    apply()
    change = _history(provider, fact, before, after, on=on, reason=reason, by=by)
    db.session.flush()
    record(
        f"provider.{fact.value}_changed",
        provider,
        by=by,
        provider_id=provider.id,
        before=audit_before,
        after={**_snapshot(provider), "effective_on": on.isoformat(), "reason": reason or None},
    )
    return change


def _check_status_date(provider: Provider, on: dt.date) -> None:
    _not_in_future(on, "effective_on")
    if provider.status_since is not None and on < provider.status_since:
        raise DomainError(
            f"The date must be on or after {format_date(provider.status_since)}, when the "
            f"provider became {provider.status.label.lower()}",
            field="effective_on",
        )


def change_status(
    provider: Provider, to: ProviderStatus, *, on: dt.date, reason: str, by: Recorder
) -> ProviderChange:
    """Suspend (reason required), reinstate (reason required) or exit a provider. Exited is
    final, and its date ends what the provider owes."""
    lock(provider)
    now = provider.status
    if now == ProviderStatus.EXITED:
        raise DomainError(
            f"{provider.name} left the register on {format_date(provider.exited_on)}: "
            "an exit is final"
        )
    if to == now:
        raise DomainError(f"{provider.name} is already {now.label.lower()}")
    if to != ProviderStatus.EXITED and not reason.strip():
        word = "suspending" if to == ProviderStatus.SUSPENDED else "reinstating"
        raise DomainError(f"Enter why you are {word} the provider", field="reason")
    _check_status_date(provider, on)

    def apply() -> None:
        provider.status = to
        provider.status_since = on
        provider.exited_on = on if to == ProviderStatus.EXITED else None

    return _change(
        provider,
        RegisterFact.STATUS,
        apply,
        before=now.value,
        after=to.value,
        on=on,
        reason=reason.strip(),
        by=by,
    )


def change_cqc_rating(
    provider: Provider, rating: CqcRating, *, on: dt.date, by: Recorder
) -> ProviderChange:
    """A new CQC rating, dated as the CQC published it."""
    return _rate(provider, RegisterFact.CQC_RATING, rating, "cqc_rated_on", on=on, by=by)


def change_qaf_level(
    provider: Provider, level: QafLevel, *, on: dt.date, by: Recorder
) -> ProviderChange:
    """A new level from the council's quality assurance framework, dated as assessed."""
    return _rate(provider, RegisterFact.QAF_LEVEL, level, "qaf_assessed_on", on=on, by=by)


def _rate(
    provider: Provider,
    fact: RegisterFact,
    value: CqcRating | QafLevel,
    dated: str,
    *,
    on: dt.date,
    by: Recorder,
) -> ProviderChange:
    """A rating (``fact``, the provider's column of that name) and its date (``dated``),
    which may not be older than the rating it replaces."""
    _may_change(provider, on)
    current: dt.date | None = getattr(provider, dated)
    if current is not None and on < current:
        raise DomainError(
            f"The date must be on or after {format_date(current)}, the date of the current "
            f"{fact.label}",
            field="effective_on",
        )
    before = getattr(provider, fact.value)

    def apply() -> None:
        setattr(provider, fact.value, value)
        setattr(provider, dated, on)

    return _change(
        provider,
        fact,
        apply,
        before=before.value if before else None,
        after=value.value,
        on=on,
        reason=None,
        by=by,
    )


def _may_change(provider: Provider, on: dt.date) -> None:
    """Hold the provider's row for the change, which must be on a day that has come, to an
    entry still open."""
    lock(provider)
    _open(provider)
    _not_in_future(on, "effective_on")


def _open(provider: Provider) -> None:
    if provider.status == ProviderStatus.EXITED:
        raise DomainError(
            f"{provider.name} left the register on {format_date(provider.exited_on)}: "
            "its entry can no longer change"
        )


def change_flag(
    provider: Provider,
    fact: RegisterFact,
    value: bool,
    *,
    on: dt.date,
    reason: str,
    by: Recorder,
) -> ProviderChange:
    """Put a provider in or out of the strategic tier, or make it a trusted assessor or
    not. Returns owed follow the strategic tier: the caller refreshes them."""
    if fact not in (RegisterFact.STRATEGIC_TIER, RegisterFact.TRUSTED_ASSESSOR):
        raise ValueError(fact)
    _may_change(provider, on)
    before = bool(getattr(provider, fact.value))
    if before == value:
        raise DomainError(f"Nothing has changed: {fact.label.lower()} is already {yes_no(value)}")
    return _change(
        provider,
        fact,
        lambda: setattr(provider, fact.value, value),
        before=yes_no(before),
        after=yes_no(value),
        on=on,
        reason=reason.strip(),
        by=by,
    )


def change_categories(
    provider: Provider,
    categories: frozenset[CareCategory],
    *,
    on: dt.date,
    reason: str,
    by: Recorder,
) -> ProviderChange:
    """The care categories a provider is awarded under its contract."""
    _may_change(provider, on)
    if not categories:
        raise DomainError("Select at least one care category", field="categories")
    before = categories_value(provider.categories)
    after = categories_value(categories)
    if before == after:
        raise DomainError("Nothing has changed: these are the categories it has now")

    def apply() -> None:
        # Rows kept stay; only those removed go, so no new row meets an old one's key.
        kept = [row for row in provider.category_rows if row.category in categories]
        have = {row.category for row in kept}
        added = [ProviderCategory(category=c) for c in sorted(categories - have)]
        provider.category_rows = kept + added

    return _change(
        provider,
        RegisterFact.CARE_CATEGORIES,
        apply,
        before=before,
        after=after,
        on=on,
        reason=reason.strip(),
        by=by,
    )


def change_identity(
    provider: Provider,
    fact: RegisterFact,
    value: str,
    *,
    on: dt.date,
    reason: str,
    by: Recorder,
) -> ProviderChange:
    """A new name, supplier reference or CQC location id (an agency renamed or
    re-registered, or a legacy entry given its CQC id); each stays unique."""
    if fact not in _IDENTITIES:
        raise ValueError(fact)
    _may_change(provider, on)
    before: str | None = getattr(provider, fact.value)
    if before == value:
        raise DomainError(
            f"Nothing has changed: the {fact.label} is already {value}", field="value"
        )
    _check_unique(fact, value, field="value", other_than=provider.id)
    return _change(
        provider,
        fact,
        lambda: setattr(provider, fact.value, value),
        before=before,
        after=value,
        on=on,
        reason=reason.strip(),
        by=by,
    )


def change_contract(
    provider: Provider,
    contract_type: ContractType,
    quadrant: Quadrant | None,
    *,
    on: dt.date,
    reason: str,
    by: Recorder,
) -> ProviderChange:
    """A new contract type, or quadrant (which a Patch contract must have)."""
    _may_change(provider, on)
    if contract_type == ContractType.PATCH and quadrant is None:
        raise DomainError("Select the quadrant a Patch provider owns", field="quadrant")
    before = contract_value(provider.contract_type, provider.quadrant)
    after = contract_value(contract_type, quadrant)
    if before == after:
        raise DomainError("Nothing has changed: this is the contract it has now")

    def apply() -> None:
        provider.contract_type = contract_type
        provider.quadrant = quadrant

    # The dashboard counts packages by the contract held on the day: its kept figures from
    # the day this one takes effect are counted again.
    stored_figures.forget(stored_figures.PACKAGES, since=on)
    return _change(
        provider,
        RegisterFact.CONTRACT,
        apply,
        before=before,
        after=after,
        on=on,
        reason=reason.strip(),
        by=by,
    )
