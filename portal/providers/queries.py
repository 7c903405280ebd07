"""Reads for providers, service users and packages.

Every lookup of a provider's records takes ``provider_id``: the signed-in provider
manager's provider, or None for council staff who may see every provider. A record of
another provider is simply not found, so the view answers 404.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy import ColumnElement, Date, Select, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import joinedload

from portal.common.roles import Role
from portal.extensions import db
from portal.providers.enums import CareCategory, ContractType, ProviderStatus, RegisterFact
from portal.providers.models import (
    PackageLine,
    Provider,
    ProviderCategory,
    ProviderChange,
    ServiceUser,
)


def viewer_provider_id() -> int | None:
    """The provider the signed-in user is confined to, or None for council staff."""
    if current_user.has_role(Role.PROVIDER_MANAGER):
        provider_id: int | None = current_user.provider_id
        if provider_id is None:  # a provider manager without a provider sees nothing
            abort(404)
        return provider_id
    return None


def confined(statement: Select[Any], provider_column: Any, by_provider: bool) -> Select[Any]:
    """``statement`` confined to :provider's records when ``by_provider`` (a provider
    manager's view; council staff see every provider's). For statements built once per
    process with their values bound when they run, so none is built and keyed for
    SQLAlchemy's statement cache on every page."""
    if by_provider:
        return statement.where(provider_column == bindparam("provider"))
    return statement


def found_or_404(statement: Select[Any], values: dict[str, Any]) -> Any:
    """The record ``statement`` finds with ``values``; a record that is not there, or is
    another provider's, answers 404."""
    found = db.session.scalar(statement, values)
    if found is None:
        abort(404)
    return found


def lines_active_on(day: dt.date | ColumnElement[dt.date]) -> Any:
    """Package lines in force on ``day``, as a filter."""
    return and_(
        PackageLine.start_date <= day,
        or_(PackageLine.end_date.is_(None), PackageLine.end_date >= day),
    )


def weekly_minutes_expression() -> Any:
    return (
        PackageLine.calls_per_day
        * PackageLine.minutes_per_call
        * PackageLine.carers_per_call
        * PackageLine.days_per_week
    )


def service_users_statement(
    *, provider_id: int | None, search: str = "", on: dt.date
) -> Select[Any]:
    """Service users with their weekly hours today, in name order, for a list page."""
    hours = (
        select(
            PackageLine.service_user_id,
            func.sum(weekly_minutes_expression()).label("weekly_minutes"),
        )
        .where(lines_active_on(on))
        .group_by(PackageLine.service_user_id)
        .subquery()
    )
    statement = (
        select(ServiceUser, Provider.name, hours.c.weekly_minutes)
        .join(Provider, Provider.id == ServiceUser.provider_id)
        .outerjoin(hours, hours.c.service_user_id == ServiceUser.id)
        .order_by(ServiceUser.family_name, ServiceUser.given_name, ServiceUser.id)
    )
    if provider_id is not None:
        statement = statement.where(ServiceUser.provider_id == provider_id)
    term = search.strip()
    if term:
        like = f"%{term.lower()}%"
        statement = statement.where(
            or_(
                func.lower(ServiceUser.given_name + " " + ServiceUser.family_name).like(like),
                func.lower(ServiceUser.case_reference).like(like),
                ServiceUser.nhs_number == term.replace(" ", ""),
            )
        )
    return statement


@cache
def _service_user_statement(by_provider: bool) -> Select[Any]:
    statement = (
        select(ServiceUser)
        .options(joinedload(ServiceUser.provider).lazyload(Provider.category_rows))
        .where(ServiceUser.id == bindparam("person"))
    )
    return confined(statement, ServiceUser.provider_id, by_provider)


def get_service_user(service_user_id: int, *, provider_id: int | None) -> ServiceUser:
    service_user: ServiceUser = found_or_404(
        _service_user_statement(provider_id is not None),
        {"person": service_user_id, "provider": provider_id},
    )
    return service_user


@cache
def _current_lines_statement() -> Select[Any]:
    return (
        select(PackageLine)
        .where(
            PackageLine.service_user_id == bindparam("person"),
            lines_active_on(bindparam("day", type_=Date)),
        )
        .order_by(PackageLine.start_date, PackageLine.id)
    )


def current_lines(service_user_id: int, *, on: dt.date) -> list[PackageLine]:
    return list(
        db.session.scalars(_current_lines_statement(), {"person": service_user_id, "day": on})
    )


@cache
def _lines_in_force_or_later_statement() -> Select[Any]:
    return (
        select(PackageLine)
        .where(
            PackageLine.service_user_id == bindparam("person"),
            or_(
                PackageLine.end_date.is_(None), PackageLine.end_date >= bindparam("day", type_=Date)
            ),
        )
        .order_by(PackageLine.start_date, PackageLine.id)
    )


def lines_in_force_or_later(service_user_id: int, *, on: dt.date) -> list[PackageLine]:
    """The lines in force on ``on`` and those agreed to start later, by start date: the
    package now and what is coming, however many lines have ended before."""
    return list(
        db.session.scalars(
            _lines_in_force_or_later_statement(), {"person": service_user_id, "day": on}
        )
    )


@cache
def package_history_statement() -> Select[Any]:
    """Every line :person's package has had, newest first, to page or limit; built once,
    with the person bound when it runs."""
    return (
        select(PackageLine)
        .where(PackageLine.service_user_id == bindparam("person"))
        .order_by(PackageLine.start_date.desc(), PackageLine.id.desc())
    )


@cache
def providers_statement() -> Select[Any]:
    """Patch providers first, by quadrant, then Framework, Spot and Legacy: rows of the
    columns the providers list shows (their categories are ``categories_by_provider``'s).
    Built once."""
    contract_order = case(
        {ContractType.PATCH: 0, ContractType.FRAMEWORK: 1, ContractType.SPOT: 2},
        value=Provider.contract_type,
        else_=3,
    )
    return select(
        Provider.id,
        Provider.name,
        Provider.contract_type,
        Provider.quadrant,
        Provider.status,
        Provider.cqc_rating,
        Provider.qaf_level,
        Provider.strategic_tier,
        Provider.trusted_assessor,
    ).order_by(contract_order, Provider.quadrant, Provider.name)


def categories_by_provider(provider_ids: list[int]) -> dict[int, list[CareCategory]]:
    """The care categories each of these providers is awarded, in the order a provider's
    ``categories`` lists them, in one query."""
    found: dict[int, list[CareCategory]] = {}
    if provider_ids:
        for provider_id, category in db.session.execute(
            _categories_statement(), {"providers": provider_ids}
        ):
            found.setdefault(provider_id, []).append(category)
    return found


@cache
def _categories_statement() -> Select[Any]:
    return (
        select(ProviderCategory.provider_id, ProviderCategory.category)
        .where(ProviderCategory.provider_id.in_(bindparam("providers", expanding=True)))
        .order_by(ProviderCategory.provider_id, ProviderCategory.category)
    )


def provider_choices() -> list[tuple[int, str]]:
    """(id, name) of every provider, by name, for filters."""
    return [(row.id, row.name) for row in db.session.execute(_provider_choices_statement())]


@cache
def _provider_choices_statement() -> Select[Any]:
    return select(Provider.id, Provider.name).order_by(Provider.name)


def people_by_id(person_ids: list[int]) -> dict[int, ServiceUser]:
    """Service users by id, in one query (callers have already scoped the ids)."""
    if not person_ids:
        return {}
    people = db.session.scalars(select(ServiceUser).where(ServiceUser.id.in_(person_ids)))
    return {person.id: person for person in people}


@cache
def _provider_statement(by_provider: bool) -> Select[Any]:
    statement = select(Provider).where(Provider.id == bindparam("id"))
    return confined(statement, Provider.id, by_provider)


def get_provider(provider_id: int, *, viewer_provider: int | None) -> Provider:
    """A provider on the register; a provider manager (``viewer_provider``, their own
    agency) finds only their own, and any other answers 404."""
    provider: Provider = found_or_404(
        _provider_statement(viewer_provider is not None),
        {"id": provider_id, "provider": viewer_provider},
    )
    return provider


@cache
def provider_changes_statement() -> Select[Any]:
    """Every change to :provider's register entry, the latest effective first (the order
    they were recorded in breaks ties); built once, to page."""
    return (
        select(ProviderChange)
        .where(ProviderChange.provider_id == bindparam("provider"))
        .order_by(ProviderChange.effective_on.desc(), ProviderChange.id.desc())
    )


@cache
def _status_changes_statement(in_force: bool) -> Select[Any]:
    """:provider's status change in force on :day (the latest on or before it, the latest
    recorded first), or, with ``in_force`` False, its earliest status change."""
    statement = select(ProviderChange.value_before, ProviderChange.value_after).where(
        ProviderChange.provider_id == bindparam("provider"),
        ProviderChange.fact == RegisterFact.STATUS,
    )
    if in_force:
        return (
            statement.where(ProviderChange.effective_on <= bindparam("day", type_=Date))
            .order_by(ProviderChange.effective_on.desc(), ProviderChange.id.desc())
            .limit(1)
        )
    return statement.order_by(ProviderChange.effective_on, ProviderChange.id).limit(1)


def status_on(provider: Provider, day: dt.date) -> ProviderStatus:
    """The provider's status on ``day`` (active, suspended or exited), from its dated
    history: for the package-line import, which warns when a package starts with a provider
    that is not active on its start date. Before its first recorded change a provider had
    the status that change started from (a new provider, active: it had no other); one
    whose status has never been recorded has the status it has now."""
    values = {"provider": provider.id, "day": day}
    row = db.session.execute(_status_changes_statement(True), values).first()
    if row is not None:
        return ProviderStatus(row.value_after)
    row = db.session.execute(_status_changes_statement(False), values).first()
    if row is None:
        return provider.status
    return ProviderStatus(row.value_before or row.value_after)


@cache
def _latest_status_change_statement() -> Select[Any]:
    return (
        select(ProviderChange)
        .where(
            ProviderChange.provider_id == bindparam("provider"),
            ProviderChange.fact == RegisterFact.STATUS,
        )
        .order_by(ProviderChange.effective_on.desc(), ProviderChange.id.desc())
        .limit(1)
    )


def latest_status_change(provider_id: int) -> ProviderChange | None:
    """The change that gave the provider its status now (for why it was suspended)."""
    change: ProviderChange | None = db.session.scalar(
        _latest_status_change_statement(), {"provider": provider_id}
    )
    return change
