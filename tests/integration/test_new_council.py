"""A new council, from an empty database, with the README's production step (the first
administrator from the command line) and the pages alone: accounts by invitation, a provider
on the register, the case system's extract imported, a quarter opened, an outcome return, a
recommendation approved, and its one-off payment on a payment list."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from portal.administration.commands import create_admin
from portal.common.dates import financial_quarter_label, quarter_bounds, today
from portal.extensions import db
from portal.outcomes.models import ReportingPeriod
from portal.payments.models import PaymentBatch
from portal.providers.models import PackageLine, Provider, ServiceUser
from portal.recommendations.models import Recommendation
from tests.client import CheckedClient, text_of
from tests.integration.helpers import complete_return, date_parts, new_provider_form, reduction_form

PASSWORDS = {
    "admin": "harbour violin pebble",
    "commissioner": "orchard lantern comet",
    "care": "meadow trumpet glacier",
    "finance": "copper wagon thistle",
    "agency": "saffron kettle island",
}
_LINK = re.compile(r"/set-password/[A-Za-z0-9_-]+")


def _browser(app: Flask) -> CheckedClient:
    return app.test_client()  # type: ignore[return-value]


def _set_password_and_sign_in(app: Flask, link: str, email: str, password: str) -> CheckedClient:
    person = _browser(app)
    assert "Create your password" in text_of(person.get(link))
    assert person.post(link, data={"password": password}).status_code == 302
    signed = person.post("/sign-in", data={"email": email, "password": password})
    assert signed.status_code == 302, text_of(signed)
    return person


def _invite(admin: CheckedClient, **form: Any) -> str:
    response = admin.post("/accounts/invite", data=form)
    assert response.status_code == 302, text_of(response)
    page = admin.get(response.location).get_data(as_text=True)
    found = _LINK.search(page)
    assert found, "the invitation's link is shown"
    return found.group(0)


def _extract(provider: Provider, start: dt.date) -> bytes:
    """The case system's extract: one person, one line, with the provider."""
    header = (
        "case_reference,nhs_number,given_name,family_name,date_of_birth,funding,quadrant,"
        "pricing_zone,care_category,supplier_reference,line_id,calls_per_day,"
        "minutes_per_call,carers_per_call,days_of_week,hourly_rate,start_date,end_date"
    )
    row = (
        f"LL204811,9434765919,Margaret,Able,1940-05-17,council,west,urban,standard adult,"
        f"{provider.supplier_reference},PL-1,4,30,1,7,20.50,{start.isoformat()},"
    )
    return f"{header}\n{row}\n".encode()


def test_a_new_council_reaches_a_payment_from_an_empty_database(
    app: Flask, db_session: Any
) -> None:
    assert db.session.scalar(select(func.count(Provider.id))) == 0

    # The first administrator, from the command line, as the README's production steps say.
    result = app.test_cli_runner().invoke(
        create_admin, ["sam.clarke@newshire.gov.uk", "--name", "Sam Clarke"]
    )
    assert result.exit_code == 0, result.output
    link = _LINK.search(result.output)
    assert link
    admin = _set_password_and_sign_in(
        app, link.group(0), "sam.clarke@newshire.gov.uk", PASSWORDS["admin"]
    )

    # The council's people, invited; each sets a password from their link.
    people = {
        "commissioner": ("Helen Marsh", "helen.marsh@newshire.gov.uk", "commissioner"),
        "care": ("Daniel Okafor", "daniel.okafor@newshire.gov.uk", "care_manager"),
        "finance": ("Tom Reilly", "tom.reilly@newshire.gov.uk", "finance_officer"),
    }
    signed_in = {}
    for key, (name, email, role) in people.items():
        link_path = _invite(admin, name=name, email=email, roles=[role], provider_id="")
        signed_in[key] = _set_password_and_sign_in(app, link_path, email, PASSWORDS[key])
    commissioner, care_manager, finance = (
        signed_in[k] for k in ("commissioner", "care", "finance")
    )

    # The commissioner: ledger codes, the payment rule, the first provider, a quarter.
    assert (
        commissioner.post(
            "/settings",
            data={
                "decision_target_working_days": "10",
                "outcome_return_due_days": "14",
                "capacity_opens_day": "8",
                "capacity_closes_day": "14",
                "wage_floor": "12.71",
                "smallest_comparable_sample": "30",
                "cost_centre": "HC4100",
                "nominal_code": "5210",
            },
        ).status_code
        == 302
    )
    rule = commissioner.post(
        "/payments/rules/new",
        data={
            "effective_from": date_parts(today()),
            "weeks": "4",
            "minimum": "",
            "cap": "",
            "threshold": "",
        },
    )
    assert rule.status_code == 302, text_of(rule)
    added = commissioner.post(
        "/providers/new",
        data=new_provider_form(
            trusted_assessor="yes", cqc_rated_on=date_parts(today() - dt.timedelta(days=30))
        ),
    )
    assert added.status_code == 302, text_of(added)
    provider = db.session.scalar(select(Provider))
    assert provider is not None and provider.trusted_assessor
    quarter_start = quarter_bounds(today())[0]
    opened = commissioner.post(
        "/outcome-periods/new",
        data={
            "quarter": quarter_start.isoformat(),
            "due_date": date_parts(quarter_bounds(today())[1] + dt.timedelta(days=14)),
        },
    )
    assert opened.status_code == 302, text_of(opened)

    # The case system's extract: checked, previewed, applied.
    line_start = quarter_start
    upload = commissioner.post(
        "/case-system/import",
        data={
            "file": (io.BytesIO(_extract(provider, line_start)), "extract.csv"),
            "extract_date": date_parts(today()),
            "scope": "full",
        },
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302, text_of(upload)
    preview = text_of(commissioner.get(upload.location))
    assert "People new to the register 1" in preview and "Lines started 1" in preview
    applied = commissioner.post(upload.location + "/apply")
    assert applied.status_code == 302, text_of(applied)
    person = db.session.scalar(select(ServiceUser))
    assert person is not None and person.provider_id == provider.id
    assert db.session.scalar(select(func.count(PackageLine.id))) == 1

    # The agency's manager, invited to their provider.
    agency_link = _invite(
        admin,
        name="Priya Shah",
        email="priya.shah@harbourlights.example.com",
        roles=["provider_manager", "agency_administrator"],
        provider_id=str(provider.id),
    )
    manager = _set_password_and_sign_in(
        app, agency_link, "priya.shah@harbourlights.example.com", PASSWORDS["agency"]
    )

    # The loop: a return, a recommendation, an approval, a payment on a payment list.
    period_id = db.session.scalar(select(ReportingPeriod.id))
    assert period_id is not None
    assert manager.post(complete_return(manager, person.id, period_id)).status_code == 302
    start = today() + dt.timedelta(days=14)
    made = manager.post(
        f"/service-users/{person.id}/recommendations/new", data=reduction_form(calls=3, start=start)
    )
    assert made.status_code == 302, text_of(made)
    assert manager.post(made.location).status_code == 302
    recommendation = db.session.scalar(select(Recommendation))
    assert recommendation is not None
    decided = care_manager.post(
        f"/review/{recommendation.id}",
        data={"decision": "approve", "start_date": date_parts(start)},
    )
    assert decided.status_code == 302, text_of(decided)
    assert finance.post("/payments", data={"scope": "all"}).status_code == 302
    batch = db.session.scalar(select(PaymentBatch))
    assert batch is not None
    assert finance.post(f"/payments/batches/{batch.id}/export").status_code == 302
    listed = finance.get(f"/payments/batches/{batch.id}/payment-list.csv")
    rows = list(csv.DictReader(io.StringIO(listed.get_data(as_text=True))))
    assert [(row["provider_name"], row["amount_gbp"]) for row in rows] == [
        (provider.name, "287.00")  # 3.5 hours a week fewer x £20.50 x 4 weeks
    ]
    assert financial_quarter_label(quarter_start) in text_of(manager.get("/outcome-periods"))
