import pytest

from indexer.tokens import tokenize, words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Skytjenester", ["skytjenest"]),
        ("skytjeneste", ["skytjenest"]),
        ("Services", ["servic"]),
        ("service", ["servic"]),
        ("2023-12-14", ["2023", "12", "14"]),
        ("og i på the", []),
        ("Løsningene", ["løsning"]),
    ],
)
def test_tokenize_cases(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_words_keeps_stop_words() -> None:
    assert words("Og DFØ, 12 år") == ["og", "dfø", "12", "år"]


def test_tokenize_splits_underscore() -> None:
    assert tokenize("data_dir") == tokenize("data dir")
