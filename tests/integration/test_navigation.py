"""The header's menu: every role's sections on one row at desktop widths, those without room
folded into "More" (a page listing them all), and the current section marked."""

from __future__ import annotations

from typing import Any

import html5lib

from portal.common.roles import Role
from tests.client import text_of
from tests.factories import UserFactory
from tests.fixtures import World, sign_in


def _menu(response: Any) -> list[tuple[str, bool]]:
    """(label, current) for each item of the navigation labelled Menu."""
    tree = html5lib.parse(response.get_data(as_text=True), namespaceHTMLElements=False)
    nav = next(n for n in tree.iter("nav") if n.get("aria-label") == "Menu")
    return [
        ("".join(a.itertext()).strip(), a.get("aria-current") is not None) for a in nav.iter("a")
    ]


def test_a_provider_manager_sees_every_section_and_no_more(as_role) -> None:
    menu = _menu(as_role(Role.PROVIDER_MANAGER).get("/what-needs-you"))
    assert menu == [
        ("What needs you", True),
        ("Service users", False),
        ("Outcome returns", False),
        ("Recommendations", False),
        ("Payments", False),
        ("Capacity", False),
    ]


def test_sections_without_room_fold_into_more(client, world: World) -> None:
    officer = UserFactory(roles=[Role.COMMISSIONER, Role.CARE_MANAGER], name="Mo Manyhats")
    sign_in(client, officer)
    menu = _menu(client.get("/what-needs-you"))
    labels = [label for label, _ in menu]
    assert labels[0] == "What needs you" and labels[-1] == "More"
    assert "Rate card" not in labels
    # On a folded section's page, "More" is the current item; its page lists every section.
    assert ("More", True) in _menu(client.get("/rate-card"))
    sections = text_of(client.get("/sections"))
    for section in ("Review queue", "Providers", "Rate card", "Case system import", "Settings"):
        assert section in sections


def test_the_account_area_is_in_the_header_not_the_menu(as_role) -> None:
    page = as_role(Role.PROVIDER_MANAGER).get("/what-needs-you")
    assert "Sign out" not in [label for label, _ in _menu(page)]
    tree = html5lib.parse(page.get_data(as_text=True), namespaceHTMLElements=False)
    account = next(n for n in tree.iter("nav") if n.get("aria-label") == "Your account")
    words = " ".join("".join(account.itertext()).split())
    assert words == "Signed in as Priya Provider, Brightwater Home Care Your account Sign out"
    form = next(account.iter("form"))
    assert form.get("method") == "post" and form.find(".//input[@name='csrf_token']") is not None
