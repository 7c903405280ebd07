"""Email alongside "What needs you": who is told what, that it is written with the change it
reports, and that it really leaves through an SMTP server once the response has gone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal.common.dates import today
from portal.common.roles import Role
from portal.extensions import db
from portal.notifications.email import send_pending
from portal.notifications.models import OutgoingEmail
from portal.payments.models import PaymentRule
from portal.recommendations import operations
from tests.factories import UserFactory
from tests.fixtures import World, sign_in
from tests.integration.helpers import date_parts
from tests.integration.records import submitted_reduction, submitted_return
from tests.smtp import Inbox, free_port, smtp_inbox


@pytest.fixture
def email_on(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.testshire.example")
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://homecare.testshire.example")


def _emails() -> list[tuple[str, str]]:
    return [
        (email.recipient, email.subject)
        for email in db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id))
    ]


def test_nothing_is_written_when_email_is_off(world: World) -> None:
    submitted_reduction(world, world.person)
    assert _emails() == []


def test_a_new_recommendation_tells_the_care_managers(email_on: None, world: World) -> None:
    second = UserFactory(roles=[Role.CARE_MANAGER], name="Cath Second")
    UserFactory(roles=[Role.CARE_MANAGER], name="Left Already", active=False)
    recommendation = submitted_reduction(world, world.person)
    reference = world.person.case_reference
    subject = f"Recommendation to review for {reference}"
    assert _emails() == [
        (world.users[Role.CARE_MANAGER].email, subject),
        (second.email, subject),
    ]
    body = db.session.scalars(select(OutgoingEmail)).first().body  # type: ignore[union-attr]
    assert f"https://homecare.testshire.example/review/{recommendation.id}" in body
    assert "Brightwater Home Care recommends a change to the package" in body
    # A case reference and a link: the person's name stays inside the portal.
    assert world.person.family_name not in body


def test_each_step_tells_the_side_it_now_waits_on(email_on: None, world: World) -> None:
    recommendation = submitted_reduction(world, world.person)
    care_manager = world.users[Role.CARE_MANAGER]
    provider_manager = world.users[Role.PROVIDER_MANAGER]
    reference = world.person.case_reference
    operations.assign(recommendation, to=care_manager, by=care_manager)
    db.session.query(OutgoingEmail).delete()

    operations.request_information(recommendation, by=care_manager, question="Has the OT been?")
    operations.answer_information_request(recommendation, by=provider_manager, answer="Yes.")
    operations.reject(recommendation, by=care_manager, reason="Not yet.")
    assert _emails() == [
        (provider_manager.email, f"The council needs more information: case {reference}"),
        # Answered: only the care manager who took the item.
        (care_manager.email, f"Answer received: recommendation for {reference}"),
        (provider_manager.email, f"Recommendation rejected: case {reference}"),
    ]
    # The other provider's manager hears nothing of it.
    assert world.other_provider_manager.email not in {to for to, _ in _emails()}


def test_a_payment_over_the_threshold_asks_the_other_officers(email_on: None, world: World) -> None:
    rule = db.session.scalars(select(PaymentRule)).one()
    rule.second_approval_threshold_pence = 10_000
    commissioner = world.users[Role.COMMISSIONER]
    approver = world.users[Role.CARE_MANAGER]
    recommendation = submitted_reduction(world, world.person)
    db.session.query(OutgoingEmail).delete()
    operations.approve(recommendation, by=approver, start_date=today() + dt.timedelta(days=14))
    reference = recommendation.payment.reference  # type: ignore[union-attr]
    assert _emails() == [
        (commissioner.email, f"A payment needs your second approval: {reference}"),
        (
            world.users[Role.PROVIDER_MANAGER].email,
            f"Recommendation approved: case {world.person.case_reference}",
        ),
    ]


def test_a_return_sent_back_for_correction_tells_the_provider(
    email_on: None, client: Any, world: World
) -> None:
    outcome_return = submitted_return(world, world.person)
    sign_in(client, world.users[Role.CARE_MANAGER])
    response = client.post(
        f"/outcome-returns/{outcome_return.id}",
        data={"decision": "return", "reason": "Measure 2.1 has no evidence."},
    )
    assert response.status_code == 302
    assert _emails() == [
        (
            world.users[Role.PROVIDER_MANAGER].email,
            f"Outcome return to correct: case {world.person.case_reference}, "
            f"{outcome_return.period.label}",
        )
    ]


def _care_manager_decides(client: Any, world: World, decision: dict[str, object]) -> Any:
    """A submitted reduction, its emails already sent, decided through the page."""
    recommendation = submitted_reduction(world, world.person)
    db.session.query(OutgoingEmail).delete()
    db.session.commit()
    sign_in(client, world.users[Role.CARE_MANAGER])
    return client.post(f"/review/{recommendation.id}", data=decision)


def test_a_refused_change_writes_no_email(email_on: None, client: Any, world: World) -> None:
    """The email is part of the change: a decision that fails leaves none behind."""
    response = _care_manager_decides(
        client, world, {"decision": "approve", "start_date": date_parts(today())}
    )
    assert response.status_code == 200  # "must be in the future"
    assert _emails() == []


# A real SMTP server ---------------------------------------------------------------------


@pytest.fixture
def smtp_server(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    with smtp_inbox(app, monkeypatch) as inbox:
        yield inbox


def test_emails_leave_through_smtp_after_the_response(
    smtp_server: Inbox, client: Any, world: World
) -> None:
    response = _care_manager_decides(
        client, world, {"decision": "more_information", "question": "Has the OT been?"}
    )
    assert response.status_code == 302
    assert smtp_server.messages == []  # not while the care manager waits
    response.close()  # the response has gone: now the email is sent
    [message] = smtp_server.messages
    assert message["To"] == world.users[Role.PROVIDER_MANAGER].email
    assert message["Subject"].startswith("The council needs more information")
    email = db.session.scalars(select(OutgoingEmail)).one()
    assert email.sent_at is not None and email.attempts == 1


def test_an_unreachable_server_leaves_emails_to_try_again(
    email_on: None, app: Flask, monkeypatch: pytest.MonkeyPatch, world: World
) -> None:
    state = app.extensions["mail"]
    monkeypatch.setattr(state, "server", "127.0.0.1")
    monkeypatch.setattr(state, "port", free_port())  # nothing listens there
    monkeypatch.setattr(state, "use_tls", False)
    monkeypatch.setattr(state, "suppress", False)
    submitted_reduction(world, world.person)
    assert send_pending() == (0, 1)
    email = db.session.scalars(select(OutgoingEmail)).one()
    assert email.sent_at is None and email.attempts == 1
    assert "ConnectionRefusedError" in email.last_error


def test_the_send_command_sends_what_is_waiting(
    smtp_server: Inbox, app: Flask, world: World
) -> None:
    submitted_reduction(world, world.person)
    result = app.test_cli_runner().invoke(args=["email", "send"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 not sent" in result.output
    assert [m["To"] for m in smtp_server.messages] == [world.users[Role.CARE_MANAGER].email]
    # Sent once: running it again finds nothing to send.
    again = app.test_cli_runner().invoke(args=["email", "send"])
    assert "0 sent, 0 not sent" in again.output
    assert len(smtp_server.messages) == 1


def test_the_send_command_says_when_email_is_off(app: Flask, db_session: Any) -> None:
    result = app.test_cli_runner().invoke(args=["email", "send"])
    assert result.exit_code == 1
    assert "Email is off: set PORTAL_SMTP_HOST" in result.output
