"""The password policy refuses what is on the common passwords list (as zxcvbn ships it),
dressed up or not, and what is made of the person's own name or email address, saying why;
long passphrases pass."""

from __future__ import annotations

import pytest

from portal.accounts.passwords import ABOUT_YOU, COMMON, LONGEST, password_problem

ABOUT = ("Priya Shah", "priya.shah@brightwater.example", "Riverside Council")


@pytest.mark.parametrize(
    "password",
    [
        "Password123!",  # a common word padded to pass complexity rules
        "P@ssw0rd2026",  # and dressed up in leetspeak
        "QWERTYUIOP123",
        "iloveyou12345",
        "123456789012",
        "  sunshine2026!!  ",
    ],
)
def test_a_common_password_is_refused_as_common(password: str) -> None:
    assert password_problem(password, about=ABOUT) == COMMON


@pytest.mark.parametrize("password", ["priyashah!!!!", "Brightwater2026", "priya.shah1990"])
def test_a_password_made_of_the_persons_name_or_address_is_refused(password: str) -> None:
    assert password_problem(password, about=ABOUT) == ABOUT_YOU


@pytest.mark.parametrize(
    "password",
    [
        "lantern walnut harbour",
        "correct horse battery staple",
        ("the kettle sings before the rain " * 8)[:LONGEST],
    ],
)
def test_a_long_passphrase_is_allowed(password: str) -> None:
    assert password_problem(password, about=ABOUT) is None


def test_the_length_is_bounded_both_ways() -> None:
    assert password_problem("short words", about=ABOUT) == "Password must be 12 characters or more"
    too_long = "lantern walnut harbour " * 12
    assert password_problem(too_long, about=ABOUT) == (
        f"Password must be {LONGEST} characters or fewer"
    )
