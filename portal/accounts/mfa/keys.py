"""The authenticator app's key: made, shown as a QR code and as text, kept encrypted, and
checked against the six-digit codes the app shows.

The key is encrypted at rest with Fernet (AES with an HMAC) under a key derived from
SECRET_KEY by HKDF, so a copy of the database alone does not give anyone's codes away.
A key sealed under one of SECRET_KEY_FALLBACKS (Flask's setting for a secret key being
rotated out) still opens, and is sealed again under SECRET_KEY at its next accepted code;
one sealed under a secret key no longer named opens nothing, and its person needs an
administrator's reset.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import time

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

STEP_SECONDS = 30
DIGITS = 6
# Codes from the step before and after now are accepted too (pyotp's valid_window=1): the
# phone's clock may be a little out, and the person takes a moment to type.
VALID_WINDOW = 1
# Recovery codes: ten characters each, from an alphabet with no look-alikes (no 0/o, 1/l/i).
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 10
_CONTEXT = b"portal: multi-factor sign-in keys, v1"


def new_secret() -> str:
    """A random key of 160 bits, in base32 as authenticator apps take it."""
    return pyotp.random_base32()


def _fernet(secret_key: object) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CONTEXT).derive(
        str(secret_key).encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _fernets() -> MultiFernet:
    """SECRET_KEY's first (it seals), then each of SECRET_KEY_FALLBACKS (they only open)."""
    config = current_app.config
    return MultiFernet(
        [
            _fernet(key)
            for key in (config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or []))
        ]
    )


def seal(secret: str) -> str:
    """``secret`` encrypted, for the database (or the cookie while it is being enrolled)."""
    return _fernets().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str | None:
    """The key ``seal`` encrypted, or None if no secret key named now sealed it."""
    try:
        return _fernets().decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def sealed_again(sealed: str) -> str:
    """``sealed`` as SECRET_KEY seals it now (one sealed under a fallback moves over)."""
    return _fernets().rotate(sealed.encode()).decode()


def grouped(secret: str) -> str:
    """The key in groups of four, as a person types it into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// address an app reads from the QR code: the key, the account and the
    portal's name, so the app lists it as "Northfield Borough Council (name@council)"."""
    issuer = str(current_app.config["COUNCIL_NAME"])
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=email, issuer_name=issuer
    )


def qr_code(uri: str) -> str:
    """The QR code of ``uri`` as an SVG ``data:`` address for an <img> (the CSP allows images
    from data: and no inline style or script), dark on white with a quiet zone."""
    return str(
        segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#0b0c0c", light="#fff")
    )


def digits(typed: str) -> str:
    """What was typed, less the spaces and dashes people put in codes."""
    return "".join(typed.split()).replace("-", "")


def matching_step(
    secret: str, code: str, *, after: int | None, now: float | None = None
) -> int | None:
    """The time step whose code ``code`` is, within ``VALID_WINDOW`` steps of now and later
    than ``after`` (the last step accepted, so no code is accepted twice), or None."""
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = totp.timecode(time.time() if now is None else now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_code() -> str:
    """One recovery code, as shown: two groups of five."""
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def recovery_form(typed: str) -> str:
    """A recovery code as hashed and compared: lower case, without spaces or dashes."""
    return digits(typed).lower()
