from __future__ import annotations

import pytest

from indexer.loaders.language import detect_language, language_from_tag
from indexer.loaders.metadata import default_id


@pytest.mark.parametrize(
    ("relative_path", "expected"),
    [
        ("cyber/FAQ Cyber.md", "cyber/faq-cyber"),
        ("økonomi.md", "okonomi"),
        ("Legal/Overføring_til_tredjeland.PDF", "legal/overforing-til-tredjeland"),
        ("a/b/c.d.txt", "a/b/c-d"),
        ("Ærlig på ÅPENHET.html", "aerlig-pa-apenhet"),
        ("!!!.md", "document"),
        ("x" * 300 + ".md", "x" * 200),
    ],
)
def test_default_id_slugifies(relative_path: str, expected: str) -> None:
    assert default_id(relative_path) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dette er en veileder om skytjenester for offentlig sektor.", "nb"),
        ("This is guidance on cloud services for the public sector.", "en"),
        ("Blåbærsyltetøy", "nb"),
        ("CIPS 2024", "nb"),
        ("", "nb"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("nb-NO", "nb"), ("no", "nb"), ("nn", "nb"), ("en_GB", "en"), ("EN", "en"), ("de", None)],
)
def test_language_from_tag(tag: str, expected: str | None) -> None:
    assert language_from_tag(tag) == expected
