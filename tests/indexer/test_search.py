from pathlib import Path

import pytest
from indexer_helpers import write_document

from indexer.config import IndexConfig
from indexer.embedding import Embedder
from indexer.errors import IndexNotBuiltError
from indexer.models import SearchFilters
from indexer.pipeline import run_index
from indexer.search import FusionWeights, Searcher, _fuse

INTERNAL = SearchFilters(audiences=frozenset({"public", "internal"}))
SHARED_TEXT = "Skyavtalen gir virksomheter tilgang til skytjenester fra flere leverandører."


@pytest.fixture
def corpus(index_config: IndexConfig, embedder: Embedder) -> IndexConfig:
    knowledge = index_config.knowledge_dir
    write_document(
        knowledge,
        "cips.md",
        doc_id="cips",
        title="CIPS",
        body="CIPS er en felles anskaffelse av skytjenester for offentlig sektor.",
        topic="cips",
    )
    write_document(
        knowledge,
        "cips-en.md",
        doc_id="cips-en",
        title="CIPS",
        body="CIPS is a joint procurement of cloud services for the public sector.",
        topic="cips",
        language="en",
    )
    write_document(
        knowledge,
        "gdpr.md",
        doc_id="gdpr",
        title="Overføring",
        body="Overføring av personopplysninger til tredjeland krever et gyldig grunnlag.",
        topic="gdpr",
        kind="regulation",
    )
    write_document(
        knowledge,
        "intern.md",
        doc_id="intern",
        title="Intern rutine",
        body="Intern rutine for behandling av saker om CIPS i teamet.",
        topic="cips",
        audience="internal",
    )
    write_document(knowledge, "a.md", doc_id="kopi-a", title="Avtale", body=SHARED_TEXT)
    write_document(knowledge, "b.md", doc_id="kopi-b", title="Avtale", body=SHARED_TEXT)
    run_index(index_config, embedder=embedder)
    return index_config


@pytest.fixture
def searcher(corpus: IndexConfig, embedder: Embedder) -> Searcher:
    return Searcher(corpus, embedder=embedder)


def ids(hits) -> list[str]:
    return [hit.chunk.document_id for hit in hits]


def test_search_finds_best_match(searcher: Searcher) -> None:
    hits = searcher.search("anskaffelse av skytjenester i offentlig sektor")

    assert hits[0].chunk.document_id in {"cips", "cips-en"}
    assert hits[0].score >= hits[-1].score


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_search_public_excludes_internal(searcher: Searcher, mode: str) -> None:
    hits = searcher.search("intern rutine CIPS", top_k=10, mode=mode)

    assert "intern" not in ids(hits)


def test_search_internal_audience_sees_internal(searcher: Searcher) -> None:
    hits = searcher.search("intern rutine CIPS", top_k=10, filters=INTERNAL)

    assert "intern" in ids(hits)


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_search_topic_filter(searcher: Searcher, mode: str) -> None:
    hits = searcher.search(
        "skytjenester personopplysninger", top_k=10, filters=SearchFilters(topic="gdpr"), mode=mode
    )

    assert ids(hits) == ["gdpr"]


def test_search_language_filter(searcher: Searcher) -> None:
    hits = searcher.search("CIPS", top_k=10, filters=SearchFilters(language="en"))

    assert ids(hits) == ["cips-en"]


def test_search_kind_filter(searcher: Searcher) -> None:
    hits = searcher.search("grunnlag", top_k=10, filters=SearchFilters(kind="regulation"))

    assert ids(hits) == ["gdpr"]


def test_search_collapses_duplicates(searcher: Searcher) -> None:
    hits = searcher.search("skyavtalen leverandører", top_k=10)

    copies = [doc for doc in ids(hits) if doc.startswith("kopi-")]
    assert len(copies) == 1


def test_search_keeps_language_twins(searcher: Searcher) -> None:
    hits = searcher.search("CIPS procurement anskaffelse", top_k=10)

    assert {"cips", "cips-en"} <= set(ids(hits))


def test_search_scores_every_hit(searcher: Searcher) -> None:
    hits = searcher.search("personopplysninger tredjeland", top_k=6, mode="bm25")

    for hit in hits:
        assert hit.dense_similarity is not None
        assert -1.0 <= hit.dense_similarity <= 1.0
        assert hit.bm25_score is not None
        assert hit.bm25_rank is not None
        assert hit.dense_rank is None


def test_search_reports_leg_ranks(searcher: Searcher) -> None:
    (hit,) = searcher.search("personopplysninger tredjeland", top_k=1)

    assert hit.chunk.document_id == "gdpr"
    assert hit.bm25_rank == 1
    assert hit.dense_rank == 1


def test_search_without_index(index_config: IndexConfig, embedder: Embedder) -> None:
    with pytest.raises(IndexNotBuiltError, match="mpsbot index"):
        Searcher(index_config, embedder=embedder).search("CIPS")


def test_search_empty_index(index_config: IndexConfig, embedder: Embedder) -> None:
    run_index(index_config, embedder=embedder)

    with pytest.raises(IndexNotBuiltError):
        Searcher(index_config, embedder=embedder).search("CIPS")


def test_searcher_refresh_picks_up_new(
    corpus: IndexConfig, searcher: Searcher, embedder: Embedder
) -> None:
    searcher.search("CIPS")
    write_document(
        corpus.knowledge_dir,
        "finops.md",
        doc_id="finops",
        title="FinOps",
        body="FinOps kutter kost.",
    )
    run_index(corpus, embedder=embedder)

    assert searcher.refresh() is True
    assert searcher.refresh() is False
    assert ids(searcher.search("FinOps kutter kost", top_k=1)) == ["finops"]
    assert ids(searcher.search("FinOps kutter kost", top_k=1, mode="dense")) == ["finops"]


def test_searcher_chunks_committed(searcher: Searcher) -> None:
    document_ids = {chunk.document_id for chunk in searcher.chunks()}

    assert document_ids == {"cips", "cips-en", "gdpr", "intern", "kopi-a", "kopi-b"}


def test_fuse_weighted_ranks() -> None:
    weights = FusionWeights(bm25=0.5, dense=1.0, k=60)

    fused = dict(_fuse(["a", "b"], ["b", "c"], weights))

    assert fused["b"] == pytest.approx(1.0 / 61 + 0.5 / 62)
    assert fused["a"] == pytest.approx(0.5 / 61)
    assert fused["c"] == pytest.approx(1.0 / 62)


def test_fuse_orders_by_score() -> None:
    fused = _fuse(["x", "y", "z"], ["z", "y"], FusionWeights(bm25=1.0, dense=1.0, k=1))

    assert [chunk_id for chunk_id, _ in fused] == ["z", "y", "x"]


def test_built_index_answers(built_index_config: IndexConfig, embedder: Embedder) -> None:
    hits = Searcher(built_index_config, embedder=embedder).search("Hva er CIPS?")

    assert hits
    assert Path(built_index_config.knowledge_dir, hits[0].chunk.source).is_file()
