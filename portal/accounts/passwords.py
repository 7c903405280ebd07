"""The password policy, as the NCSC advises: length over complexity. No rules about capitals,
digits or symbols; instead a password must be long, and must not be one people often choose
(zxcvbn's estimate of how many guesses it would take, from lists of common and breached
passwords, words and names, and the person's own name and email address)."""

from __future__ import annotations

from collections.abc import Iterable

from zxcvbn import zxcvbn

SHORTEST = 12
LONGEST = 256
# zxcvbn's own limit: past it the estimate is made on the first 72 characters, which a
# longer password holds anyway.
_ESTIMATED = 72
# At least 10^10 guesses (zxcvbn's score 4): three random words pass, "Summer2026!!" does not.
_STRONG_SCORE = 4

HINT = (
    f"Use at least {SHORTEST} characters. Three random words together make a strong password "
    "that is easy to remember, for example the names of three things you can see now. "
    "Do not use a password you use anywhere else."
)


def password_problem(password: str, *, about: Iterable[str] = ()) -> str | None:
    """Why ``password`` cannot be used, in words for the person choosing it; None if it can.
    ``about`` holds what would be easy to guess about them: their name, email address, the
    council's name."""
    if len(password) < SHORTEST:
        return f"Password must be {SHORTEST} characters or more"
    if len(password) > LONGEST:
        return f"Password must be {LONGEST} characters or fewer"
    words = sorted({part.lower() for text in about for part in _parts(text) if len(part) >= 3})
    estimate = zxcvbn(password[:_ESTIMATED], user_inputs=words, max_length=_ESTIMATED)
    if estimate["score"] >= _STRONG_SCORE:
        return None
    found = {match.get("dictionary_name") for match in estimate["sequence"]}
    if "user_inputs" in found:
        return "Password must not include your name, your email address or the council's name"
    if "passwords" in found:
        return "Password is too common: choose one that people do not often use"
    return "Password is too easy to guess: try three random words together"


def _parts(text: str) -> list[str]:
    """A name or email address, and each word in it: 'priya.shah@brightwater.example' gives
    the whole address, 'priya', 'shah', 'brightwater' and 'example'."""
    pieces = [text]
    for separator in "@.-_ ":
        text = text.replace(separator, " ")
    return pieces + text.split()
