"""Every form the portal serves, for the role that may use it, filled one field at a time
with values hypothesis makes: text holding control characters (a NUL among them), numbers no
database integer holds, negative numbers, very long text and odd unicode.

Whatever is sent, the answer is never a server error. A value holding a control character,
or a number beyond any column, brings the form back with an error, and nothing is saved. And
whatever a form does save holds no control character anywhere in the database. Each field
left out of the form altogether is never a server error either; a form that comes back
shows its errors.

Each example runs inside a savepoint rolled back after it, so every example starts from the
same records (hypothesis needs an example to do the same thing when it is run again), and a
form that saves one example is still there to be tried by the next.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import JSON, String, Text, select

from portal.accounts import administration
from portal.accounts.models import UserSession
from portal.api.keys import create_key
from portal.common.dates import today
from portal.common.roles import Role
from portal.common.text import has_control_characters
from portal.council.models import RANKING_WEIGHTS
from portal.extensions import db
from portal.outcomes.measures import MEASURES
from portal.payments.models import Payment
from portal.providers.enums import ProviderStatus
from portal.providers.operations import change_status
from portal.recommendations import operations as recommendations
from portal.recommendations.models import Recommendation
from tests import mfa
from tests.client import CheckedClient
from tests.factories import (
    PASSWORD,
    PackageLineFactory,
    ProviderFactory,
    ServiceUserFactory,
    UserFactory,
)
from tests.fixtures import World, sign_in
from tests.integration.caseload_files import one_line_extract, previewed_import
from tests.integration.fingerprint import fingerprint
from tests.integration.helpers import (
    date_parts,
    new_provider_form,
    outcome_page_form,
    reduction_form,
)
from tests.integration.records import Stages, every_stage, submitted_reduction
from tests.integration.test_capacity_pages import DAY, return_form
from tests.integration.test_form_input import rule_form, settings_form
from tests.integration.test_ranking import ranking_weights_form


class Kind(Enum):
    TEXT = "a single-line box"
    AREA = "a text area"
    NUMBER = "a box for a number or an amount"
    DATE = "a date's day"
    CHOICE = "radios, a select or checkboxes"
    TICK = "a single checkbox or a button"


@dataclass
class Records:
    world: World
    stages: Stages
    person: Any  # with the provider: no return this quarter, a draft recommendation
    draft: Recommendation
    asked: Recommendation  # the council asked the provider for more information
    ready: Payment  # approved, not yet in a batch
    quarter: str  # a quarter the commissioner may open
    invited: Any  # a provider manager at the provider, invited, no password yet
    invited_colleague: Any  # the same at the other provider
    token: str  # the invitation's link token
    suspended_provider_id: int  # suspended yesterday
    preview: Any  # a case system import previewed, not yet applied
    other_session: UserSession  # the care manager's, signed in in another browser
    # Multi-factor sign-in: a council account enrolled (its app's key and recovery codes),
    # and the key an enrolment page offers, read from it.
    mfa_user: Any = None
    mfa_secret: str = ""
    recovery_codes: tuple[str, ...] = ()
    offered_key: str = ""
    api_key_id: int = 0  # the other provider's, made by its agency administrator


@dataclass(frozen=True)
class Route:
    name: str
    role: Role | None
    url: Callable[[Records], str]
    form: Callable[[Records], dict[str, Any]]  # what a person would send, accepted as it is
    fields: dict[str, Kind]  # the fields tried, each in ``form``
    examples: int = 0
    # How the client is brought to the form, where signing in as ``role`` will not do (the
    # second step of signing in, say): given the client, the records and monkeypatch.
    arrive: Callable[[CheckedClient, Records, Any], None] | None = None
    # Whether ``form`` is saved as it is: it is, unless the records make it a refusal
    # (exporting a batch exported already; an upload whose file has no columns).
    accepted: bool = True

    def max_examples(self) -> int:
        return self.examples or min(60, 6 + 4 * len(self.fields))


def _dated(day: dt.date) -> list[str]:
    return date_parts(day)


def _capacity_fields() -> dict[str, Kind]:
    choices = {"weekend_starts", "seven_day_discharge", "pays_travel_time"}
    ticks = {"takes_double_handed", "takes_dementia"}
    return {
        name: Kind.CHOICE if name in choices else Kind.TICK if name in ticks else Kind.NUMBER
        for name in return_form()
    }


def _outcome_fields() -> dict[str, Kind]:
    fields = {}
    for measure in MEASURES:
        if measure.outcome_number == 1:
            name = measure.field_name
            fields |= {
                f"{name}_result": Kind.CHOICE,
                f"{name}_evidence": Kind.AREA,
                f"{name}_sources": Kind.CHOICE,
                f"{name}_na_reason": Kind.AREA,
            }
    return fields


def _upload(records: Records) -> dict[str, Any]:
    template = "case_reference\n"  # the file's own checks are the upload tests' business
    return {"file": (io.BytesIO(template.encode()), "returns.csv"), "confirm": "y"}


def _one_button(name: str) -> dict[str, Kind]:
    return {name: Kind.TICK}


def _manager(r: Records) -> int:
    """The agency administrator's colleague (both at the other provider)."""
    return int(r.world.other_provider_manager.id)


def _account_buttons(
    whose: str, role: Role, prefix: str, account: Callable[[Records], int]
) -> list[Route]:
    """Disabling, enabling, re-inviting an invited account and lifting a lockout: a
    button each."""
    return [
        Route(
            f"{action} {whose}",
            role,
            lambda r, path=path: f"{prefix}/{account(r)}/{path}",
            lambda r: {"submit": "Continue"},
            _one_button("submit"),
        )
        for action, path in (
            ("disabling", "disable"),
            ("enabling", "enable"),
            ("re-inviting", "resend"),
            ("lifting the lockout of", "unlock"),
        )
    ]


def _past_the_password(client: CheckedClient, r: Records, _monkeypatch: Any) -> None:
    sign_in(client, r.mfa_user, password_only=True)  # enrolled, so asked for a code next


def _first_sign_in(client: CheckedClient, r: Records, monkeypatch: Any) -> None:
    """Where MFA is required, someone not enrolled: on the page that sets up their app."""
    monkeypatch.setitem(client.application.config, "MFA_REQUIRED", True)
    sign_in(client, r.world.users[Role.FINANCE_OFFICER], password_only=True)
    r.offered_key = mfa.setup_key(client.get("/sign-in/authenticator").get_data(as_text=True))


def _capacity_answered(client: CheckedClient, r: Records, _monkeypatch: Any) -> None:
    """A provider manager who has filled in this month's capacity return, not yet sent."""
    sign_in(client, r.world.users[Role.PROVIDER_MANAGER])
    path = f"/capacity/{DAY.year}/{DAY.month}"
    assert client.post(path, data=return_form()).location == f"{path}/check"


def _setting_up(client: CheckedClient, r: Records, _monkeypatch: Any) -> None:
    sign_in(client, r.world.users[Role.FINANCE_OFFICER])
    r.offered_key = mfa.setup_key(client.get("/account/multi-factor/set-up").get_data(as_text=True))


def _signed_in_with_a_code(client: CheckedClient, r: Records, _monkeypatch: Any) -> None:
    assert mfa.sign_in_with_code(client, r.mfa_user, r.mfa_secret).status_code == 302


def _mfa_routes() -> list[Route]:
    code = {"code": Kind.TEXT}
    return [
        Route(
            "setting up an authenticator app at sign-in",
            None,
            lambda r: "/sign-in/authenticator",
            lambda r: {"code": mfa.code(r.offered_key)},
            code,
            arrive=_first_sign_in,
        ),
        Route(
            "setting up an authenticator app from one's account",
            None,
            lambda r: "/account/multi-factor/set-up",
            lambda r: {"code": mfa.code(r.offered_key)},
            code,
            arrive=_setting_up,
        ),
        Route(
            "a code from one's authenticator app",
            None,
            lambda r: "/sign-in/code",
            lambda r: {"code": mfa.unused_code(r.mfa_secret, r.mfa_user)},
            code,
            arrive=_past_the_password,
        ),
        Route(
            "a recovery code",
            None,
            lambda r: "/sign-in/recovery-code",
            lambda r: {"code": r.recovery_codes[0]},
            code,
            arrive=_past_the_password,
        ),
        Route(
            "making new recovery codes",
            None,
            lambda r: "/account/multi-factor/new-recovery-codes",
            lambda r: {"code": mfa.unused_code(r.mfa_secret, r.mfa_user)},
            code,
            arrive=_signed_in_with_a_code,
        ),
        Route(
            "saying one has saved one's recovery codes",
            Role.CARE_MANAGER,
            lambda r: "/account/multi-factor/recovery-codes",
            lambda r: {"submit": "I have saved these codes"},
            _one_button("submit"),
        ),
        Route(
            "resetting an account's multi-factor sign-in",
            Role.ADMINISTRATOR,
            lambda r: f"/accounts/{r.mfa_user.id}/reset-multi-factor",
            lambda r: {"submit": "Continue"},
            _one_button("submit"),
        ),
        Route(
            "resetting a colleague's multi-factor sign-in",
            Role.AGENCY_ADMINISTRATOR,
            lambda r: f"/team/{_manager(r)}/reset-multi-factor",
            lambda r: {"submit": "Continue"},
            _one_button("submit"),
        ),
    ]


_INVITED = {"name": "Nadia Newcomer", "email": "nadia.newcomer@council.example"}


def _register_change(
    name: str,
    path: str,
    form: dict[str, Any],
    *,
    provider: Callable[[Records], int] = lambda r: r.world.provider.id,
) -> Route:
    """A change to a provider's register entry, sent confirmed from its check page."""
    kinds = {"reason": Kind.AREA, "effective_on": Kind.DATE}
    if path in ("name", "supplier-reference", "cqc-location"):
        kinds["value"] = Kind.TEXT  # the flags' "value" is a yes or no
    return Route(
        name,
        Role.COMMISSIONER,
        lambda r: f"/providers/{provider(r)}/{path}",
        lambda r: {**form, "effective_on": _dated(today()), "confirmed": "yes"},
        {field: kinds.get(field, Kind.CHOICE) for field in (*form, "effective_on")},
    )


ROUTES = [
    Route(
        "making an API key",
        Role.AGENCY_ADMINISTRATOR,
        lambda r: "/api-keys/new",
        lambda r: {"name": "Nourish, live", "lifetime": "90"},
        {"name": Kind.TEXT, "lifetime": Kind.CHOICE},
    ),
    Route(
        "revoking an API key",
        Role.AGENCY_ADMINISTRATOR,
        lambda r: f"/api-keys/{r.api_key_id}/revoke",
        lambda r: {"submit": "Revoke key"},
        _one_button("submit"),
    ),
    Route(
        "setting a password",
        None,
        lambda r: f"/set-password/{r.token}",
        lambda r: {"password": "lantern meadow biscuit"},
        {"password": Kind.TEXT},
    ),
    Route(
        "inviting an account",
        Role.ADMINISTRATOR,
        lambda r: "/accounts/invite",
        lambda r: _INVITED | {"roles": ["care_manager"], "provider_id": ""},
        {"name": Kind.TEXT, "email": Kind.TEXT, "roles": Kind.CHOICE, "provider_id": Kind.CHOICE},
    ),
    Route(
        "changing an account's roles",
        Role.ADMINISTRATOR,
        lambda r: f"/accounts/{r.world.users[Role.CARE_MANAGER].id}/roles",
        lambda r: {"roles": ["care_manager", "commissioner"]},
        {"roles": Kind.CHOICE},
    ),
    *_account_buttons("an account", Role.ADMINISTRATOR, "/accounts", lambda r: r.invited.id),
    Route(
        "inviting a colleague",
        Role.AGENCY_ADMINISTRATOR,
        lambda r: "/team/invite",
        lambda r: _INVITED | {"roles": ["agency_administrator"]},
        {"name": Kind.TEXT, "email": Kind.TEXT, "roles": Kind.CHOICE},
    ),
    Route(
        "changing a colleague's roles",
        Role.AGENCY_ADMINISTRATOR,
        lambda r: f"/team/{_manager(r)}/roles",
        lambda r: {"roles": ["agency_administrator"]},
        {"roles": Kind.CHOICE},
    ),
    *_account_buttons(
        "a colleague", Role.AGENCY_ADMINISTRATOR, "/team", lambda r: r.invited_colleague.id
    ),
    Route(
        "sign in",
        None,
        lambda r: "/sign-in",
        lambda r: {"email": r.world.users[Role.PROVIDER_MANAGER].email, "password": PASSWORD},
        {"email": Kind.TEXT, "password": Kind.TEXT},
        examples=30,
    ),
    Route(
        "changing one's password",
        Role.CARE_MANAGER,
        lambda r: "/account/password",
        lambda r: {
            "current_password": PASSWORD,
            "password": "lantern meadow biscuit",
            "password_again": "lantern meadow biscuit",
        },
        {"current_password": Kind.TEXT, "password": Kind.TEXT, "password_again": Kind.TEXT},
    ),
    *_mfa_routes(),
    Route(
        "signing out another of one's sessions",
        Role.CARE_MANAGER,
        lambda r: f"/account/sessions/{r.other_session.id}/end",
        lambda r: {"submit": "Sign out"},
        _one_button("submit"),
    ),
    Route(
        "signing out every other session of one's own",
        Role.CARE_MANAGER,
        lambda r: "/account/sessions/end-others",
        lambda r: {"submit": "Sign out"},
        _one_button("submit"),
    ),
    Route(
        "asking for a password reset",
        None,
        lambda r: "/forgotten-password",
        lambda r: {"email": r.world.users[Role.PROVIDER_MANAGER].email},
        {"email": Kind.TEXT},
    ),
    Route(
        "council settings",
        Role.COMMISSIONER,
        lambda r: "/settings",
        lambda r: settings_form(),
        {
            "decision_target_working_days": Kind.NUMBER,
            "outcome_return_due_days": Kind.NUMBER,
            "capacity_opens_day": Kind.NUMBER,
            "capacity_closes_day": Kind.NUMBER,
            "wage_floor": Kind.NUMBER,
            "smallest_comparable_sample": Kind.NUMBER,
            "cost_centre": Kind.TEXT,
            "nominal_code": Kind.TEXT,
        },
    ),
    Route(
        "the ranking weights",
        Role.COMMISSIONER,
        lambda r: "/settings/ranking-weights",
        lambda r: ranking_weights_form(),
        dict.fromkeys(RANKING_WEIGHTS, Kind.NUMBER),
    ),
    Route(
        "a new payment rule",
        Role.COMMISSIONER,
        lambda r: "/payments/rules/new",
        lambda r: rule_form(minimum="50", cap="2,000", threshold="1000.00"),
        {
            "effective_from": Kind.DATE,
            "weeks": Kind.NUMBER,
            "minimum": Kind.NUMBER,
            "cap": Kind.NUMBER,
            "threshold": Kind.NUMBER,
        },
    ),
    Route(
        "a batch of payments",
        Role.FINANCE_OFFICER,
        lambda r: "/payments",
        lambda r: {"scope": "provider", "provider_id": str(r.ready.provider_id)},
        {"scope": Kind.CHOICE, "provider_id": Kind.CHOICE},
    ),
    Route(
        "cancelling a payment",
        Role.FINANCE_OFFICER,
        lambda r: f"/payments/{r.ready.id}/cancel",
        lambda r: {"reason": "Approved against the wrong person.\r\nSee the case notes."},
        {"reason": Kind.AREA},
    ),
    Route(
        "reversing a payment",
        Role.FINANCE_OFFICER,
        lambda r: f"/payments/{r.stages.batch.payments[0].id}/reverse",
        lambda r: {"reason": "Paid twice.\tSee the ledger."},
        {"reason": Kind.AREA},
    ),
    Route(
        "marking a batch paid",
        Role.FINANCE_OFFICER,
        lambda r: f"/payments/batches/{r.stages.batch.id}/paid",
        lambda r: {"paid_on": _dated(today())},
        {"paid_on": Kind.DATE},
    ),
    Route(
        "exporting a batch",
        Role.FINANCE_OFFICER,
        lambda r: f"/payments/batches/{r.stages.batch.id}/export",
        lambda r: {"submit": "Confirm and export"},
        _one_button("submit"),
        accepted=False,
    ),
    Route(
        "a second approval",
        Role.COMMISSIONER,
        lambda r: f"/payments/{r.ready.id}/second-approval",
        lambda r: {"approve": "Give second approval"},
        _one_button("approve"),
    ),
    Route(
        "opening a reporting period",
        Role.COMMISSIONER,
        lambda r: "/outcome-periods/new",
        lambda r: {"quarter": r.quarter, "due_date": _dated(today() + dt.timedelta(days=200))},
        {"quarter": Kind.CHOICE, "due_date": Kind.DATE},
    ),
    Route(
        "a rate on the rate card",
        Role.COMMISSIONER,
        lambda r: "/rate-card",
        lambda r: {
            "pricing_zone": "rural",
            "care_category": "palliative",
            "rate": "23.10",
            "effective_from": _dated(today() + dt.timedelta(days=30)),
        },
        {
            "pricing_zone": Kind.CHOICE,
            "care_category": Kind.CHOICE,
            "rate": Kind.NUMBER,
            "effective_from": Kind.DATE,
        },
    ),
    Route(
        "uploading the case system's extract",
        Role.COMMISSIONER,
        lambda r: "/case-system/import",
        lambda r: {
            "file": (io.BytesIO(one_line_extract(r.world)), "extract.csv"),
            "extract_date": _dated(today()),
            "scope": "changes",
        },
        {"extract_date": Kind.DATE, "scope": Kind.CHOICE},
    ),
    Route(
        "applying a case system import",
        Role.COMMISSIONER,
        lambda r: f"/case-system/imports/{r.preview.id}/apply",
        lambda r: {"submit": "Apply these changes"},
        _one_button("submit"),
    ),
    Route(
        "abandoning a case system import",
        Role.COMMISSIONER,
        lambda r: f"/case-system/imports/{r.preview.id}/abandon",
        lambda r: {"abandon": "Abandon this import"},
        _one_button("abandon"),
    ),
    Route(
        "uploading outcome returns",
        Role.PROVIDER_MANAGER,
        lambda r: f"/outcome-periods/{r.world.period.id}/upload",
        _upload,
        {"confirm": Kind.TICK},
        examples=6,
        accepted=False,
    ),
    Route(
        "an outcome page",
        Role.PROVIDER_MANAGER,
        lambda r: f"/service-users/{r.person.id}/outcome-returns/{r.world.period.id}/outcomes/1",
        lambda r: outcome_page_form(1),
        _outcome_fields(),
    ),
    Route(
        "starting from last quarter",
        Role.PROVIDER_MANAGER,
        lambda r: (
            f"/service-users/{r.person.id}/outcome-returns/{r.world.period.id}/start-from-previous"
        ),
        lambda r: {"submit": "Start"},
        _one_button("submit"),
    ),
    Route(
        "submitting a return",
        Role.PROVIDER_MANAGER,
        lambda r: f"/outcome-returns/{r.stages.outcome_return.id}/check",
        lambda r: {"submit": "Submit return"},
        _one_button("submit"),
    ),
    Route(
        "reviewing a return",
        Role.CARE_MANAGER,
        lambda r: f"/outcome-returns/{r.stages.outcome_return.id}",
        lambda r: {"decision": "return", "reason": "Measure 1.2's evidence is last year's."},
        {"decision": Kind.CHOICE, "reason": Kind.AREA},
    ),
    Route(
        "accepting several returns",
        Role.COMMISSIONER,
        lambda r: f"/outcome-returns/to-accept/{r.world.period.id}/providers/{r.world.provider.id}",
        lambda r: {"returns": str(r.stages.outcome_return.id)},
        {"returns": Kind.CHOICE},
    ),
    Route(
        "a recommendation",
        Role.PROVIDER_MANAGER,
        lambda r: f"/service-users/{r.person.id}/recommendations/new",
        lambda r: reduction_form(),
        {
            "kind": Kind.CHOICE,
            "reason_category": Kind.CHOICE,
            "lines-0-calls_per_day": Kind.NUMBER,
            "lines-0-minutes_per_call": Kind.NUMBER,
            "lines-0-carers_per_call": Kind.CHOICE,
            "lines-0-days": Kind.CHOICE,
            "reason": Kind.AREA,
            "evidence": Kind.AREA,
            "person_consulted_and_agrees": Kind.TICK,
            "risk_assessed": Kind.TICK,
            "proposed_start_date": Kind.DATE,
        },
    ),
    Route(
        "submitting a recommendation",
        Role.PROVIDER_MANAGER,
        lambda r: f"/recommendations/{r.draft.id}/check",
        lambda r: {"submit": "Submit recommendation"},
        _one_button("submit"),
    ),
    Route(
        "answering the council",
        Role.PROVIDER_MANAGER,
        lambda r: f"/recommendations/{r.asked.id}/answer",
        lambda r: {"answer": "She now makes her own lunch.\nThe OT saw it on 3 visits."},
        {"answer": Kind.AREA},
    ),
    Route(
        "withdrawing a recommendation",
        Role.PROVIDER_MANAGER,
        lambda r: f"/recommendations/{r.stages.recommendation.id}/withdraw",
        lambda r: {"withdraw": "Yes, withdraw it"},
        _one_button("withdraw"),
    ),
    Route(
        "a decision",
        Role.CARE_MANAGER,
        lambda r: f"/review/{r.stages.recommendation.id}",
        lambda r: {
            "decision": "approve",
            "start_date": _dated(r.stages.recommendation.proposed_start_date),
            "reason": "",
            "question": "",
        },
        {
            "decision": Kind.CHOICE,
            "start_date": Kind.DATE,
            "reason": Kind.AREA,
            "question": Kind.AREA,
        },
    ),
    Route(
        "assigning a recommendation",
        Role.CARE_MANAGER,
        lambda r: f"/review/{r.stages.recommendation.id}/assign",
        lambda r: {"assign": "Assign to me"},
        _one_button("assign"),
    ),
    Route(
        "a capacity return",
        Role.PROVIDER_MANAGER,
        lambda r: f"/capacity/{DAY.year}/{DAY.month}",
        lambda r: return_form(),
        _capacity_fields(),
    ),
    Route(
        "sending a capacity return from its check answers page",
        Role.PROVIDER_MANAGER,
        lambda r: f"/capacity/{DAY.year}/{DAY.month}/check",
        lambda r: {"submit": "Confirm"},
        _one_button("submit"),
        arrive=_capacity_answered,
    ),
    Route(
        "a nil capacity return",
        Role.PROVIDER_MANAGER,
        lambda r: f"/capacity/{DAY.year}/{DAY.month}/nil",
        lambda r: {"submit": "Confirm"},
        _one_button("submit"),
    ),
    Route(
        "nothing has changed",
        Role.PROVIDER_MANAGER,
        lambda r: f"/capacity/{DAY.year}/{DAY.month}/unchanged",
        lambda r: {"submit": "Confirm"},
        _one_button("submit"),
    ),
    Route(
        "add a provider",
        Role.COMMISSIONER,
        lambda r: "/providers/new",
        lambda r: new_provider_form(),
        {
            "name": Kind.TEXT,
            "supplier_reference": Kind.TEXT,
            "cqc_location_id": Kind.TEXT,
            "contract_type": Kind.CHOICE,
            "quadrant": Kind.CHOICE,
            "categories": Kind.CHOICE,
            "strategic_tier": Kind.CHOICE,
            "cqc_rating": Kind.CHOICE,
            "cqc_rated_on": Kind.DATE,
            "qaf_level": Kind.CHOICE,
            "qaf_assessed_on": Kind.DATE,
        },
        examples=40,
    ),
    *(
        _register_change(name, path, form)
        for name, path, form in [
            ("suspend a provider", "suspend", {"reason": "CQC rated it Requires improvement."}),
            ("record a provider's exit", "exit", {"reason": "Contract ended.\nBy agreement."}),
            ("a new CQC rating", "cqc-rating", {"rating": "good"}),
            ("a new QAF level", "qaf-level", {"level": "B"}),
            ("the strategic tier", "strategic-tier", {"value": "no", "reason": "Spend fell."}),
            ("trusted assessor", "trusted-assessor", {"value": "no"}),
            ("care categories", "care-categories", {"categories": ["palliative"]}),
            ("a provider's new name", "name", {"value": "Brightwater Care Group"}),
            ("a new supplier reference", "supplier-reference", {"value": "SUP-77001"}),
            ("a new CQC location ID", "cqc-location", {"value": "1-987654321"}),
            ("a new contract", "contract", {"contract_type": "framework", "quadrant": "west"}),
        ]
    ),
    _register_change(
        "reinstate a provider",
        "reinstate",
        {"reason": "Action plan met."},
        provider=lambda r: r.suspended_provider_id,
    ),
]

# Every kind of character the portal refuses (control characters, noncharacters), and the
# three a text area may hold.
CONTROLS = "\x00\x01\x07\x08\t\n\x0b\x0c\r\x1b\x1f\x7f\x85\x9f\ufdd0\ufffe\U0010ffff"


@dataclass(frozen=True)
class Value:
    text: str
    out_of_range: bool = False  # a number beyond any database integer, or below zero


def _values() -> st.SearchStrategy[Value]:
    controlled = st.tuples(
        st.text(max_size=12), st.sampled_from(CONTROLS), st.text(max_size=12)
    ).map("".join)
    beyond = st.tuples(
        st.integers(min_value=2**31, max_value=10**40),
        st.sampled_from(["{}", "{:,}", "{}.00", "£{:,}", "-{}"]),
    ).map(lambda pair: pair[1].format(pair[0]))
    negative = st.integers(min_value=-(10**12), max_value=-1).map(str)
    return st.one_of(
        controlled.map(Value),
        beyond.map(lambda number: Value(number, out_of_range=True)),
        negative.map(lambda number: Value(number, out_of_range=True)),
        st.integers(min_value=0, max_value=2**31 - 1).map(lambda n: Value(str(n))),
        st.text(st.characters(codec="utf-8"), max_size=40).map(Value),
        st.integers(min_value=4_001, max_value=9_000).map(lambda n: Value("é" * n)),
        st.just(Value("9" * 5_000, out_of_range=True)),
    )


def _must_be_refused(kind: Kind, value: Value) -> bool:
    if kind is Kind.TICK:
        return False  # a tick box only says whether it was sent
    if has_control_characters(value.text, multiline=kind is Kind.AREA):
        return True
    return kind in (Kind.NUMBER, Kind.DATE) and value.out_of_range


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def stored_control_characters() -> list[str]:
    """Where the database holds a control character: table.column, with the value. Text
    columns may hold the line breaks and tabs of a text area; JSON (the audit trail's
    before and after) is read as the values it holds."""
    found = []
    for table in db.metadata.tables.values():
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                for string in _strings(value):
                    if has_control_characters(string, multiline=True):
                        found.append(f"{table.name}.{column.name}: {string!r}")
    return found


def _records(world: World, client: CheckedClient) -> Records:
    stages = every_stage(world)
    person = ServiceUserFactory(provider=world.provider, given_name="Alice")
    PackageLineFactory(service_user=person)
    paid_person = ServiceUserFactory(provider=world.provider)
    PackageLineFactory(service_user=paid_person)
    asked_person = ServiceUserFactory(provider=world.provider)
    PackageLineFactory(service_user=asked_person)
    care_manager = world.users[Role.CARE_MANAGER]
    approved = submitted_reduction(world, paid_person)
    recommendations.approve(approved, by=care_manager, start_date=approved.proposed_start_date)
    asked = submitted_reduction(world, asked_person)
    recommendations.request_information(asked, by=care_manager, question="What changed?")
    db.session.commit()
    ready = db.session.scalars(select(Payment).where(Payment.recommendation_id == approved.id))
    suspended = ProviderFactory(name="Suspended Care Ltd")
    change_status(
        suspended,
        ProviderStatus.SUSPENDED,
        on=today() - dt.timedelta(days=1),
        reason="Safeguarding concerns",
        by=world.users[Role.COMMISSIONER],
    )
    db.session.commit()
    # The draft is made through its page, as a provider makes one.
    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    made = client.post(f"/service-users/{person.id}/recommendations/new", data=reduction_form())
    assert made.status_code == 302, "the recommendation form refused its own example"
    draft_id = int(re.findall(r"/recommendations/(\d+)/check", made.location)[0])
    sign_in(client, world.users[Role.COMMISSIONER])
    page = client.get("/outcome-periods/new").get_data(as_text=True)
    quarter = re.findall(r'<option value="(\d{4}-\d{2}-\d{2})"', page)[0]
    invited, token = administration.invite(
        administration.Invitee(
            email="ivy.invited@brightwater.example",
            name="Ivy Invited",
            roles=frozenset({Role.PROVIDER_MANAGER}),
            provider_id=world.provider.id,
        ),
        by=world.users[Role.ADMINISTRATOR],
    )
    colleague, _ = administration.invite(
        administration.Invitee(
            email="ian.invited@rival.example",
            name="Ian Invited",
            roles=frozenset({Role.PROVIDER_MANAGER}),
            provider_id=world.other_provider.id,
        ),
        by=world.users[Role.ADMINISTRATOR],
    )
    db.session.commit()
    mfa_user = UserFactory(roles=[Role.CARE_MANAGER], name="Mo Multifactor")
    mfa_secret = mfa.enrolled(mfa_user)
    codes = mfa.recovery_codes_for(mfa_user)
    mfa.enrolled(world.other_provider_manager)  # the agency administrator's colleague
    db.session.commit()
    care_manager_elsewhere = client.application.test_client()
    sign_in(care_manager_elsewhere, care_manager)
    other_session = db.session.scalars(
        select(UserSession).where(UserSession.user_id == care_manager.id)
    ).one()
    api_key, _ = create_key(
        name="Nourish", lifetime_days=90, by=world.users[Role.AGENCY_ADMINISTRATOR]
    )
    db.session.commit()
    return Records(
        api_key_id=api_key.id,
        mfa_user=mfa_user,
        mfa_secret=mfa_secret,
        recovery_codes=tuple(codes),
        invited=invited,
        invited_colleague=colleague,
        token=token,
        world=world,
        stages=stages,
        person=person,
        draft=db.session.get(Recommendation, draft_id),
        asked=asked,
        ready=ready.one(),
        quarter=quarter,
        suspended_provider_id=suspended.id,
        preview=previewed_import(world),
        other_session=other_session,
    )


@pytest.fixture(autouse=True)
def _in_the_capacity_window(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("portal.capacity.views", "portal.capacity.operations"):
        monkeypatch.setattr(f"{module}.today", lambda: DAY)


def _with(form: dict[str, Any], name: str, value: str) -> dict[str, Any]:
    """``form`` with ``name`` sent as ``value`` (its first value, for a field sent as several,
    such as a date's day or one of several ticked boxes)."""
    sent = dict(form)
    sent[name] = [value, *sent[name][1:]] if isinstance(sent[name], list) else value
    return sent


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_no_value_breaks_a_form_or_is_kept(
    app: Flask,
    client: CheckedClient,
    world: World,
    route: Route,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = _records(world, client)
    if route.arrive is not None:
        route.arrive(client, records, monkeypatch)
    elif route.role is not None:
        sign_in(client, world.users[route.role])
    url = route.url(records)
    by_client = route.role is not None or route.arrive is not None
    sender = client if by_client else app.test_client()
    # A form may start a new session (changing one's password), which the savepoint then
    # rolls back: each example is sent with the cookie of the session signed in here.
    signed_in = client.get_cookie("session")

    def as_signed_in() -> None:
        if signed_in is not None:
            client.set_cookie("session", signed_in.value)

    db.session.rollback()
    connection = db.session.get_bind()
    before = fingerprint()
    db.session.rollback()
    savepoint = connection.begin_nested()
    sent = sender.post(url, data=route.form(records))
    assert sent.status_code == (302 if route.accepted else 200), "the example form changed"
    db.session.rollback()
    savepoint.rollback()
    as_signed_in()

    # @given wraps a function inside the test, not the test, so the fixtures above are made
    # once and every example shares them; each example's savepoint, rolled back, keeps them
    # as they were (which is what HealthCheck.function_scoped_fixture warns about).
    @settings(
        max_examples=route.max_examples(),
        deadline=None,
        derandomize=True,  # the same examples on every run, so CI is stable
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(name=st.sampled_from(sorted(route.fields)), value=_values())
    def submit(name: str, value: Value) -> None:
        savepoint = connection.begin_nested()
        try:
            sender = client if by_client else app.test_client()  # signed out
            response = sender.post(url, data=_with(route.form(records), name, value.text))
            assert response.status_code < 500
            if _must_be_refused(route.fields[name], value):
                html = response.get_data(as_text=True)
                assert response.status_code == 200, f"{name}={value.text!r} was not refused"
                assert "govuk-error-summary" in html, f"{name}={value.text!r}: no error shown"
                assert fingerprint() == before, f"{name}={value.text!r} changed the database"
            elif response.status_code in (302, 303):
                assert stored_control_characters() == []
        finally:
            db.session.rollback()
            savepoint.rollback()
            db.session.expire_all()
            as_signed_in()

    submit()

    # Then each field left out of the form altogether, as a hand-made request may.
    for name in sorted(route.fields):
        savepoint = connection.begin_nested()
        try:
            sender = client if by_client else app.test_client()
            response = sender.post(url, data=_without(route.form(records), name))
            assert response.status_code < 500, f"{name} left out: {response.status_code}"
            if response.status_code == 200:
                html = response.get_data(as_text=True)
                assert "govuk-error-summary" in html, f"{name} left out: no error shown"
        finally:
            db.session.rollback()
            savepoint.rollback()
            db.session.expire_all()
            as_signed_in()


def _without(form: dict[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in form.items() if key != name}


def test_every_post_route_is_fuzzed(app: Flask) -> None:
    """A new form is a new route: add it to ROUTES (only sign-out, which has no fields, is
    left out)."""
    posted = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ())
        and rule.endpoint != "accounts.sign_out"
        # The API takes JSON, not forms: schemathesis tries it (tests/api).
        and not rule.rule.startswith("/api/")
    }
    with app.test_request_context():
        fuzzed = {app.url_map.bind("").match(_sample_path(route), "POST")[0] for route in ROUTES}
    assert posted - fuzzed == set()


def _sample_path(route: Route) -> str:
    """The route's address with 1 for every id (the records only matter when posting)."""
    ids = _Ids()
    return route.url(ids)  # type: ignore[arg-type]


class _Ids:
    """Stands in for Records: every id is 1."""

    def __getattr__(self, name: str) -> Any:
        return self

    def __getitem__(self, key: Any) -> Any:
        return self

    id = 1
    provider_id = 1
    token = "token"
    suspended_provider_id = 1
    api_key_id = 1
    proposed_start_date = dt.date(2027, 1, 1)
    year = 2026
    month = 11
