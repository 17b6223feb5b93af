import pytest

from bot.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hva er CIPS?", "nb"),
        ("Når starter utprøvingen av awareness and training?", "nb"),
        ("Hvor mange virksomheter kan delta?", "nb"),
        ("Hvem eier FinOps-området i MPS?", "nb"),
        ("What is CIPS?", "en"),
        ("When does the awareness and training pilot start?", "en"),
        ("How many agencies can join the pilot?", "en"),
        ("Who owns the FinOps area?", "en"),
        ("Can we transfer personal data to the US?", "en"),
        ("Kan vi overføre personopplysninger til USA?", "nb"),
        ("Schrems II", "nb"),
    ],
)
def test_detect_language_table(text, expected):
    assert detect_language(text) == expected


def test_detect_language_default_on_tie():
    assert detect_language("CIPS", default="en") == "en"


def test_detect_language_empty_text():
    assert detect_language("", default="nb") == "nb"


def test_detect_language_nordic_letters():
    assert detect_language("Grønne anskaffelser") == "nb"
