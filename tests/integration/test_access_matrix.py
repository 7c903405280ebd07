"""The access matrix: every endpoint, asked by everyone who might ask, with the answer each
must get. A new route fails ``test_every_endpoint_is_classified`` until a row says, on
purpose, who may use it.

The records are provider A's (Brightwater): a person, their outcome returns and
recommendations at each stage, a payment, an exported batch, a capacity return, a colleague
invited to A. The columns are who asks (headed by their first three letters in the table):

    out     signed out
    admin   an administrator
    comm    a commissioner
    care    a care manager
    fin     a finance officer
    own     a provider manager at A, the record's provider
    team    a provider manager and agency administrator at A
    other   a provider manager and agency administrator at B, another provider

Each cell is what that person gets: OK (200), GO (a redirect elsewhere: done, or sent on
with a message), IN (sent to sign in), NO (403), NF (404, as if it did not exist).
A POST cell is a POST with a valid CSRF token and the form the record's owner would send.
A session past the password with its code still to come is not a column: its own test asks
it every row (PENDING says where it is answered otherwise than someone signed out).

Every request runs inside a savepoint rolled back afterwards, from a new client holding the
asker's session cookie, so each starts from the same records and session whatever the one
before did. The world is built once for the module.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, g
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from portal.accounts import administration
from portal.accounts.mfa import keys
from portal.accounts.mfa.flow import ENROLLING
from portal.accounts.models import UserSession
from portal.api.keys import create_key
from portal.audit.models import AuditEvent
from portal.audit.requests import REFUSED
from portal.capacity.operations import CapacityData, submit_return
from portal.common.dates import FinancialYear, today
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes.measures import MEASURES, MeasureResult
from portal.outcomes.operations import AnswerData, save_answers
from portal.payments.models import Payment
from portal.providers.models import ServiceUser
from portal.recommendations import operations as recommendations
from tests import mfa
from tests.client import CheckedClient
from tests.conftest import make_app, rolled_back_session
from tests.factories import PackageLineFactory, ServiceUserFactory, UserFactory
from tests.fixtures import build_world, sign_in
from tests.integration.caseload_files import previewed_import
from tests.integration.fingerprint import fingerprint
from tests.integration.records import (
    Stages,
    drafted_reduction,
    exported_batch,
    submitted_reduction,
    submitted_return,
)
from tests.integration.test_capacity_pages import DAY
from tests.integration.test_form_fuzz import ROUTES, Records

OK, GO, IN, NO, NF = "200", "redirect", "sign-in", "403", "404"
# The API's calls take a key, never a session: everyone here is refused (401). Who may do
# what with which key is tests/api/test_api_isolation.py's.
KEY = "401"
COLUMNS = ("out", "admin", "comm", "care", "fin", "own", "team", "other")


# fmt: off
MATRIX: dict[tuple[str, str], tuple[str, ...]] = {
    # endpoint, method                           out adm com car fin own tea oth
    ("accounts.home", "GET"):                   (GO, GO, GO, GO, GO, GO, GO, GO),
    ("accounts.your_account", "GET"):           (IN, OK, OK, OK, OK, OK, OK, OK),
    ("accounts.all_sections", "GET"):           (IN, OK, OK, OK, OK, OK, OK, OK),
    ("accounts.set_password", "GET"):           (OK, OK, OK, OK, OK, OK, OK, OK),
    ("accounts.set_password", "POST"):          (GO, GO, GO, GO, GO, GO, GO, GO),
    ("accounts.sign_in", "GET"):                (OK, OK, OK, OK, OK, OK, OK, OK),
    ("accounts.sign_in", "POST"):               (GO, GO, GO, GO, GO, GO, GO, GO),
    ("accounts.sign_out", "POST"):              (IN, GO, GO, GO, GO, GO, GO, GO),
    ("accounts.signed_out", "GET"):             (OK, OK, OK, OK, OK, OK, OK, OK),
    ("administration.accounts_account", "GET"): (IN, OK, NO, NO, NO, NO, NO, NO),
    ("administration.accounts_disable", "GET"): (IN, OK, NO, NO, NO, NO, NO, NO),
    ("administration.accounts_disable", "POST"):(IN, GO, NO, NO, NO, NO, NO, NO),
    ("administration.accounts_enable", "POST"): (IN, GO, NO, NO, NO, NO, NO, NO),
    ("administration.accounts_invite", "GET"):  (IN, OK, NO, NO, NO, NO, NO, NO),
    ("administration.accounts_invite", "POST"): (IN, GO, NO, NO, NO, NO, NO, NO),
    ("administration.accounts_link", "GET"):    (IN, OK, NO, NO, NO, NO, NO, NO),
    ("administration.accounts_list", "GET"):    (IN, OK, NO, NO, NO, NO, NO, NO),
    ("administration.accounts_resend", "POST"): (IN, GO, NO, NO, NO, NO, NO, NO),
    ("administration.accounts_reset_mfa", "GET"): (IN, OK, NO, NO, NO, NO, NO, NO),
    ("administration.accounts_reset_mfa", "POST"): (IN, GO, NO, NO, NO, NO, NO, NO),
    ("administration.accounts_roles", "GET"):   (IN, OK, NO, NO, NO, NO, NO, NO),
    ("administration.accounts_roles", "POST"):  (IN, GO, NO, NO, NO, NO, NO, NO),
    ("administration.accounts_unlock", "POST"): (IN, GO, NO, NO, NO, NO, NO, NO),
    ("administration.team_account", "GET"):     (IN, NO, NO, NO, NO, NO, OK, NF),
    ("administration.team_disable", "GET"):     (IN, NO, NO, NO, NO, NO, OK, NF),
    ("administration.team_disable", "POST"):    (IN, NO, NO, NO, NO, NO, GO, NF),
    ("administration.team_enable", "POST"):     (IN, NO, NO, NO, NO, NO, GO, NF),
    ("administration.team_invite", "GET"):      (IN, NO, NO, NO, NO, NO, OK, OK),
    ("administration.team_invite", "POST"):     (IN, NO, NO, NO, NO, NO, GO, GO),
    ("administration.team_link", "GET"):        (IN, NO, NO, NO, NO, NO, OK, NF),
    ("administration.team_list", "GET"):        (IN, NO, NO, NO, NO, NO, OK, OK),
    ("administration.team_reset_mfa", "GET"):    (IN, NO, NO, NO, NO, NO, OK, NF),
    ("administration.team_reset_mfa", "POST"):   (IN, NO, NO, NO, NO, NO, GO, NF),
    ("administration.team_resend", "POST"):     (IN, NO, NO, NO, NO, NO, GO, NF),
    ("administration.team_roles", "GET"):       (IN, NO, NO, NO, NO, NO, OK, NF),
    ("administration.team_roles", "POST"):      (IN, NO, NO, NO, NO, NO, GO, NF),
    ("administration.team_unlock", "POST"):     (IN, NO, NO, NO, NO, NO, GO, NF),
    ("api_docs.guide", "GET"):                  (OK, OK, OK, OK, OK, OK, OK, OK),
    ("api_docs.openapi", "GET"):                (OK, OK, OK, OK, OK, OK, OK, OK),
    ("api_keys.key_list", "GET"):               (IN, NO, NO, NO, NO, NO, OK, OK),
    ("api_keys.key_made", "GET"):               (IN, NO, NO, NO, NO, NO, OK, NF),
    ("api_keys.new_key", "GET"):                (IN, NO, NO, NO, NO, NO, OK, OK),
    ("api_keys.new_key", "POST"):               (IN, NO, NO, NO, NO, NO, GO, GO),
    ("api_keys.revoke_key", "GET"):             (IN, NO, NO, NO, NO, NO, OK, NF),
    ("api_keys.revoke_key", "POST"):            (IN, NO, NO, NO, NO, NO, GO, NF),
    ("capacity_returns.capacity_return", "GET"): (KEY, KEY, KEY, KEY, KEY, KEY, KEY, KEY),
    ("capacity_returns.capacity_returns", "GET"): (KEY, KEY, KEY, KEY, KEY, KEY, KEY, KEY),
    ("capacity_returns.nil_return", "POST"):    (KEY, KEY, KEY, KEY, KEY, KEY, KEY, KEY),
    ("capacity_returns.nothing_changed", "POST"): (KEY, KEY, KEY, KEY, KEY, KEY, KEY, KEY),
    ("decisions.payments", "GET"):              (KEY, KEY, KEY, KEY, KEY, KEY, KEY, KEY),
    ("decisions.recommendation", "GET"):        (KEY, KEY, KEY, KEY, KEY, KEY, KEY, KEY),
    ("decisions.recommendations", "GET"):       (KEY, KEY, KEY, KEY, KEY, KEY, KEY, KEY),
    ("decisions.remittance", "GET"):            (KEY, KEY, KEY, KEY, KEY, KEY, KEY, KEY),
    ("decisions.remittances", "GET"):           (KEY, KEY, KEY, KEY, KEY, KEY, KEY, KEY),
    ("outcome_returns.outcome_return", "GET"):  (KEY, KEY, KEY, KEY, KEY, KEY, KEY, KEY),
    ("outcome_returns.owed_returns", "GET"):    (KEY, KEY, KEY, KEY, KEY, KEY, KEY, KEY),
    ("outcome_returns.quarters", "GET"):        (KEY, KEY, KEY, KEY, KEY, KEY, KEY, KEY),
    ("outcome_returns.submit", "POST"):         (KEY, KEY, KEY, KEY, KEY, KEY, KEY, KEY),
    ("outcome_returns.submit_many", "POST"):    (KEY, KEY, KEY, KEY, KEY, KEY, KEY, KEY),
    ("audit.event", "GET"):                     (IN, OK, NO, NO, NO, NO, NO, NO),
    ("audit.events", "GET"):                    (IN, OK, NO, NO, NO, NO, NO, NO),
    ("audit.export", "GET"):                    (IN, OK, NO, NO, NO, NO, NO, NO),
    ("capacity.check", "GET"):                  (IN, NO, NO, NO, NO, GO, GO, GO),
    ("capacity.check", "POST"):                 (IN, NO, NO, NO, NO, GO, GO, GO),
    ("capacity.edit", "GET"):                   (IN, NO, NO, NO, NO, OK, OK, OK),
    ("capacity.edit", "POST"):                  (IN, NO, NO, NO, NO, GO, GO, GO),
    ("capacity.nil", "POST"):                   (IN, NO, NO, NO, NO, GO, GO, GO),
    ("capacity.overview", "GET"):               (IN, NO, NO, NO, NO, OK, OK, OK),
    ("capacity.picture", "GET"):                (IN, NO, OK, NO, NO, NO, NO, NO),
    ("capacity.returns_csv", "GET"):            (IN, NO, OK, NO, NO, NO, NO, NO),
    ("capacity.unchanged", "POST"):             (IN, NO, NO, NO, NO, GO, GO, GO),
    ("capacity.view", "GET"):                   (IN, NO, OK, NO, NO, OK, OK, NF),
    ("caseload.abandon", "POST"):               (IN, NO, GO, NO, NO, NO, NO, NO),
    ("caseload.apply", "POST"):                 (IN, NO, GO, NO, NO, NO, NO, NO),
    ("caseload.preview", "GET"):                (IN, NO, OK, NO, NO, NO, NO, NO),
    ("caseload.template", "GET"):               (IN, NO, OK, NO, NO, NO, NO, NO),
    ("caseload.upload", "GET"):                 (IN, NO, OK, NO, NO, NO, NO, NO),
    ("caseload.upload", "POST"):                (IN, NO, GO, NO, NO, NO, NO, NO),
    ("casework.notices", "GET"):                (IN, OK, OK, OK, OK, OK, OK, OK),
    ("casework.outcome_history", "GET"):        (IN, NO, OK, OK, NO, OK, OK, NF),
    ("casework.recommendation_history", "GET"): (IN, NO, OK, OK, NO, OK, OK, NF),
    ("casework.service_user", "GET"):           (IN, NO, OK, OK, NO, OK, OK, NF),
    ("casework.service_users", "GET"):          (IN, NO, OK, OK, NO, OK, OK, OK),
    # Everything held about a person, for a subject access request: commissioners only.
    ("casework.subject_access_json_download", "GET"): (IN, NO, OK, NO, NO, NO, NO, NO),
    ("casework.subject_access_pdf_download", "GET"): (IN, NO, OK, NO, NO, NO, NO, NO),
    ("common.accessibility", "GET"):            (OK, OK, OK, OK, OK, OK, OK, OK),
    ("common.brand_stylesheet", "GET"):         (OK, OK, OK, OK, OK, OK, OK, OK),
    ("common.healthz", "GET"):                  (OK, OK, OK, OK, OK, OK, OK, OK),
    ("council.rate_card", "GET"):               (IN, NO, OK, NO, NO, NO, NO, NO),
    ("council.rate_card", "POST"):              (IN, NO, GO, NO, NO, NO, NO, NO),
    ("council.settings", "GET"):                (IN, NO, OK, NO, NO, NO, NO, NO),
    ("council.settings", "POST"):               (IN, NO, GO, NO, NO, NO, NO, NO),
    ("council.ranking_weights", "GET"):         (IN, NO, OK, NO, NO, NO, NO, NO),
    ("council.ranking_weights", "POST"):        (IN, NO, GO, NO, NO, NO, NO, NO),
    # A provider's scorecard: council staff who monitor contracts, and its own managers.
    ("reports.provider_scorecard", "GET"):      (IN, NO, OK, OK, NO, OK, OK, NF),
    ("reports.provider_scorecard_pdf", "GET"):  (IN, NO, OK, OK, NO, OK, OK, NF),
    ("reports.scorecards", "GET"):              (IN, NO, OK, OK, NO, NO, NO, NO),
    ("reports.ranking", "GET"):                 (IN, NO, OK, NO, NO, NO, NO, NO),
    ("reports.ranking_csv", "GET"):             (IN, NO, OK, NO, NO, NO, NO, NO),
    # One's own multi-factor sign-in. No one asking has set it up (it is not required here),
    # so making new recovery codes sends them to this page, as does the page of codes just
    # made, which is empty. Setting it up is sent the code for the key their cookie holds.
    ("mfa.account", "GET"):                     (IN, OK, OK, OK, OK, OK, OK, OK),
    ("mfa.new_codes", "GET"):                   (IN, GO, GO, GO, GO, GO, GO, GO),
    ("mfa.new_codes", "POST"):                  (IN, GO, GO, GO, GO, GO, GO, GO),
    ("mfa.recovery_codes", "GET"):              (IN, GO, GO, GO, GO, GO, GO, GO),
    ("mfa.recovery_codes", "POST"):             (IN, GO, GO, GO, GO, GO, GO, GO),
    ("mfa.set_up", "GET"):                      (IN, OK, OK, OK, OK, OK, OK, OK),
    ("mfa.set_up", "POST"):                     (IN, GO, GO, GO, GO, GO, GO, GO),
    # The second step of signing in, for a session past the password only (which
    # test_a_password_only_session_reaches_the_second_step_alone asks). Someone signed in
    # has passed it and is sent home, as the sign-in page does; someone signed out has a
    # password to give first.
    ("mfa.challenge", "GET"):                   (IN, GO, GO, GO, GO, GO, GO, GO),
    ("mfa.challenge", "POST"):                  (IN, GO, GO, GO, GO, GO, GO, GO),
    ("mfa.enrol", "GET"):                       (IN, GO, GO, GO, GO, GO, GO, GO),
    ("mfa.enrol", "POST"):                      (IN, GO, GO, GO, GO, GO, GO, GO),
    ("mfa.recovery", "GET"):                    (IN, GO, GO, GO, GO, GO, GO, GO),
    ("mfa.recovery", "POST"):                   (IN, GO, GO, GO, GO, GO, GO, GO),
    ("outcomes.check_return", "GET"):           (IN, NO, NO, NO, NO, OK, OK, NF),
    ("outcomes.check_return", "POST"):          (IN, NO, NO, NO, NO, GO, GO, NF),
    ("outcomes.edit_outcome", "GET"):           (IN, NO, NO, NO, NO, OK, OK, NF),
    ("outcomes.edit_outcome", "POST"):          (IN, NO, NO, NO, NO, GO, GO, NF),
    ("outcomes.edit_return", "GET"):            (IN, NO, NO, NO, NO, OK, OK, NF),
    ("outcomes.review_return", "POST"):         (IN, NO, GO, GO, NO, NO, NO, NO),
    ("outcomes.start_from_previous", "POST"):   (IN, NO, NO, NO, NO, GO, GO, NF),
    ("outcomes.view_return", "GET"):            (IN, NO, OK, OK, NO, OK, OK, NF),
    ("outcomes.returns_to_accept", "GET"):      (IN, NO, OK, OK, NO, NO, NO, NO),
    ("outcomes.provider_returns_to_accept", "GET"):  (IN, NO, OK, OK, NO, NO, NO, NO),
    ("outcomes.provider_returns_to_accept", "POST"): (IN, NO, GO, GO, NO, NO, NO, NO),
    # Your sessions: the session asked about is the care manager's other one, which anyone
    # else is told does not exist.
    ("own_sessions.end", "POST"):               (IN, NF, NF, GO, NF, NF, NF, NF),
    ("own_sessions.end_others", "POST"):        (IN, GO, GO, GO, GO, GO, GO, GO),
    ("own_sessions.list_sessions", "GET"):      (IN, OK, OK, OK, OK, OK, OK, OK),
    # One's own password; a forgotten one is asked for signed in or not, and answered the
    # same whoever asks.
    ("passwords.change", "GET"):                (IN, OK, OK, OK, OK, OK, OK, OK),
    ("passwords.change", "POST"):               (IN, GO, GO, GO, GO, GO, GO, GO),
    ("passwords.forgotten", "GET"):             (OK, OK, OK, OK, OK, OK, OK, OK),
    ("passwords.forgotten", "POST"):            (GO, GO, GO, GO, GO, GO, GO, GO),
    ("passwords.link_sent", "GET"):             (OK, OK, OK, OK, OK, OK, OK, OK),
    ("payments.batch", "GET"):                  (IN, NO, NO, NO, OK, NO, NO, NO),
    ("payments.batch_list", "GET"):             (IN, NO, NO, NO, OK, NO, NO, NO),
    ("payments.cancel", "GET"):                 (IN, NO, NO, NO, OK, NO, NO, NO),
    ("payments.cancel", "POST"):                (IN, NO, NO, NO, GO, NO, NO, NO),
    # The world's batch is exported already: nothing to check (back to the batch), and
    # sent again it is told so.
    ("payments.export_batch", "GET"):           (IN, NO, NO, NO, GO, NO, NO, NO),
    ("payments.export_batch", "POST"):          (IN, NO, NO, NO, OK, NO, NO, NO),
    ("payments.mark_paid", "POST"):             (IN, NO, NO, NO, GO, NO, NO, NO),
    ("payments.new_rule", "GET"):               (IN, NO, OK, NO, NO, NO, NO, NO),
    ("payments.new_rule", "POST"):              (IN, NO, GO, NO, NO, NO, NO, NO),
    ("payments.payment", "GET"):                (IN, NO, NO, NO, OK, NO, NO, NO),
    ("payments.payment_list", "GET"):           (IN, NO, NO, NO, OK, NO, NO, NO),
    ("payments.payment_list", "POST"):          (IN, NO, NO, NO, GO, NO, NO, NO),
    ("payments.payment_list_download", "GET"):  (IN, NO, NO, NO, OK, NO, NO, NO),
    ("payments.provider_payments", "GET"):      (IN, NO, NO, NO, NO, OK, OK, OK),
    ("payments.provider_remittances", "GET"):   (IN, NO, NO, NO, NO, OK, OK, OK),
    ("payments.remittance", "GET"):             (IN, NO, NO, NO, OK, OK, OK, NF),
    ("payments.reverse", "GET"):                (IN, NO, NO, NO, OK, NO, NO, NO),
    ("payments.reverse", "POST"):               (IN, NO, NO, NO, GO, NO, NO, NO),
    ("payments.rule_list", "GET"):              (IN, NO, OK, OK, OK, NO, NO, NO),
    ("payments.second_approval", "POST"):       (IN, NO, GO, GO, NO, NO, NO, NO),
    ("payments.second_approvals", "GET"):       (IN, NO, OK, OK, NO, NO, NO, NO),
    ("payments.summary", "GET"):                (IN, NO, OK, NO, OK, NO, NO, NO),
    ("payments.summary_download", "GET"):       (IN, NO, OK, NO, OK, NO, NO, NO),
    ("periods.open_period", "GET"):             (IN, NO, OK, NO, NO, NO, NO, NO),
    ("periods.open_period", "POST"):            (IN, NO, GO, NO, NO, NO, NO, NO),
    ("periods.period", "GET"):                  (IN, NO, OK, OK, NO, OK, OK, OK),
    ("periods.period_list", "GET"):             (IN, NO, OK, OK, NO, OK, OK, OK),
    ("periods.provider_returns", "GET"):        (IN, NO, OK, OK, NO, OK, OK, NF),
    ("periods.table_f_csv", "GET"):             (IN, NO, OK, OK, NO, NO, NO, NO),
    ("periods.table_f_view", "GET"):            (IN, NO, OK, OK, NO, NO, NO, NO),
    ("periods.upload", "GET"):                  (IN, NO, NO, NO, NO, OK, OK, OK),
    ("periods.upload", "POST"):                 (IN, NO, NO, NO, NO, OK, OK, OK),
    ("periods.upload_template", "GET"):         (IN, NO, NO, NO, NO, OK, OK, OK),
    ("providers.new_provider", "GET"):          (IN, NO, OK, NO, NO, NO, NO, NO),
    ("providers.new_provider", "POST"):         (IN, NO, GO, NO, NO, NO, NO, NO),
    ("providers.package_history", "GET"):       (IN, NO, OK, OK, NO, OK, OK, NF),
    ("providers.provider", "GET"):              (IN, NO, OK, OK, OK, OK, OK, NF),
    ("providers.provider_list", "GET"):         (IN, NO, OK, OK, OK, NO, NO, NO),
    ("recommendations.answer", "POST"):         (IN, NO, NO, NO, NO, GO, GO, NF),
    ("recommendations.assign", "POST"):         (IN, NO, NO, GO, NO, NO, NO, NO),
    ("recommendations.check", "GET"):           (IN, NO, NO, NO, NO, OK, OK, NF),
    ("recommendations.check", "POST"):          (IN, NO, NO, NO, NO, GO, GO, NF),
    ("recommendations.decided", "GET"):         (IN, NO, NO, OK, NO, NO, NO, NO),
    ("recommendations.new", "GET"):             (IN, NO, NO, NO, NO, OK, OK, NF),
    ("recommendations.new", "POST"):            (IN, NO, NO, NO, NO, GO, GO, NF),
    ("recommendations.provider_list", "GET"):   (IN, NO, NO, NO, NO, OK, OK, OK),
    ("recommendations.queue", "GET"):           (IN, NO, NO, OK, NO, NO, NO, NO),
    ("recommendations.review", "GET"):          (IN, NO, NO, OK, NO, NO, NO, NO),
    ("recommendations.review", "POST"):         (IN, NO, NO, GO, NO, NO, NO, NO),
    ("recommendations.summary", "GET"):         (IN, NO, OK, NO, NO, NO, NO, NO),
    ("recommendations.view", "GET"):            (IN, NO, OK, OK, NO, OK, OK, NF),
    ("recommendations.withdraw", "GET"):        (IN, NO, NO, NO, NO, OK, OK, NF),
    ("recommendations.withdraw", "POST"):       (IN, NO, NO, NO, NO, GO, GO, NF),
    ("register.care_categories", "GET"):        (IN, NO, OK, NO, NO, NO, NO, NO),
    ("register.care_categories", "POST"):       (IN, NO, GO, NO, NO, NO, NO, NO),
    ("register.contract", "GET"):               (IN, NO, OK, NO, NO, NO, NO, NO),
    ("register.contract", "POST"):              (IN, NO, GO, NO, NO, NO, NO, NO),
    ("register.cqc_location", "GET"):           (IN, NO, OK, NO, NO, NO, NO, NO),
    ("register.cqc_location", "POST"):          (IN, NO, GO, NO, NO, NO, NO, NO),
    ("register.cqc_rating", "GET"):             (IN, NO, OK, NO, NO, NO, NO, NO),
    ("register.cqc_rating", "POST"):            (IN, NO, GO, NO, NO, NO, NO, NO),
    ("register.name", "GET"):                   (IN, NO, OK, NO, NO, NO, NO, NO),
    ("register.name", "POST"):                  (IN, NO, GO, NO, NO, NO, NO, NO),
    ("register.qaf_level", "GET"):              (IN, NO, OK, NO, NO, NO, NO, NO),
    ("register.qaf_level", "POST"):             (IN, NO, GO, NO, NO, NO, NO, NO),
    ("register.record_exit", "GET"):            (IN, NO, OK, NO, NO, NO, NO, NO),
    ("register.record_exit", "POST"):           (IN, NO, GO, NO, NO, NO, NO, NO),
    ("register.reinstate", "GET"):              (IN, NO, OK, NO, NO, NO, NO, NO),
    ("register.reinstate", "POST"):             (IN, NO, OK, NO, NO, NO, NO, NO),
    ("register.strategic_tier", "GET"):         (IN, NO, OK, NO, NO, NO, NO, NO),
    ("register.strategic_tier", "POST"):        (IN, NO, GO, NO, NO, NO, NO, NO),
    ("register.supplier_reference", "GET"):     (IN, NO, OK, NO, NO, NO, NO, NO),
    ("register.supplier_reference", "POST"):    (IN, NO, GO, NO, NO, NO, NO, NO),
    ("register.suspend", "GET"):                (IN, NO, OK, NO, NO, NO, NO, NO),
    ("register.suspend", "POST"):               (IN, NO, GO, NO, NO, NO, NO, NO),
    ("register.trusted_assessor", "GET"):       (IN, NO, OK, NO, NO, NO, NO, NO),
    ("register.trusted_assessor", "POST"):      (IN, NO, GO, NO, NO, NO, NO, NO),
    # The committee's annual report: the last complete year's, which the page offers.
    ("reports.annual_report", "GET"):           (IN, NO, OK, NO, NO, NO, NO, NO),
    ("reports.annual_report_download", "GET"):  (IN, NO, OK, NO, NO, NO, NO, NO),
    ("reports.dashboard_page", "GET"):          (IN, NO, OK, NO, NO, NO, NO, NO),
    ("reports.section_csv", "GET"):             (IN, NO, OK, NO, NO, NO, NO, NO),
}
# fmt: on


@dataclass
class Asker:
    """Someone asking: their session cookie, signed in or not, and its CSRF token."""

    cookie: str
    token: str


@dataclass
class Matrix:
    app: Flask
    askers: dict[str, Asker]
    arguments: dict[str, Any]  # each URL argument by name, for most endpoints
    overrides: dict[str, dict[str, Any]]  # the record a particular endpoint is asked about
    forms: dict[str, Any]  # endpoint: the form its record's owner sends (a function of nothing)
    owned: list[str]  # what names A's records: its name, its people's, its staff's
    pristine: str = ""  # the database's fingerprint as built, before any request

    def url(self, endpoint: str) -> str:
        rule = next(self.app.url_map.iter_rules(endpoint))
        values = {name: self.arguments[name] for name in rule.arguments}
        values |= {k: v for k, v in self.overrides.get(endpoint, {}).items() if k in values}
        return rule.build(values, append_unknown=False)[1]


_TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _token_from(response: TestResponse) -> str:
    match = _TOKEN.search(response.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


def _answers() -> list[AnswerData]:
    return [
        AnswerData(measure=m.code, result=MeasureResult.MET, evidence="Seen at review.")
        for m in MEASURES
    ]


@pytest.fixture(scope="module")
def matrix(app: Flask, database_url: str) -> Iterator[Matrix]:
    """The world, and everyone signed in, once for the module; asked through an app with
    CSRF protection on, as in production (``app``, without it, signs them in)."""
    signer, app = app, make_app(database_url, WTF_CSRF_ENABLED=True)
    app.test_client_class = CheckedClient
    with pytest.MonkeyPatch.context() as monkeypatch, rolled_back_session(app) as session:
        # In November's capacity window, as the capacity pages' own tests are.
        for module in ("portal.capacity.views", "portal.capacity.operations"):
            monkeypatch.setattr(f"{module}.today", lambda: DAY)
        built = _build(app, signer, session)
        built.pristine = fingerprint()
        yield built


def _person(world: Any) -> Any:
    person = ServiceUserFactory(provider=world.provider)
    PackageLineFactory(service_user=person)
    return person


def _build(app: Flask, signer: Flask, session: Any) -> Matrix:
    world = build_world(session)
    provider = world.provider
    manager = world.users[Role.PROVIDER_MANAGER]
    care_manager = world.users[Role.CARE_MANAGER]
    team = UserFactory(
        roles=[Role.PROVIDER_MANAGER, Role.AGENCY_ADMINISTRATOR],
        provider_id=provider.id,
        name="Tess Team",
    )
    draft_return = save_answers(
        period=world.period, service_user=world.person, answers=_answers(), by=manager
    )
    sent_return = submitted_return(world, _person(world))
    waiting = submitted_reduction(world, _person(world))
    asked = submitted_reduction(world, _person(world))
    recommendations.request_information(asked, by=care_manager, question="What changed?")
    draft = drafted_reduction(world, _person(world))
    batch = exported_batch(world, submitted_reduction(world, _person(world)))
    approved = submitted_reduction(world, _person(world))  # after the batch, so not in it
    recommendations.approve(approved, by=care_manager, start_date=approved.proposed_start_date)
    ready = db.session.scalars(
        select(Payment).where(Payment.recommendation_id == approved.id)
    ).one()
    capacity = submit_return(
        provider,
        DAY.replace(day=1) - dt.timedelta(days=1),
        CapacityData(
            service_users=6, delivered_weekly_minutes=6000, headcount=4, hourly_pay_pence=1250
        ),
        by=manager,
    )
    invited, link_token = administration.invite(
        administration.Invitee(
            email="ivy.invited@brightwater.example",
            name="Ivy Invited",
            roles=frozenset({Role.PROVIDER_MANAGER}),
            provider_id=provider.id,
        ),
        by=world.users[Role.ADMINISTRATOR],
    )
    preview = previewed_import(world)
    mfa_user = UserFactory(
        roles=[Role.PROVIDER_MANAGER], provider_id=provider.id, name="Mo Multifactor"
    )
    mfa_secret = mfa.enrolled(mfa_user)
    codes = mfa.recovery_codes_for(mfa_user)
    api_key, _ = create_key(name="Nourish", lifetime_days=90, by=team)
    session.commit()
    _cookie(signer, care_manager)  # in another browser, before the care manager's own
    other_session = db.session.scalars(
        select(UserSession).where(UserSession.user_id == care_manager.id)
    ).one()

    users = {
        "admin": world.users[Role.ADMINISTRATOR],
        "comm": world.users[Role.COMMISSIONER],
        "care": care_manager,
        "fin": world.users[Role.FINANCE_OFFICER],
        "own": manager,
        "team": team,
        "other": world.users[Role.AGENCY_ADMINISTRATOR],
    }
    # Each signed-in cookie holds the key an enrolment page would offer, so the code sent
    # to set up an app is the one its page asks for.
    offered_key = keys.new_secret()
    askers = {"out": _asker(app, None, "/sign-in")}
    askers |= {
        column: _asker(app, _cookie(signer, user), "/what-needs-you", enrolling=offered_key)
        for column, user in users.items()
    }
    # Past the password, the code still to come (not a column: see its own test).
    askers["pending"] = _asker(app, _cookie(signer, mfa_user, password_only=True), "/sign-in/code")
    session.commit()

    page = _as(app, askers["comm"]).get("/outcome-periods/new").get_data(as_text=True)
    quarter = re.findall(r'<option value="(\d{4}-\d{2}-\d{2})"', page)[0]
    records = Records(
        world=world,
        stages=Stages(
            outcome_return=sent_return,
            other_return=sent_return,
            recommendation=waiting,
            other_recommendation=waiting,
            batch=batch,
        ),
        person=world.person,
        draft=draft,
        asked=asked,
        ready=ready,
        quarter=quarter,
        invited=invited,
        invited_colleague=invited,
        token=link_token,
        suspended_provider_id=provider.id,
        preview=preview,
        other_session=other_session,
        mfa_user=mfa_user,
        mfa_secret=mfa_secret,
        recovery_codes=tuple(codes),
        offered_key=offered_key,
    )
    # The API's calls take no form (and no session): they are refused before reading one.
    forms: dict[str, Any] = {"accounts.sign_out": lambda: {}} | {
        endpoint: dict
        for endpoint, method in MATRIX
        if method == "POST" and MATRIX[endpoint, method][0] == KEY
    }
    adapter = app.url_map.bind("")
    for route in ROUTES:
        endpoint = adapter.match(route.url(records), "POST")[0]
        forms[endpoint] = lambda route=route: route.form(records)

    exported = batch.payments[0]
    return Matrix(
        app=app,
        askers=askers,
        arguments={
            "service_user_id": world.person.id,
            "period_id": world.period.id,
            "return_id": sent_return.id,
            "recommendation_id": waiting.id,
            "batch_id": batch.id,
            "payment_id": exported.id,
            "provider_id": provider.id,
            "user_id": invited.id,
            "import_id": preview.id,
            "event_id": db.session.scalar(select(func.max(AuditEvent.id))),
            "outcome_number": 1,
            "file_format": "csv",
            "year": DAY.year,
            "start_year": FinancialYear.containing(today()).start_year - 1,
            "month": DAY.month,
            "token": link_token,
            "session_id": other_session.id,
            "key": "recommendations",  # a dashboard section
            "key_id": api_key.id,
        },
        overrides={
            "outcomes.check_return": {"return_id": draft_return.id},
            "capacity.view": {"return_id": capacity.id},
            "recommendations.check": {"recommendation_id": draft.id},
            "recommendations.answer": {"recommendation_id": asked.id},
            "payments.cancel": {"payment_id": ready.id},
            "payments.second_approval": {"payment_id": ready.id},
            "administration.accounts_reset_mfa": {"user_id": mfa_user.id},
            "administration.team_reset_mfa": {"user_id": mfa_user.id},
        },
        forms=forms,
        owned=[
            provider.name,
            provider.supplier_reference,
            *(
                word
                for person in db.session.scalars(
                    select(ServiceUser).where(ServiceUser.provider_id == provider.id)
                )
                for word in (person.family_name, person.case_reference)
            ),
            manager.name,
            team.name,
            invited.name,
            mfa_user.name,
        ],
    )


def _as(app: Flask, asker: Asker) -> CheckedClient:
    """A new client holding the asker's cookie: what one request does to its cookies (signing
    out, signing in again) goes no further."""
    _fresh_g()
    client: CheckedClient = app.test_client()  # type: ignore[assignment]
    if asker.cookie:
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], asker.cookie)
    return client


def _fresh_g() -> None:
    """The module's requests share its application context, and so ``g``; in production
    each request has its own. Flask-WTF keeps the CSRF token it made in ``g``, which
    would hand one person's token to the next."""
    vars(g).clear()


def _cookie(signer: Flask, user: Any, *, password_only: bool = False) -> str:
    """``user``'s session cookie, signed in as every test signs in."""
    client: CheckedClient = signer.test_client()  # type: ignore[assignment]
    sign_in(client, user, password_only=password_only)
    cookie = client.get_cookie(signer.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value


def _asker(app: Flask, cookie: str | None, page: str, *, enrolling: str = "") -> Asker:
    """The asker's cookie once ``page`` has given it a CSRF token (and, if ``enrolling``,
    the key offered to set up an authenticator app with), and the token."""
    client = _as(app, Asker(cookie or "", ""))
    if enrolling:
        with client.session_transaction() as cookie_session:
            cookie_session[ENROLLING] = keys.seal(enrolling)
    token = _token_from(client.get(page))
    kept = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert kept is not None
    return Asker(kept.value, token)


def _answer(response: TestResponse) -> str:
    if response.status_code in (301, 302, 303):
        return IN if response.location.startswith("/sign-in?next=") else GO
    return str(response.status_code)


def ask(matrix: Matrix, column: str, method: str, endpoint: str) -> TestResponse:
    """One request, made inside ``isolated`` by the caller."""
    asker = matrix.askers[column]
    client = _as(matrix.app, asker)
    url = matrix.url(endpoint)
    if method == "GET":
        response = client.get(url)
    else:
        data = {**matrix.forms[endpoint](), "csrf_token": asker.token}
        response = client.post(url, data=data)
    response.close()
    return response


@contextmanager
def isolated() -> Iterator[None]:
    """A savepoint around a request, rolled back after it with whatever it wrote."""
    db.session.rollback()
    savepoint = db.session.get_bind().begin_nested()
    try:
        yield
    finally:
        db.session.rollback()
        savepoint.rollback()
        db.session.expire_all()


def _asked(app: Flask) -> set[tuple[str, str]]:
    """Each endpoint with each of GET and POST that it answers."""
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in {"GET", "POST"} & set(rule.methods or ())
    }


def test_every_endpoint_is_classified(app: Flask) -> None:
    """A new route (or a new method on one) is not in MATRIX until someone decides who may
    use it; a route taken away leaves its row behind."""
    asked = _asked(app)
    assert sorted(asked - set(MATRIX)) == [], "routes missing from MATRIX"
    assert sorted(set(MATRIX) - asked) == [], "MATRIX names routes that are gone"


@pytest.mark.parametrize(("endpoint", "method"), sorted(MATRIX))
def test_who_may_use_each_endpoint(matrix: Matrix, endpoint: str, method: str) -> None:
    """Each cell of the row, asked. A POST refused (sent to sign in, 403 or 404) changes
    nothing in the database, and a refusal to someone signed in is kept in the audit trail
    as refused access."""
    wrong = []
    for column, cell in zip(COLUMNS, MATRIX[endpoint, method], strict=True):
        with isolated():
            refusals = _refusals()
            got = _answer(ask(matrix, column, method, endpoint))
            if got != cell:
                wrong.append(f"{column}: {got}, not {cell}")
            elif method == "POST" and cell in (IN, NO, NF):
                if fingerprint() != matrix.pristine:
                    wrong.append(f"{column}: refused, but the database changed")
                if cell != IN and _refusals() != refusals + 1:
                    wrong.append(f"{column}: refused, but not kept in the audit trail")
    assert wrong == [], f"{method} {matrix.url(endpoint)}"


# A session past the password, its code still to come, is sent on to type the code wherever
# someone signed out is sent to sign in. Elsewhere it differs from them only here: the home
# address and setting up an app (it is set up already) send it to the code too, the code
# pages open, each code is accepted, and it may sign out.
CODE = "the code"
PENDING = {
    ("accounts.home", "GET"): CODE,
    ("mfa.challenge", "GET"): OK,
    ("mfa.challenge", "POST"): GO,
    ("mfa.enrol", "GET"): CODE,
    ("mfa.enrol", "POST"): CODE,
    ("mfa.recovery", "GET"): OK,
    ("mfa.recovery", "POST"): GO,
    ("accounts.sign_out", "POST"): GO,
}


def test_a_password_only_session_reaches_the_second_step_alone(matrix: Matrix) -> None:
    """Someone who has given an enrolled account's password but not its code: the password
    alone opens nothing of the portal, and a POST it sends on changes nothing."""
    out = COLUMNS.index("out")
    wrong = []
    for (endpoint, method), cells in sorted(MATRIX.items()):
        cell = PENDING.get((endpoint, method), CODE if cells[out] == IN else cells[out])
        with isolated():
            response = ask(matrix, "pending", method, endpoint)
            got = CODE if response.location == "/sign-in/code" else _answer(response)
            if got != cell:
                wrong.append(f"{method} {matrix.url(endpoint)}: {got}, not {cell}")
            elif cell == CODE and method == "POST" and fingerprint() != matrix.pristine:
                wrong.append(f"{method} {matrix.url(endpoint)}: the database changed")
    assert wrong == []


def _refusals() -> int:
    return db.session.scalar(select(func.count()).where(AuditEvent.action == REFUSED)) or 0


# The URL arguments that name one provider's records. Periods, imports and audit events
# belong to the council; a month's capacity return is whoever asks.
PROVIDERS_RECORDS = {
    "service_user_id",
    "return_id",
    "recommendation_id",
    "payment_id",
    "batch_id",
    "provider_id",
    "user_id",
    "key_id",
}


def test_another_providers_records_are_not_found(app: Flask) -> None:
    """The rule the table must keep, whoever edits it: wherever A's managers may reach one
    of A's records, B's manager is answered 404, as if it did not exist, for GET and POST
    alike (and the test above sends each, and shows a refused POST changes nothing)."""
    own, team, other = (COLUMNS.index(c) for c in ("own", "team", "other"))
    checked = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or not set(rule.arguments) & PROVIDERS_RECORDS:
            continue
        for method in ("GET", "POST"):
            cells = MATRIX.get((rule.endpoint, method))
            # The API's rows (KEY) are refused to every session; its keys' isolation is
            # tests/api/test_api_isolation.py's.
            if cells and (cells[own] not in (NO, NF, KEY) or cells[team] not in (NO, NF, KEY)):
                assert cells[other] == NF, f"{method} {rule.endpoint}"
                checked.append((rule.endpoint, method))
    assert len(checked) >= 25


def test_pages_another_provider_may_open_show_nothing_of_this_ones(matrix: Matrix) -> None:
    """The lists, the quarter, the templates and what needs them that B's manager may open
    name nothing of A's: not A, its people or its staff."""
    other = COLUMNS.index("other")
    opened = sorted(
        endpoint
        for (endpoint, method), cells in MATRIX.items()
        if method == "GET" and cells[other] == OK
    )
    assert len(opened) >= 15
    shown = {}
    for endpoint in opened:
        with isolated():
            page = ask(matrix, "other", "GET", endpoint).get_data(as_text=True)
        if found := [word for word in matrix.owned if word in page]:
            shown[endpoint] = found
    assert shown == {}
