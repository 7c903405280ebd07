"""Accounts kept by administrators: an invitation is a one-time, expiring link to set a
password; roles change; a disabled account cannot sign in and its open sessions stop; an
agency administrator keeps their own provider's colleagues only; the first administrator
comes from the command line. Every change is audited."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from portal.accounts import administration
from portal.accounts.models import AccountStatus, PasswordLink, User
from portal.administration.commands import create_admin
from portal.audit.models import AuditEvent
from portal.common.errors import DomainError
from portal.common.models import utcnow
from portal.common.roles import Role
from portal.extensions import db
from portal.notifications.models import OutgoingEmail
from tests.client import CheckedClient, text_of
from tests.factories import PASSWORD, UserFactory
from tests.fixtures import World, sign_in

GOOD_PASSWORD = "kettle piano seagull"
_LINK = re.compile(r"http://[^\s<\"]+/set-password/([A-Za-z0-9_-]+)")


def _invite(client: CheckedClient, **fields: Any) -> Any:
    data = {"name": "Nadia Newcomer", "email": "Nadia.Newcomer@council.example"} | fields
    return client.post("/accounts/invite", data=data)


def _link_from(client: CheckedClient, response: Any) -> str:
    """Follow the invitation's redirect to the page that shows its link, once."""
    assert response.status_code == 302, text_of(response)
    page = client.get(response.location)
    found = _LINK.search(page.get_data(as_text=True))
    assert found, text_of(page)
    return "/set-password/" + found.group(1)


def _user(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def _actions(user: User) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "users", AuditEvent.entity_id == user.id)
            .order_by(AuditEvent.id)
        )
    )


def test_an_invited_person_sets_a_password_and_signs_in(
    app: Flask, client: CheckedClient, world: World
) -> None:
    sign_in(client, world.users[Role.ADMINISTRATOR])
    response = _invite(client, roles=["care_manager", "commissioner"])
    link = _link_from(client, response)
    person = _user("nadia.newcomer@council.example")
    assert person.status is AccountStatus.INVITED
    assert person.roles == {Role.CARE_MANAGER, Role.COMMISSIONER}
    assert "account.invited" in _actions(person)

    again = client.get(response.location)
    assert "has been shown" in text_of(again), "the link is shown once"
    assert _LINK.search(again.get_data(as_text=True)) is None

    visitor: CheckedClient = app.test_client()  # type: ignore[assignment]
    page = visitor.get(link)
    assert page.status_code == 200
    assert "nadia.newcomer@council.example" in text_of(page)
    assert visitor.post("/sign-in", data={"email": person.email, "password": ""}).status_code == 200

    set_response = visitor.post(link, data={"password": GOOD_PASSWORD})
    assert set_response.status_code == 302 and set_response.location == "/sign-in"
    signed = visitor.post("/sign-in", data={"email": person.email, "password": GOOD_PASSWORD})
    assert signed.status_code == 302
    assert person.status is AccountStatus.ACTIVE
    assert _actions(person)[-2:] == ["account.password_set", "account.signed_in"]

    used = app.test_client().get(link)
    assert used.status_code == 404
    assert "already been used" in text_of(used)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "Enter a password"),
        ("short pass", "Password must be 12 characters or more"),
        ("password1234", "Password is too common"),
        ("Summer2026!!", "Password is too common"),
        ("nadia newcomer 1", "must not include your name"),
        ("x" * 257, "Password must be 256 characters or fewer"),
    ],
)
def test_a_weak_password_is_refused_with_a_reason(
    app: Flask, client: CheckedClient, world: World, password: str, message: str
) -> None:
    sign_in(client, world.users[Role.ADMINISTRATOR])
    link = _link_from(client, _invite(client, roles=["finance_officer"]))
    visitor: CheckedClient = app.test_client()  # type: ignore[assignment]
    response = visitor.post(link, data={"password": password})
    assert response.status_code == 200
    assert message in text_of(response)
    assert _user("nadia.newcomer@council.example").password_hash is None
    assert visitor.get(link).status_code == 200, "the link still works after a refusal"


def test_an_expired_link_cannot_set_a_password(
    app: Flask, client: CheckedClient, world: World
) -> None:
    sign_in(client, world.users[Role.ADMINISTRATOR])
    link = _link_from(client, _invite(client, roles=["care_manager"]))
    db.session.execute(update(PasswordLink).values(expires_at=utcnow() - dt.timedelta(minutes=1)))
    db.session.commit()
    visitor: CheckedClient = app.test_client()  # type: ignore[assignment]
    assert "has expired" in text_of(visitor.get(link))
    assert visitor.post(link, data={"password": GOOD_PASSWORD}).status_code == 404
    assert _user("nadia.newcomer@council.example").password_hash is None


def test_a_new_invitation_replaces_the_old_link(
    app: Flask, client: CheckedClient, world: World
) -> None:
    sign_in(client, world.users[Role.ADMINISTRATOR])
    first = _link_from(client, _invite(client, roles=["care_manager"]))
    person = _user("nadia.newcomer@council.example")
    second = _link_from(client, client.post(f"/accounts/{person.id}/resend"))
    assert first != second
    visitor: CheckedClient = app.test_client()  # type: ignore[assignment]
    assert "replaced by a newer one" in text_of(visitor.get(first))
    assert visitor.post(second, data={"password": GOOD_PASSWORD}).status_code == 302


def test_no_new_invitation_once_a_password_is_set(client: CheckedClient, world: World) -> None:
    sign_in(client, world.users[Role.ADMINISTRATOR])
    colleague = world.users[Role.CARE_MANAGER]
    response = client.post(f"/accounts/{colleague.id}/resend", follow_redirects=True)
    assert "has already set a password" in text_of(response)
    assert db.session.scalar(select(PasswordLink.id)) is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the person’s full name"),
        ({"email": "not-an-address"}, "email", "Enter an email address in the correct format"),
        ({}, "roles", "Select at least one role"),
        ({"roles": ["provider_manager"]}, "provider_id", "Select the provider"),
        (
            {"roles": ["provider_manager", "commissioner"], "provider_id": "1"},
            "roles",
            "cannot also hold council roles",
        ),
        ({"roles": ["agency_administrator"], "provider_id": "1"}, "roles", "also be a provider"),
        ({"roles": ["care_manager"], "email": "ADA@"}, "email", "correct format"),
    ],
)
def test_an_invitation_with_a_problem_says_so_beside_the_field(
    client: CheckedClient, world: World, fields: dict[str, Any], field: str, message: str
) -> None:
    sign_in(client, world.users[Role.ADMINISTRATOR])
    if "provider_id" in fields:
        fields["provider_id"] = str(world.provider.id)
    before = db.session.scalar(select(db.func.count(User.id)))
    response = _invite(client, **fields)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in text_of(response)
    assert f'href="#{field}' in html, "the error summary links to the field"
    assert db.session.scalar(select(db.func.count(User.id))) == before


def test_an_email_address_already_in_use_is_refused(client: CheckedClient, world: World) -> None:
    sign_in(client, world.users[Role.ADMINISTRATOR])
    UserFactory(roles=[Role.FINANCE_OFFICER], email="fin.taken@council.example")
    taken = "Fin.Taken@Council.Example"
    response = _invite(client, email=taken, roles=["care_manager"])
    assert "An account already has this email address" in text_of(response)


def test_a_provider_manager_is_invited_to_their_provider(
    client: CheckedClient, world: World
) -> None:
    sign_in(client, world.users[Role.ADMINISTRATOR])
    _link_from(
        client,
        _invite(client, roles=["provider_manager"], provider_id=str(world.other_provider.id)),
    )
    person = _user("nadia.newcomer@council.example")
    assert person.provider_id == world.other_provider.id


def test_with_email_the_invitation_is_sent_not_shown(
    app: Flask, client: CheckedClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.testshire.example")
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://homecare.testshire.example")
    sign_in(client, world.users[Role.ADMINISTRATOR])
    response = _invite(client, roles=["care_manager"])
    person = _user("nadia.newcomer@council.example")
    assert response.location == f"/accounts/{person.id}"
    email = db.session.scalar(select(OutgoingEmail))
    assert email is not None and email.recipient == person.email
    assert "https://homecare.testshire.example/set-password/" in email.body
    assert "We have emailed Nadia Newcomer" in text_of(client.get(response.location))


def test_a_disabled_account_is_signed_out_and_cannot_sign_in(
    app: Flask, client: CheckedClient, world: World
) -> None:
    colleague = world.users[Role.CARE_MANAGER]
    theirs: CheckedClient = app.test_client()  # type: ignore[assignment]
    sign_in(theirs, colleague)
    assert theirs.get("/review").status_code == 200

    sign_in(client, world.users[Role.ADMINISTRATOR])
    confirm = client.get(f"/accounts/{colleague.id}/disable")
    assert "signed out at once" in text_of(confirm)
    assert client.post(f"/accounts/{colleague.id}/disable").status_code == 302
    assert colleague.status is AccountStatus.DISABLED

    assert theirs.get("/review").status_code == 302, "their open session has stopped"
    refused = theirs.post("/sign-in", data={"email": colleague.email, "password": PASSWORD})
    assert refused.status_code == 200

    assert client.post(f"/accounts/{colleague.id}/enable").status_code == 302
    assert (
        theirs.post("/sign-in", data={"email": colleague.email, "password": PASSWORD}).status_code
        == 302
    )
    changes = [action for action in _actions(colleague) if action.endswith("abled")]
    assert changes == ["account.disabled", "account.enabled"]
    page = text_of(client.get(f"/accounts/{colleague.id}"))
    assert "Disabled" in page and "Enabled" in page


def test_an_administrator_cannot_disable_themselves(client: CheckedClient, world: World) -> None:
    admin = world.users[Role.ADMINISTRATOR]
    sign_in(client, admin)
    response = client.post(f"/accounts/{admin.id}/disable")
    assert response.status_code == 200
    assert "You cannot disable your own account" in text_of(response)
    assert admin.active


def test_the_last_administrator_is_kept(world: World) -> None:
    """Two administrators disabling each other at once: the second is refused (the
    operation locks the administrators' rows, so the two are served one after the other)."""
    first = world.users[Role.ADMINISTRATOR]
    second = UserFactory(roles=[Role.ADMINISTRATOR])
    administration.disable(second, by=first)
    with pytest.raises(DomainError, match="the last administrator"):
        administration.disable(first, by=second)
    with pytest.raises(DomainError, match="the last administrator"):
        administration.change_roles(first, frozenset({Role.CARE_MANAGER}), by=second)


def test_roles_change_and_are_audited(client: CheckedClient, world: World) -> None:
    colleague = world.users[Role.CARE_MANAGER]
    sign_in(client, world.users[Role.ADMINISTRATOR])
    response = client.post(
        f"/accounts/{colleague.id}/roles", data={"roles": ["care_manager", "commissioner"]}
    )
    assert response.status_code == 302
    assert colleague.roles == {Role.CARE_MANAGER, Role.COMMISSIONER}
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "account.roles_changed")
    )
    assert event is not None
    assert event.before == {"roles": ["care_manager"]}
    assert event.after == {"roles": ["care_manager", "commissioner"]}
    history = text_of(client.get(f"/accounts/{colleague.id}"))
    assert "Roles changed from care manager to care manager, commissioner" in history


def test_an_administrator_cannot_take_away_their_own_role(
    client: CheckedClient, world: World
) -> None:
    admin = world.users[Role.ADMINISTRATOR]
    sign_in(client, admin)
    response = client.post(f"/accounts/{admin.id}/roles", data={"roles": ["commissioner"]})
    assert "your own account" in text_of(response)
    assert admin.roles == {Role.ADMINISTRATOR}


def test_a_provider_account_cannot_take_council_roles(client: CheckedClient, world: World) -> None:
    manager = world.users[Role.PROVIDER_MANAGER]
    sign_in(client, world.users[Role.ADMINISTRATOR])
    response = client.post(
        f"/accounts/{manager.id}/roles", data={"roles": ["provider_manager", "finance_officer"]}
    )
    assert "cannot also hold council roles" in text_of(response)
    assert manager.roles == {Role.PROVIDER_MANAGER}


def test_the_account_list_filters_and_shows_last_sign_in(
    client: CheckedClient, world: World
) -> None:
    UserFactory(roles=[Role.CARE_MANAGER], name="Gone Away", active=False)
    sign_in(client, world.users[Role.ADMINISTRATOR])
    admin = world.users[Role.ADMINISTRATOR].email
    everyone = text_of(client.get("/accounts"))
    assert admin in everyone and "Priya Provider" in everyone
    assert "Never" in everyone, "accounts never used say so"
    disabled = text_of(client.get("/accounts?status=disabled"))
    assert "Gone Away" in disabled and admin not in disabled
    care = text_of(client.get("/accounts?role=care_manager&status=active"))
    assert "Carl Caremanager" in care and "Gone Away" not in care
    assert "Priya Provider" in text_of(client.get("/accounts?q=PRIYA"))


def test_an_agency_administrator_keeps_their_own_team_only(
    app: Flask, client: CheckedClient, world: World
) -> None:
    sign_in(client, world.users[Role.AGENCY_ADMINISTRATOR])  # at the other provider
    team = text_of(client.get("/team"))
    assert "Otto Othermanager" in team
    assert "Priya Provider" not in team and "Carl Caremanager" not in team
    for stranger in (world.users[Role.PROVIDER_MANAGER], world.users[Role.CARE_MANAGER]):
        assert client.get(f"/team/{stranger.id}").status_code == 404
        assert client.post(f"/team/{stranger.id}/disable").status_code == 404
        assert stranger.active
    assert client.get("/accounts").status_code == 403

    invited = client.post("/team/invite", data={"name": "Tia Team", "email": "tia@rival.example"})
    link = _link_from(client, invited)
    colleague = _user("tia@rival.example")
    assert colleague.provider_id == world.other_provider.id
    assert colleague.roles == {Role.PROVIDER_MANAGER}
    assert link.startswith("/set-password/")

    # Council roles cannot be given from here, whatever is sent.
    client.post(f"/team/{colleague.id}/roles", data={"roles": ["administrator"]})
    assert colleague.roles == {Role.PROVIDER_MANAGER}
    client.post(f"/team/{colleague.id}/roles", data={"roles": ["agency_administrator"]})
    assert colleague.roles == {Role.PROVIDER_MANAGER, Role.AGENCY_ADMINISTRATOR}

    manager = world.other_provider_manager
    assert client.post(f"/team/{manager.id}/disable").status_code == 302
    assert not manager.active


def test_a_provider_manager_without_the_role_cannot_administer(
    client: CheckedClient, world: World
) -> None:
    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    assert client.get("/team").status_code == 403


def test_the_first_administrator_comes_from_the_command_line(app: Flask, world: World) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(create_admin, ["First.Admin@council.example", "--name", "Fay First"])
    assert result.exit_code == 0, result.output
    found = _LINK.search(result.output)
    assert found, result.output
    admin = _user("first.admin@council.example")
    assert admin.roles == {Role.ADMINISTRATOR} and admin.status is AccountStatus.INVITED

    again = runner.invoke(create_admin, ["first.admin@council.example"])
    assert again.exit_code == 0, again.output
    newer = _LINK.search(again.output)
    assert newer and newer.group(1) != found.group(1), "a new link replaces the old"

    visitor: CheckedClient = app.test_client()  # type: ignore[assignment]
    assert (
        visitor.post(
            f"/set-password/{found.group(1)}", data={"password": GOOD_PASSWORD}
        ).status_code
        == 404
    )
    assert (
        visitor.post(
            f"/set-password/{newer.group(1)}", data={"password": GOOD_PASSWORD}
        ).status_code
        == 302
    )
    wrong = runner.invoke(create_admin, ["not an address", "--name", "X"])
    assert wrong.exit_code != 0 and "is not an email address" in wrong.output
    UserFactory(roles=[Role.CARE_MANAGER], email="carl@council.example")
    taken = runner.invoke(create_admin, ["carl@council.example"])
    assert taken.exit_code != 0 and "already has the email address" in taken.output
