from __future__ import annotations

from pathlib import Path

import pytest

from indexer.loaders import LoadError, load_document
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


def write_with_id(knowledge_dir: Path, front_matter_id: str) -> Path:
    path = knowledge_dir / "doc.md"
    quoted = front_matter_id.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    path.write_text(f'---\nid: "{quoted}"\n---\n# Tittel\n\nTekst.\n', encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("front_matter_id", "expected"),
    [
        ("faq-cips-en", "faq-cips-en"),
        ("cyber/faq-cyber", "cyber/faq-cyber"),
        ("  cips  ", "cips"),
        ("v1.2_notes", "v1.2_notes"),
        ("FAQ-Cips", "FAQ-Cips"),
        ("x" * 200, "x" * 200),
    ],
)
def test_front_matter_id_accepted(knowledge_dir: Path, front_matter_id: str, expected: str) -> None:
    document = load_document(write_with_id(knowledge_dir, front_matter_id), knowledge_dir)
    assert document.meta.id == expected


@pytest.mark.parametrize(
    "front_matter_id",
    [
        "   ",
        "a\nb",
        "a b",
        "../../etc/passwd",
        "a/../b",
        "/etc/passwd",
        "a/",
        "a//b",
        "a:b/c::d",
        "faq\u202ecips",
        "faq\u200bcips",
        "-cips",
        ".hidden",
        "x" * 201,
    ],
)
def test_front_matter_id_rejected(knowledge_dir: Path, front_matter_id: str) -> None:
    with pytest.raises(LoadError) as caught:
        load_document(write_with_id(knowledge_dir, front_matter_id), knowledge_dir)
    reason = caught.value.reason
    assert reason.startswith("front matter field 'id': invalid id ")
    assert "use lowercase letters, digits" in reason
    assert len(reason) < 500


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Veileder\u202e om sky", "Veileder om sky"),
        ("Veileder\tom\u0007 sky", "Veileder om sky"),
        ("Veileder\u200b", "Veileder"),
    ],
)
def test_title_control_characters_removed(knowledge_dir: Path, title: str, expected: str) -> None:
    path = knowledge_dir / "doc.md"
    escaped = title.encode("unicode_escape").decode("ascii")
    path.write_text(f'---\ntitle: "{escaped}"\n---\n# Tittel\n\nTekst.\n', encoding="utf-8")
    document = load_document(path, knowledge_dir)
    assert document.meta.title == expected


def test_long_value_shown_bounded(knowledge_dir: Path) -> None:
    path = knowledge_dir / "doc.md"
    items = ", ".join(["x" * 50] * 2000)
    path.write_text(f"---\nkind: [{items}]\n---\n# Tittel\n\nTekst.\n", encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_document(path, knowledge_dir)
    assert caught.value.reason.startswith("front matter field 'kind': invalid value [")
    assert len(caught.value.reason) < 500
