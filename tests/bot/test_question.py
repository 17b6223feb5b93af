import pytest

from bot.question import build_query, clean_question, is_follow_up


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hva\x00 er\x07 CIPS?", "Hva er CIPS?"),
        ("  Hva\ner\tCIPS?  ", "Hva er CIPS?"),
        ("\u200bHva er CIPS?", "Hva er CIPS?"),
    ],
)
def test_clean_question_table(raw, expected):
    assert clean_question(raw) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("og når starter den?", True),
        ("what about the cost?", True),
        ("Hvor mye koster det?", True),
        ("Hva er fristen for å levere tilbud i konkurransen om CIPS-avtalen?", False),
        ("How many agencies can join the Awareness and Training pilot?", False),
    ],
)
def test_is_follow_up_table(question, expected):
    assert is_follow_up(question) is expected


def test_build_query_adds_previous_terms():
    query = build_query("og når starter den?", ["Hva er utprøvingen av Threat Intelligence?"])
    assert "Threat" in query.search_text
    assert query.follow_up_of == "Hva er utprøvingen av Threat Intelligence?"


def test_build_query_standalone_question():
    query = build_query("Hva står CIPS for?", ["Hva er FinOps?"])
    assert query.search_text == "Hva står CIPS for?"
    assert query.follow_up_of is None
