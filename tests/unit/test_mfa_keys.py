"""The authenticator app's key: sealed under SECRET_KEY (and unreadable under another),
shown in fours, and its codes accepted within one time step of now, each step once."""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest
import segno
from flask import Flask

from portal.accounts.mfa import keys

NOW = 1_780_000_015.0  # 15 seconds into a time step


def _app(secret_key: str, *fallbacks: str) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key,
        SECRET_KEY_FALLBACKS=list(fallbacks),
        COUNCIL_NAME="Testshire County Council",
    )
    return app


@pytest.fixture(autouse=True)
def _context() -> Iterator[None]:
    with _app("one key for the unit tests, long enough").app_context():
        yield


def test_the_key_is_sealed_and_only_today_s_secret_key_opens_it() -> None:
    secret = keys.new_secret()
    sealed = keys.seal(secret)
    assert secret not in sealed
    assert keys.unseal(sealed) == secret
    with _app("a rotated secret key, quite different").app_context():
        assert keys.unseal(sealed) is None
    assert keys.unseal("not sealed at all") is None


def test_a_secret_key_being_rotated_out_still_opens_and_the_key_moves_to_the_new_one() -> None:
    old, new = "the secret key before rotation, long", "the secret key after rotation, long"
    with _app(old).app_context():
        secret = keys.new_secret()
        sealed = keys.seal(secret)
    with _app(new, old).app_context():
        assert keys.unseal(sealed) == secret
        moved = keys.sealed_again(sealed)
    with _app(new).app_context():
        assert keys.unseal(moved) == secret
        assert keys.unseal(sealed) is None


def test_the_key_is_shown_in_groups_of_four() -> None:
    assert keys.grouped("ABCDEFGHIJKLMNOP") == "ABCD EFGH IJKL MNOP"


def test_codes_within_one_step_of_now_are_accepted_and_say_which_step() -> None:
    secret = keys.new_secret()
    totp = pyotp.TOTP(secret)
    step = totp.timecode(NOW)
    for offset in (-1, 0, 1):
        code = totp.generate_otp(step + offset)
        assert keys.matching_step(secret, code, after=None, now=NOW) == step + offset
    for offset in (-2, 2):
        code = totp.generate_otp(step + offset)
        assert keys.matching_step(secret, code, after=None, now=NOW) is None


def test_a_step_already_used_or_an_earlier_one_is_refused() -> None:
    secret = keys.new_secret()
    totp = pyotp.TOTP(secret)
    step = totp.timecode(NOW)
    assert keys.matching_step(secret, totp.generate_otp(step), after=step, now=NOW) is None
    assert keys.matching_step(secret, totp.generate_otp(step - 1), after=step, now=NOW) is None
    assert keys.matching_step(secret, totp.generate_otp(step + 1), after=step, now=NOW) == step + 1


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "12345a", "１２３４５６"])
def test_anything_but_six_digits_matches_nothing(typed: str) -> None:
    assert keys.matching_step(keys.new_secret(), typed, after=None, now=NOW) is None


def test_spaces_and_dashes_people_type_are_let_go() -> None:
    assert keys.digits(" 123 456 ") == "123456"
    assert keys.recovery_form(" ABCDE-23456 ") == "abcde23456"


def test_the_qr_code_holds_the_otpauth_address() -> None:
    secret = keys.new_secret()
    uri = keys.provisioning_uri(secret, "carl@council.example")
    assert uri.startswith("otpauth://totp/Testshire%20County%20Council:carl%40council.example?")
    assert f"secret={secret}" in uri
    # The picture is the one segno makes of that address: the same modules, as SVG.
    expected = segno.make(uri, error="m").svg_data_uri(
        scale=5, border=4, dark="#0b0c0c", light="#fff"
    )
    assert keys.qr_code(uri) == expected
    assert keys.qr_code(uri).startswith("data:image/svg+xml")
    assert "script" not in keys.qr_code(uri)


def test_recovery_codes_are_ten_characters_without_look_alikes() -> None:
    codes = {keys.new_recovery_code() for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        first, second = code.split("-")
        assert len(first) == len(second) == 5
        assert not set(first + second) & set("01ilo")
