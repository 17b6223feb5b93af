from typing import get_args

import pytest

from bot.prompts import message
from bot.triage.orgnr import (
    OrganisationNumberError,
    OrganisationNumberProblem,
    check_digit,
    validate_organisation_number,
)


def brute_force_valid(prefix: str) -> str | None:
    """Find the one check digit whose weighted sum is divisible by 11, the slow way."""
    weights = (3, 2, 7, 6, 5, 4, 3, 2, 1)
    for digit in "0123456789":
        number = prefix + digit
        if sum(int(d) * w for d, w in zip(number, weights, strict=True)) % 11 == 0:
            return number
    return None


@pytest.mark.parametrize(
    "number", ["974760673", "974 760 673", "810000007", "923456783", "889640782"]
)
def test_valid_numbers_accepted(number):
    assert validate_organisation_number(number) == number.replace(" ", "")


def test_check_digit_by_hand():
    # 9·3 + 7·2 + 4·7 + 7·6 + 6·5 + 0·4 + 6·3 + 7·2 = 173; 173 mod 11 = 8; 11 - 8 = 3.
    assert check_digit("97476067") == 3


@pytest.mark.parametrize("prefix", ["97476067", "12345678", "81000000", "99999999", "00000000"])
def test_check_digit_matches_brute_force(prefix):
    expected = brute_force_valid(prefix)
    digit = check_digit(prefix)
    assert (None if digit is None else prefix + str(digit)) == expected


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("97476067", "length"),
        ("9747606733", "length"),
        ("", "length"),
        ("97476067a", "digits"),
        ("NO974760673", "digits"),
        ("974-760-673", "digits"),
        ("９７４７６０６７３", "digits"),
        ("974760672", "check_digit"),
        ("923456789", "check_digit"),
        ("800000051", "remainder_one"),
        ("900000095", "remainder_one"),
        ("000000000", "first_digit"),
        ("000 000 000", "first_digit"),
        ("123456785", "first_digit"),
        ("700000000", "first_digit"),
    ],
)
def test_invalid_numbers_rejected(number, problem):
    with pytest.raises(OrganisationNumberError) as raised:
        validate_organisation_number(number)
    assert raised.value.problem == problem


@pytest.mark.parametrize("prefix", ["00000006", "00000023", "00000037"])
def test_remainder_one_prefixes_have_no_digit(prefix):
    assert check_digit(prefix) is None
    assert brute_force_valid(prefix) is None


@pytest.mark.parametrize("problem", get_args(OrganisationNumberProblem))
@pytest.mark.parametrize("language", ["nb", "en"])
def test_every_problem_has_message(problem, language):
    assert message(f"triage.orgnr_{problem}", language, value="000000000")


@pytest.mark.parametrize("language", ["nb", "en"])
def test_first_digit_message_names_value(language):
    text = message("triage.orgnr_first_digit", language, value="000 000 000")
    assert "000 000 000" in text
    assert "8" in text
    assert "9" in text
