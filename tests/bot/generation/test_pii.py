import pytest

from bot.generation.pii import is_national_id, national_id_check_digits, redact


def valid_national_id(first_nine: str) -> str:
    digits = national_id_check_digits(first_nine)
    if digits is None:
        raise ValueError(f"{first_nine} has no valid check digits")
    return f"{first_nine}{digits[0]}{digits[1]}"


# Nine-digit prefixes: birth dates 01.01.90, 15.07.85, 29.02.00 and a D-number (day + 40).
PREFIXES = ["010190123", "150785456", "290200111", "410190123"]
VALID_IDS = [
    valid_national_id(prefix) for prefix in PREFIXES if national_id_check_digits(prefix) is not None
]


def test_check_digits_by_hand():
    # 010190123: weighted sum 100, 100 % 11 = 1, k1 = 10, so no valid number exists.
    assert national_id_check_digits("010190123") is None
    # 010190124: sum 102, k1 = 11 - 3 = 8; k2 sum 110, 110 % 11 = 0, so k2 = 0.
    assert national_id_check_digits("010190124") == (8, 0)
    assert is_national_id("01019012480")


def test_valid_ids_exist():
    assert len(VALID_IDS) >= 2


@pytest.mark.parametrize("number", VALID_IDS)
def test_valid_id_redacted(number):
    assert is_national_id(number)
    assert (
        redact(f"Mitt fødselsnummer er {number}.", "nb") == "Mitt fødselsnummer er [fødselsnummer]."
    )


@pytest.mark.parametrize("number", VALID_IDS)
def test_valid_id_with_space_redacted(number):
    spaced = f"{number[:6]} {number[6:]}"
    assert redact(f"Nummer {spaced} gjelder", "en") == "Nummer [identity number] gjelder"


def flip_last_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


INVALID_IDS = [
    *(flip_last_digit(number) for number in VALID_IDS),
    "12345678901",
    "00000000001",
    "11111111112",
]


@pytest.mark.parametrize("number", INVALID_IDS)
def test_invalid_id_left_alone(number):
    assert not is_national_id(number)
    assert redact(f"Saksnummer {number} ble opprettet", "nb") == (
        f"Saksnummer {number} ble opprettet"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ring meg på 91234567", "Ring meg på [telefon]"),
        ("Ring meg på 912 34 567", "Ring meg på [telefon]"),
        ("Ring meg på 22 33 44 55", "Ring meg på [telefon]"),
        ("Ring meg på +47 912 34 567", "Ring meg på [telefon]"),
        ("Ring meg på +4791234567", "Ring meg på [telefon]"),
        ("Ring meg på 0047 91234567", "Ring meg på [telefon]"),
        ("Ring +46 70 123 45 67 i Sverige", "Ring [telefon] i Sverige"),
        ("Ring +1 415 555 0100", "Ring [telefon]"),
        ("Skriv til kari.nordmann@dfo.no i dag", "Skriv til [e-post] i dag"),
        ("Skriv til ola+mps@etat.kommune.no.", "Skriv til [e-post]."),
    ],
)
def test_contact_details_redacted(text, expected):
    assert redact(text, "nb") == expected


@pytest.mark.parametrize(
    "text",
    [
        "CIPS har 3 leverandører og 120 kunder",
        "Organisasjonsnummer 974760673 er DFØs",
        "Avtalen gjelder fra 2025",
        "Se kapittel 4.2 i veilederen",
    ],
)
def test_other_numbers_kept(text):
    assert redact(text, "nb") == text


def test_english_placeholders():
    text = "Call +47 91234567 or mail a@b.no"
    assert redact(text, "en") == "Call [phone] or mail [e-mail]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@U024BE7LH> vet dette", "[person] vet dette"),
        ("Spør <@W0123ABCD|kari> om CIPS", "Spør [person] om CIPS"),
        ("Kari Nordmann sa at CIPS starter", "[person] sa at CIPS starter"),
        ("kari nordmann sa det", "[person] sa det"),
        ("Hei @Kari Nordmann!", "Hei [person]!"),
        ("Karine er ikke Kari Nordmann", "Karine er ikke [person]"),
        ("U024BE7LH skrev", "[person] skrev"),
    ],
)
def test_people_redacted(text, expected):
    assert redact(text, "nb", {"U024BE7LH": "Kari Nordmann"}) == expected


def test_short_names_ignored():
    assert redact("Et svar på A", "nb", {"U1": "A"}) == "Et svar på A"
