"""The password policy, as the NCSC advises: length over complexity. No rules about capitals,
digits or symbols; instead a password must be long, and must not be one people often choose
(zxcvbn's estimate of how many guesses it would take, from lists of common and breached
passwords, words and names, and the person's own name and email address).

Before the estimate, a password is looked up, normalised, in the list of 30,000 passwords
most often found in breaches that zxcvbn ships (read from the installed package, so no
network and no copy here), and compared with the person's own name and email address: so
"Password123!", "P@ssw0rd2026" or "Priya.Shah@1990" are refused with the reason, however
the estimate would have scored them."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from flask import current_app
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

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


COMMON = (
    "Password is too common: it is on lists of passwords people often use, which are "
    "tried first. Choose a different one"
)
ABOUT_YOU = "Password must not include your name, your email address or the council's name"

# Light "leetspeak": the swaps people make to dress up a common word.
_LEET = str.maketrans(
    {"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t"}
)
# What people add around a common word to pass complexity rules: digits, symbols, spaces.
_PADDING = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@functools.cache
def _common() -> frozenset[str]:
    """zxcvbn's list of common passwords, each normalised as a typed password is."""
    return frozenset(_core(word, leet=False) for word in FREQUENCY_LISTS["passwords"])


def _core(password: str, *, leet: bool = True) -> str:
    """A password as it would be guessed: lower case, the digits and symbols padding either
    end dropped (unless that leaves nothing, as of "123456"), and, with ``leet``, "p@ssw0rd"
    read as "password"."""
    text = password.casefold().strip()
    text = _PADDING.sub("", text) or text
    return text.translate(_LEET) if leet else text


def password_problem(password: str, *, about: Iterable[str] = ()) -> str | None:
    """Why ``password`` cannot be used, in words for the person choosing it; None if it can.
    ``about`` holds what would be easy to guess about them: their name, email address, the
    council's name."""
    if len(password) < SHORTEST:
        return f"Password must be {SHORTEST} characters or more"
    if len(password) > LONGEST:
        return f"Password must be {LONGEST} characters or fewer"
    words = sorted({part.lower() for text in about for part in _parts(text) if len(part) >= 3})
    core = _core(password)
    if core in _common() or _core(password, leet=False) in _common():
        return COMMON
    if core and any(core == _core(word) for word in words):
        return ABOUT_YOU
    estimate = zxcvbn(password[:_ESTIMATED], user_inputs=words, max_length=_ESTIMATED)
    if estimate["score"] >= _STRONG_SCORE:
        return None
    found = {match.get("dictionary_name") for match in estimate["sequence"]}
    if "user_inputs" in found:
        return ABOUT_YOU
    if "passwords" in found:
        return COMMON
    return "Password is too easy to guess: try three random words together"


def problem_for(password: str, *, name: str, email: str) -> str | None:
    """``password_problem`` for a person's own account: their name, their email address
    and the council's name are what must not be in it."""
    return password_problem(password, about=(name, email, current_app.config["COUNCIL_NAME"]))


def _parts(text: str) -> list[str]:
    """A name or email address, and each word in it: 'priya.shah@brightwater.example' gives
    the whole address, 'priya', 'shah', 'brightwater' and 'example'."""
    pieces = [text]
    for separator in "@.-_ ":
        text = text.replace(separator, " ")
    return pieces + text.split()
