"""How passwords are hashed: Argon2id (argon2-cffi), with its parameters set here and
nowhere else.

Hashes made before Argon2 (werkzeug's scrypt or pbkdf2) still verify, and so does an
Argon2 hash made with older parameters; either is replaced by a hash made now at the next
successful sign-in (``needs_rehash``), the one moment the password is known."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash

# OWASP's Password Storage Cheat Sheet: Argon2id, 19 MiB of memory, 2 passes, 1 lane at the
# least. These take about a twentieth of a second on one core; raise them as machines grow,
# and every account's hash follows at its next sign-in.
_HASHER = PasswordHasher(
    time_cost=3, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16
)
_ARGON2 = "$argon2"
# werkzeug's hashes start with their method: "scrypt:32768:8:1$salt$hash", "pbkdf2:sha256:…".
_WERKZEUG = ("scrypt:", "pbkdf2:")


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``, about 100 characters (``users.password_hash``
    holds 256)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` is the one ``password_hash`` was made from. A hash in no scheme
    the portal knows matches nothing."""
    if password_hash.startswith(_ARGON2):
        try:
            return _HASHER.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
    if password_hash.startswith(_WERKZEUG):
        return check_password_hash(password_hash, password)
    return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a hash that has just verified should be made again: it is not Argon2, or its
    parameters are not today's."""
    if not password_hash.startswith(_ARGON2):
        return True
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def scheme(password_hash: str | None) -> str:
    """The scheme's name, for the audit trail: 'argon2id', 'scrypt', 'pbkdf2' or 'none'."""
    if not password_hash:
        return "none"
    return password_hash.lstrip("$").split("$")[0].split(":")[0]
