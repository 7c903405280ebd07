"""NHS numbers: ten digits, the last a modulus 11 check digit."""

from __future__ import annotations


def normalise_nhs_number(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace() and ch != "-")


def is_valid_nhs_number(text: str) -> bool:
    digits = normalise_nhs_number(text)
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * weight for d, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(digits[9])


def format_nhs_number(digits: str | None) -> str:
    if not digits:
        return ""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
