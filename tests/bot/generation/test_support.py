import pytest
from llm_cases import CIPS, CIPS_EN, FINOPS

from bot.generation.support import (
    MIN_LEXICAL_OVERLAP,
    MIN_SEMANTIC_SIMILARITY,
    SupportChecker,
    lexical_overlap,
)


@pytest.fixture(scope="module")
def checker(embedder):
    return SupportChecker(embedder)


@pytest.mark.parametrize(
    ("sentence", "chunk"),
    [
        ("CIPS står for Cloud Infrastructure and Platform Services.", CIPS),
        ("Konkurransen gjelder infrastruktur- og plattformtjenester i offentlig sky.", CIPS),
        ("Avtalen omfatter containere og multisky.", CIPS),
        ("FinOps er en arbeidsmåte for å styre kostnader ved skytjenester.", FINOPS),
        ("CIPS stands for Cloud Infrastructure and Platform Services.", CIPS_EN),
    ],
)
def test_supported_pairs(checker, sentence, chunk):
    support = checker.score([(sentence, chunk)])[0]
    assert support.lexical >= MIN_LEXICAL_OVERLAP
    assert support.semantic >= MIN_SEMANTIC_SIMILARITY
    assert support.supported


@pytest.mark.parametrize(
    ("sentence", "chunk"),
    [
        ("FinOps er en arbeidsmåte for å styre kostnadene ved skytjenester.", CIPS),
        ("CIPS står for Cloud Infrastructure and Platform Services.", FINOPS),
        ("DFØ driver et nettverk der virksomheter deler erfaringer.", CIPS),
        ("Avtalen varer i ti år og koster fem milliarder kroner.", CIPS),
    ],
)
def test_unsupported_pairs(checker, sentence, chunk):
    assert not checker.score([(sentence, chunk)])[0].supported


def test_quote_is_best_chunk_sentence(checker):
    support = checker.score([("Avtalen omfatter containere og multisky.", CIPS)])[0]
    assert support.quote == "Avtalen omfatter også containere og multisky."


def test_score_keeps_pair_order(checker):
    pairs = [
        ("FinOps styrer kostnadene ved skytjenester.", FINOPS),
        ("CIPS står for Cloud Infrastructure and Platform Services.", CIPS),
    ]
    supports = checker.score(pairs)
    assert supports[0].quote.startswith("FinOps")
    assert supports[1].quote.startswith("CIPS")


def test_score_empty(checker):
    assert checker.score([]) == []


@pytest.mark.parametrize(
    ("sentence", "text", "expected"),
    [
        ("CIPS er en avtale", "CIPS er en avtale om sky", 1.0),
        ("CIPS er en avtale", "FinOps handler om kostnader", 0.0),
        ("og er det", "CIPS", 0.0),
        ("Avtalene gjelder skytjenester", "avtale for skytjeneste", 2 / 3),
    ],
)
def test_lexical_overlap_cases(sentence, text, expected):
    assert lexical_overlap(sentence, text) == pytest.approx(expected)
