import numpy as np
import pytest
from rank_bm25 import BM25Plus

from indexer.bm25 import BM25Index
from indexer.tokens import tokenize

CORPUS = [
    "Markedsplassen for skytjenester hjelper offentlige virksomheter med skytjenester.",
    "CIPS er en anskaffelse av skytjenester for offentlig sektor.",
    "GDPR setter krav til overføring av personopplysninger til tredjeland.",
    "FinOps handler om å få ned kostnadene ved bruk av sky.",
    "CyberX piloter prøver ut sikkerhetstjenester i offentlig sektor.",
    "",
    "Sky sky sky sky sky sky sky sky, en lang tekst om sky og kostnader og sky.",
]
QUERIES = [
    "skytjenester offentlig sektor",
    "sky",  # a term in most documents
    "kostnader kostnader sky",  # repeated query term
    "ukjentord",
    "",
    "gdpr tredjeland personopplysninger cips finops",
]


@pytest.fixture(scope="module")
def tokenized() -> list[list[str]]:
    return [tokenize(text) for text in CORPUS]


@pytest.mark.parametrize("query", QUERIES)
def test_bm25_equals_rank_bm25(tokenized: list[list[str]], query: str) -> None:
    index = BM25Index.build(tokenized, [f"d{i}" for i in range(len(tokenized))])
    reference = BM25Plus(tokenized)

    scores = index.get_scores(tokenize(query))
    expected = reference.get_scores(tokenize(query))

    np.testing.assert_allclose(scores, expected, rtol=1e-9, atol=1e-12)


def test_bm25_term_in_every_document() -> None:
    documents = [["felles", "a"], ["felles", "b"], ["felles", "felles", "c"]]
    index = BM25Index.build(documents, ["x", "y", "z"])

    scores = index.get_scores(["felles"])

    np.testing.assert_allclose(scores, BM25Plus(documents).get_scores(["felles"]))
    assert (scores > 0).all()
    assert scores[2] > scores[0]


def test_bm25_matching_mask() -> None:
    index = BM25Index.build([["a", "b"], ["c"], ["b"]], ["x", "y", "z"])

    mask = index.matching(["b", "unknown"])

    assert mask.tolist() == [True, False, True]


def test_bm25_save_load_roundtrip(tokenized: list[list[str]], tmp_path) -> None:
    ids = [f"d{i}" for i in range(len(tokenized))]
    index = BM25Index.build(tokenized, ids)

    index.save(tmp_path)
    loaded = BM25Index.load(tmp_path)

    assert loaded.document_ids == ids
    query = tokenize("skytjenester sky kostnader")
    np.testing.assert_allclose(loaded.get_scores(query), index.get_scores(query))


def test_bm25_empty_corpus() -> None:
    index = BM25Index.build([], [])

    assert index.get_scores(["sky"]).shape == (0,)
