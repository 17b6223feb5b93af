"""Hostile and broken documents side by side with good ones in one knowledge directory.

One index run must report every bad file with its path and a reason, index every
good file, and never read an oversized file into memory whole.
"""

from __future__ import annotations

import io
import os
import tracemalloc
from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from rel_support import DOCUMENTS, write_knowledge

from indexer.config import IndexConfig
from indexer.embedding import Embedder
from indexer.loaders import LoadError, load_document
from indexer.pipeline import IndexReport, run_index

HUGE_BYTES = 50 * 1024 * 1024
GOOD_NORDIC = (
    "---\nid: saeravtale\ntitle: Særavtale for små virksomheter\ntopic: cips\n---\n\n"
    "# Særavtale\n\nSmå virksomheter kan bruke særavtalen når de kjøper skytjenester i CIPS.\n"
)
GOOD_DEEP_HTML = (
    "<html lang='nb'><head><title>Dyp side</title></head><body>"
    + "<div>" * 5000
    + "<p>Dette er en dypt nestet side om avrop i CIPS.</p>"
    + "</div>" * 5000
    + "</body></html>"
)

# Relative path of each bad file and a word its reason must contain.
EXPECTED_FAILURES: dict[str, str] = {
    "bad/empty.md": "empty",
    "bad/whitespace.md": "empty",
    "bad/junk.md": "binary",
    "bad/huge.txt": "limit",
    "bad/no-text-layer.pdf": "text",
    "bad/encrypted.pdf": "encrypted",
    "bad/broken.pdf": "PDF",
    "bad/broken.docx": "DOCX",
    "bad/encrypted.docx": "DOCX",
    "bad/wrong-kind.md": "kind",
    "bad/wrong-date.md": "published",
    "bad/title-list.md": "title",
    "bad/outside-link.md": "outside",
    "outside-dir": "outside",
    # Documents load in path order, so the later file with a taken id is the one skipped.
    "zz/duplicate.md": "duplicate",
}


def pdf_bytes(text: str | None) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    if text is None:
        pdf.rect(20, 20, 100, 60, style="F")  # a drawing, no text layer
    else:
        pdf.set_font("helvetica", size=12)
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf_bytes("Hemmelig innhold om CIPS."))).pages:
        writer.add_page(page)
    writer.encrypt(user_password="hemmelig", owner_password="eier", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write_huge_text(path: Path) -> None:
    line = b"Dette er en lang linje om skytjenester og avrop i CIPS.\n"
    block = line * (1024 * 1024 // len(line))
    with path.open("wb") as out:
        while out.tell() < HUGE_BYTES:
            out.write(block)


def write_hostile(knowledge: Path, outside: Path) -> None:
    bad = knowledge / "bad"
    bad.mkdir(parents=True)
    (bad / "empty.md").write_bytes(b"")
    (bad / "whitespace.md").write_text(" \n\t\n", encoding="utf-8")
    (bad / "junk.md").write_bytes(os.urandom(4096) + b"\x00" * 16)
    write_huge_text(bad / "huge.txt")
    (bad / "no-text-layer.pdf").write_bytes(pdf_bytes(None))
    (bad / "encrypted.pdf").write_bytes(encrypted_pdf())
    (bad / "broken.pdf").write_bytes(pdf_bytes("Avrop i CIPS.")[:300])
    (bad / "broken.docx").write_bytes(b"PK\x03\x04" + os.urandom(2000))
    # An encrypted Office file is an OLE compound file, not a ZIP archive.
    (bad / "encrypted.docx").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + os.urandom(4000))
    (bad / "wrong-kind.md").write_text("---\nkind: 42\n---\n\n# X\n\nTekst.\n", "utf-8")
    (bad / "wrong-date.md").write_text("---\npublished: i fjor\n---\n\n# X\n\nTekst.\n", "utf-8")
    (bad / "title-list.md").write_text("---\ntitle: [a, b]\n---\n\n# X\n\nTekst.\n", "utf-8")
    (knowledge / "zz").mkdir()
    (knowledge / "zz" / "duplicate.md").write_text(
        "---\nid: cips-frist\ntitle: Kopi\n---\n\n# Kopi\n\nEn kopi med samme id.\n", "utf-8"
    )
    outside.write_text("# Utenfor\n\nDenne filen ligger utenfor kunnskapsmappen.\n", "utf-8")
    (bad / "outside-link.md").symlink_to(outside)
    (knowledge / "outside-dir").symlink_to(outside.parent, target_is_directory=True)

    (knowledge / "cips" / "særavtale-øvre-grense-å.md").write_text(GOOD_NORDIC, "utf-8")
    (knowledge / "cips" / "dyp.html").write_text(GOOD_DEEP_HTML, "utf-8")
    # Megabytes of markup, scripts and empty elements around one paragraph of text.
    huge_html = (
        "<html><head><script>"
        + "var x = 1;" * 100_000
        + "</script></head><body>"
        + "<span class='tom'></span>" * 100_000
        + "<p>Avrop i CIPS gjøres i avropsløsningen.</p></body></html>"
    )
    (knowledge / "cips" / "stor.html").write_text(huge_html, "utf-8")


@pytest.fixture(scope="module")
def hostile_report(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> tuple[IndexReport, Path]:
    root = tmp_path_factory.mktemp("hostile")
    knowledge = write_knowledge(root / "knowledge")
    outside_dir = root / "outside"
    outside_dir.mkdir()
    write_hostile(knowledge, outside_dir / "secret.md")
    config = IndexConfig(knowledge_dir=knowledge, data_dir=root / "data")
    return run_index(config, embedder=embedder), knowledge


@pytest.mark.parametrize(("path", "word"), sorted(EXPECTED_FAILURES.items()))
def test_bad_file_reported(hostile_report: tuple[IndexReport, Path], path: str, word: str) -> None:
    report, _ = hostile_report
    reasons = {failed.path: failed.reason for failed in report.failed}
    assert path in reasons, f"{path} not reported; failures: {sorted(reasons)}"
    assert word.lower() in reasons[path].lower()


def test_only_bad_files_reported(hostile_report: tuple[IndexReport, Path]) -> None:
    report, _ = hostile_report
    assert sorted(failed.path for failed in report.failed) == sorted(EXPECTED_FAILURES)


def test_good_files_indexed(hostile_report: tuple[IndexReport, Path]) -> None:
    report, _ = hostile_report
    expected = {"cips-frist", "finops-en", "intern-nordlys", "saeravtale", "cips/dyp", "cips/stor"}
    assert set(report.added) == expected


def test_outside_links_not_followed(hostile_report: tuple[IndexReport, Path]) -> None:
    report, _ = hostile_report
    assert not any("secret" in document for document in report.added)
    assert not any("secret" in failed.path for failed in report.failed)


def test_reasons_name_a_fix(hostile_report: tuple[IndexReport, Path]) -> None:
    report, _ = hostile_report
    for failed in report.failed:
        assert ";" in failed.reason or "," in failed.reason, failed


def test_huge_file_not_read(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    write_huge_text(knowledge / "huge.txt")
    tracemalloc.start()
    try:
        with pytest.raises(LoadError, match="over the limit"):
            load_document(knowledge / "huge.txt", knowledge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024


def test_documents_constant_has_internal() -> None:
    assert any("audience: internal" in text for text in DOCUMENTS.values())
