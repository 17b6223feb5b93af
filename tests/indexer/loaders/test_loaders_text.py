from __future__ import annotations

from pathlib import Path

import pytest

from indexer.loaders import MAX_FILE_BYTES, LoadError, load_document

NORWEGIAN = "Økonomi og skytjenester\n\nDette gjelder på tvers av sektorer.\nMed æøå.\n"


def test_text_cp1252_decoded(knowledge_dir: Path) -> None:
    path = knowledge_dir / "gammel.txt"
    path.write_bytes(NORWEGIAN.encode("cp1252"))
    document = load_document(path, knowledge_dir)
    assert document.sections[0].text == NORWEGIAN.strip()
    assert document.meta.language == "nb"


def test_text_utf8_bom_removed(knowledge_dir: Path) -> None:
    path = knowledge_dir / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + NORWEGIAN.encode("utf-8"))
    document = load_document(path, knowledge_dir)
    assert document.sections[0].text.startswith("Økonomi")
    assert document.meta.title == "bom"


def test_text_paragraphs_one_section(knowledge_dir: Path) -> None:
    path = knowledge_dir / "notes.txt"
    path.write_text("First paragraph.\r\n\r\n\r\n  \r\nSecond paragraph\r\nsecond line.\r\n")
    document = load_document(path, knowledge_dir)
    assert len(document.sections) == 1
    assert document.sections[0].text == "First paragraph.\n\nSecond paragraph\nsecond line."
    assert document.sections[0].heading_path == ()


@pytest.mark.parametrize(
    ("data", "reason_start"),
    [
        (b"", "empty document"),
        (b"  \n\r\n\t ", "empty document"),
        (b"text\x00with NUL", "binary content: it contains NUL bytes"),
        (bytes(range(1, 32)) * 40, "binary content"),
    ],
)
def test_text_rejected_content(knowledge_dir: Path, data: bytes, reason_start: str) -> None:
    path = knowledge_dir / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(LoadError) as caught:
        load_document(path, knowledge_dir)
    assert caught.value.reason.startswith(reason_start)


@pytest.mark.parametrize("suffix", [".txt", ".md", ".pdf", ".docx", ".html"])
def test_file_over_size_limit(knowledge_dir: Path, suffix: str) -> None:
    path = knowledge_dir / f"huge{suffix}"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(LoadError) as caught:
        load_document(path, knowledge_dir)
    assert "over the limit of 20 MB" in caught.value.reason
    assert "split it into smaller files" in caught.value.reason


def test_unsupported_suffix(knowledge_dir: Path) -> None:
    path = knowledge_dir / "routing.yaml"
    path.write_text("topics: []\n")
    with pytest.raises(LoadError) as caught:
        load_document(path, knowledge_dir)
    assert caught.value.reason.startswith("unsupported file type '.yaml'")


def test_missing_file(knowledge_dir: Path) -> None:
    with pytest.raises(LoadError) as caught:
        load_document(knowledge_dir / "gone.md", knowledge_dir)
    assert caught.value.reason.startswith("file not found")
    assert caught.value.path == Path("gone.md")
