"""Redaction of personal data in a question before it goes to an external endpoint.

Replaced, in this order: Slack user mentions and the display names the caller
passes, e-mail addresses, Norwegian national identity numbers (fødselsnummer and
D-numbers, recognised by their two mod-11 check digits) and phone numbers. An
11-digit number whose check digits do not match is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.prompts import message
from indexer.models import Language

# Weights of the two check digits, from the Norwegian population register's rules.
_K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
# Eleven digits, optionally written as 6 + 5 with a space between date and number.
_ELEVEN_DIGITS = re.compile(r"(?<![\d+])(\d{6}) ?(\d{5})(?!\d)")
_PHONE_PATTERNS = (
    # International: +<country code> or 00<country code>, then 6–14 digits in groups.
    re.compile(r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}(?:[ -]?\d){6,14}(?!\d)"),
    # Norwegian 8 digits: 12345678, 123 45 678, 12 34 56 78.
    re.compile(r"(?<![\d+])(?:\d{3} \d{2} \d{3}|\d{2} \d{2} \d{2} \d{2}|\d{8})(?!\d)"),
)
MIN_NAME_CHARS = 2


def _check_digit(digits: list[int], weights: tuple[int, ...]) -> int | None:
    remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
    check = (11 - remainder) % 11
    return None if check == 10 else check


def national_id_check_digits(first_nine: str) -> tuple[int, int] | None:
    """Return the check digits k1, k2 for nine digits, or None when no valid pair exists."""
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise ValueError(f"expected nine digits, got {first_nine!r}")
    digits = [int(c) for c in first_nine]
    k1 = _check_digit(digits, _K1_WEIGHTS)
    if k1 is None:
        return None
    k2 = _check_digit([*digits, k1], _K2_WEIGHTS)
    if k2 is None:
        return None
    return k1, k2


def is_national_id(number: str) -> bool:
    """Return True when ``number`` is 11 digits whose last two are valid check digits."""
    digits = number.replace(" ", "")
    if len(digits) != 11 or not digits.isdigit():
        return False
    return national_id_check_digits(digits[:9]) == (int(digits[9]), int(digits[10]))


def _replace_names(text: str, names: list[str], placeholder: str) -> str:
    # Longest first, so "Kari Nordmann" is replaced before "Kari".
    for name in sorted(set(names), key=len, reverse=True):
        pattern = re.compile(rf"(?<!\w)@?{re.escape(name)}(?!\w)", re.IGNORECASE)
        text = pattern.sub(placeholder, text)
    return text


def redact(text: str, language: Language, people: Mapping[str, str] | None = None) -> str:
    """Return ``text`` with personal data replaced by placeholders in ``language``.

    ``people`` maps Slack user ids to display or real names. Mentions of any user
    id and every listed name become the person placeholder.
    """
    person = message("llm.placeholder_person", language)
    text = _MENTION.sub(person, text)
    if people:
        names = [n.strip() for n in people.values() if len(n.strip()) >= MIN_NAME_CHARS]
        text = _replace_names(text, [*names, *people.keys()], person)
    text = _EMAIL.sub(message("llm.placeholder_email", language), text)

    identity = message("llm.placeholder_identity_number", language)

    def replace_identity(match: re.Match[str]) -> str:
        return identity if is_national_id(match.group(1) + match.group(2)) else match.group(0)

    text = _ELEVEN_DIGITS.sub(replace_identity, text)
    phone = message("llm.placeholder_phone", language)
    for pattern in _PHONE_PATTERNS:
        text = pattern.sub(phone, text)
    return text
