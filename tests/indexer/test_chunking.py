from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.chunking import (
    _longest_fit,
    chunk_document,
    embedding_prefix,
    embedding_text,
    split_section,
    token_limit,
)
from indexer.embedding import Embedder
from indexer.models import Document, DocumentMeta, Section

VOCABULARY = [
    "skytjenester",
    "Markedsplassen",
    "DFØ",
    "anskaffelse",
    "personopplysninger",
    "cloud",
    "2023",
    "CIPS-avtalen",
    "a",
    "https://markedsplassen.anskaffelser.no/skytjenester/veiledning",
    "x" * 300,
]
SEPARATORS = [" ", " ", " ", ". ", "! ", "? ", "\n", "\n\n", ", "]


def make_document(sections: list[Section], **meta: object) -> Document:
    fields: dict[str, object] = {"id": "doc-1", "title": "Veileder for sky"}
    fields.update(meta)
    return Document(
        meta=DocumentMeta.model_validate(fields),
        path="area/doc-1.md",
        content_hash="abcdef0123456789" * 4,
        sections=tuple(sections),
    )


def non_space(text: str) -> str:
    return "".join(text.split())


texts = st.lists(
    st.tuples(st.sampled_from(VOCABULARY), st.sampled_from(SEPARATORS)), max_size=400
).map(lambda pairs: "".join(word + separator for word, separator in pairs))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, max_tokens=st.integers(32, 160), overlap=st.integers(0, 2))
def test_chunks_never_exceed_limit(
    embedder: Embedder, text: str, max_tokens: int, overlap: int
) -> None:
    document = make_document([Section(heading_path=("Veileder for sky", "Avtaler"), text=text)])

    chunks = chunk_document(document, embedder, max_tokens=max_tokens, overlap_sentences=overlap)

    limit = token_limit(embedder, max_tokens)
    for chunk in chunks:
        assert embedder.count_tokens(embedding_text(chunk, embedder, max_tokens)) <= limit
    covered = non_space("".join(chunk.text for chunk in chunks))
    for word in text.split():
        assert word in covered


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, max_tokens=st.integers(32, 160))
def test_chunks_lose_no_words(embedder: Embedder, text: str, max_tokens: int) -> None:
    document = make_document([Section(text=text)])

    chunks = chunk_document(document, embedder, max_tokens=max_tokens, overlap_sentences=0)

    assert non_space("".join(chunk.text for chunk in chunks)) == non_space(text)


def test_chunk_limit_respects_model_maximum(embedder: Embedder) -> None:
    assert token_limit(embedder, 4096) == embedder.max_tokens - 8
    assert token_limit(embedder, 100) == 100


def test_chunk_copies_metadata(embedder: Embedder) -> None:
    document = make_document(
        [Section(heading_path=("Veileder for sky", "Personvern"), text="Tekst her.", page=3)],
        kind="regulation",
        topic="gdpr",
        language="en",
        audience="internal",
        source_url="https://example.org/a",
        published=date(2024, 1, 2),
    )

    (chunk,) = chunk_document(document, embedder, max_tokens=200, overlap_sentences=1)

    assert chunk.id == "doc-1:abcdef012345:0"
    assert chunk.document_id == "doc-1"
    assert chunk.heading_path == ("Veileder for sky", "Personvern")
    assert chunk.page == 3
    assert chunk.kind == "regulation"
    assert chunk.topic == "gdpr"
    assert chunk.language == "en"
    assert chunk.audience == "internal"
    assert chunk.source == "area/doc-1.md"
    assert chunk.source_url == "https://example.org/a"
    assert chunk.published == date(2024, 1, 2)
    assert chunk.text == "Tekst her."


def test_embedding_text_has_title_and_section(embedder: Embedder) -> None:
    document = make_document([Section(heading_path=("Veileder for sky", "Personvern"), text="T.")])

    (chunk,) = chunk_document(document, embedder, max_tokens=200, overlap_sentences=0)

    assert embedding_text(chunk, embedder, 200) == "Veileder for sky\nPersonvern\n\nT."


def test_prefix_shortened_when_long(embedder: Embedder) -> None:
    headings = tuple(f"Overskrift nummer {i} om skytjenester" for i in range(20))

    prefix = embedding_prefix("Tittel", headings, embedder, 60)

    assert prefix == "Tittel\nOverskrift nummer 19 om skytjenester\n\n"


def test_chunk_ids_count_across_sections(embedder: Embedder) -> None:
    document = make_document([Section(text="En."), Section(text="  "), Section(text="To.")])

    chunks = chunk_document(document, embedder, max_tokens=200, overlap_sentences=0)

    assert [chunk.id for chunk in chunks] == ["doc-1:abcdef012345:0", "doc-1:abcdef012345:1"]


def test_split_keeps_sentences_whole() -> None:
    def fits(text: str) -> bool:
        return len(text.split()) <= 6

    pieces = split_section("En to tre. Fire fem seks. Sju åtte.", fits, 0)

    assert pieces == ["En to tre. Fire fem seks.", "Sju åtte."]


def test_split_overlaps_sentences() -> None:
    def fits(text: str) -> bool:
        return len(text.split()) <= 6

    pieces = split_section("En to. Tre fire. Fem seks. Sju åtte.", fits, 1)

    assert pieces == ["En to. Tre fire. Fem seks.", "Fem seks. Sju åtte."]


def test_split_long_sentence_on_words() -> None:
    def fits(text: str) -> bool:
        return len(text.split()) <= 3

    pieces = split_section("a b c d e f g", fits, 1)

    assert pieces == ["a b c", "d e f", "g"]


def test_split_long_word_on_characters() -> None:
    def fits(text: str) -> bool:
        return len(text) <= 4

    pieces = split_section("abcdefghij", fits, 0)

    assert pieces == ["abcd", "efgh", "ij"]


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_split_blank_text(text: str) -> None:
    assert split_section(text, lambda _: True, 1) == []


@pytest.mark.parametrize(
    "text",
    ["ordord " * 20_000, "x" * 200_000, "Ja. " * 30_000],
    ids=["words", "one-word", "sentences"],
)
def test_chunks_long_text_fit(embedder: Embedder, text: str) -> None:
    max_tokens = 256
    document = make_document([Section(text=text)])

    chunks = chunk_document(document, embedder, max_tokens=max_tokens, overlap_sentences=0)

    limit = token_limit(embedder, max_tokens)
    for chunk in chunks:
        assert embedder.count_tokens(embedding_text(chunk, embedder, max_tokens)) <= limit
    assert non_space("".join(chunk.text for chunk in chunks)) == non_space(text)


@pytest.mark.parametrize(
    "text", ["x" * 100_000, "ab " * 30_000, "Ja. " * 30_000], ids=["word", "words", "sentences"]
)
def test_split_cost_linear(text: str) -> None:
    measured: list[int] = []

    def fits(piece: str) -> bool:
        measured.append(len(piece))
        return len(piece) <= 500

    pieces = split_section(text, fits, 1)

    # Searching from the start of each chunk probes about ten times the chunk's length.
    # A search over all the remaining text probes 60 to 110 times these texts' length.
    assert sum(measured) <= 40 * len(text)
    assert max(len(piece) for piece in pieces) <= 500


@pytest.mark.parametrize("available", [0, 1, 2, 5, 16, 17, 100])
@pytest.mark.parametrize("largest_fit", [0, 1, 3, 8, 15, 16, 99, 200])
def test_longest_fit_matches_scan(available: int, largest_fit: int) -> None:
    def fits_count(n: int) -> bool:
        return n <= largest_fit

    expected = max(n for n in range(available + 1) if fits_count(n))

    assert _longest_fit(available, fits_count) == expected
