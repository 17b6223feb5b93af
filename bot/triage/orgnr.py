"""Norwegian organisation numbers (organisasjonsnummer): 9 digits with a modulus-11 check.

The check digit is computed from the first eight digits with the weights 3, 2, 7, 6,
5, 4, 3, 2: the weighted sum's remainder r modulo 11 gives check digit 11 - r, or 0
when r is 0. A remainder of 1 would need the check digit 10, so no valid number has
such a prefix. The Central Coordinating Register (Enhetsregisteret) only hands out
numbers that start with 8 or 9, so "000000000", which passes the check, is rejected.
"""

from __future__ import annotations

from typing import Literal

WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
FIRST_DIGITS = ("8", "9")

OrganisationNumberProblem = Literal[
    "length", "digits", "first_digit", "check_digit", "remainder_one"
]


class OrganisationNumberError(ValueError):
    """An invalid organisation number; ``problem`` selects the message shown to the user."""

    def __init__(self, value: str, problem: OrganisationNumberProblem) -> None:
        super().__init__(f"invalid organisation number {value!r}: {problem.replace('_', ' ')}")
        self.value = value
        self.problem = problem


def check_digit(prefix: str) -> int | None:
    """Return the check digit for eight digits, or None when the remainder is 1."""
    remainder = sum(int(digit) * weight for digit, weight in zip(prefix, WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return 0
    if remainder == 1:
        return None
    return 11 - remainder


def validate_organisation_number(value: str) -> str:
    """Return the number without spaces; raise OrganisationNumberError when it is invalid.

    Spaces are allowed between digit groups, as in "974 760 673".
    """
    number = value.replace(" ", "").replace("\u00a0", "").strip()
    if not number.isascii() or not number.isdigit():
        problem: OrganisationNumberProblem = "digits" if number else "length"
        raise OrganisationNumberError(value, problem)
    if len(number) != 9:
        raise OrganisationNumberError(value, "length")
    if not number.startswith(FIRST_DIGITS):
        raise OrganisationNumberError(value, "first_digit")
    expected = check_digit(number[:8])
    if expected is None:
        raise OrganisationNumberError(value, "remainder_one")
    if int(number[8]) != expected:
        raise OrganisationNumberError(value, "check_digit")
    return number
