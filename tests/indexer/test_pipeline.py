import subprocess
import sys
import time
from pathlib import Path

import pytest
from indexer_helpers import CountingEmbedder, write_document

from indexer.config import IndexConfig
from indexer.embedding import Embedder
from indexer.errors import IndexLockedError, ModelMismatchError
from indexer.manifest import index_dir, load_state, read_current
from indexer.models import SearchFilters
from indexer.pipeline import run_index
from indexer.search import Searcher
from indexer.store import ChromaStore, collection_names, open_client

DOCUMENTS = {
    "cips.md": ("cips", "CIPS-avtalen", "CIPS er en felles anskaffelse av skytjenester."),
    "gdpr.md": ("gdpr", "Overføring av personopplysninger", "GDPR krever grunnlag for overføring."),
    "finops.md": ("finops", "FinOps", "FinOps handler om å redusere kostnadene i skyen."),
}


@pytest.fixture
def knowledge(index_config: IndexConfig) -> Path:
    for name, (doc_id, title, body) in DOCUMENTS.items():
        write_document(index_config.knowledge_dir, name, doc_id=doc_id, title=title, body=body)
    return index_config.knowledge_dir


@pytest.fixture
def counting(embedder: Embedder) -> CountingEmbedder:
    return CountingEmbedder(embedder)


def chroma_ids(config: IndexConfig) -> set[str]:
    state = load_state(config.data_dir)
    assert state is not None
    return ChromaStore(open_client(config, fresh=True), state.manifest.collection).ids()


def bm25_ids(config: IndexConfig) -> list[str]:
    state = load_state(config.data_dir)
    assert state is not None
    return state.bm25.document_ids


def test_index_first_run_adds_all(index_config, knowledge, counting) -> None:
    report = run_index(index_config, embedder=counting)

    assert sorted(report.added) == ["cips", "finops", "gdpr"]
    assert report.failed == []
    assert report.chunks == 3
    assert len(counting.texts) == 3
    assert chroma_ids(index_config) == set(bm25_ids(index_config))


def test_index_second_run_embeds_nothing(index_config, knowledge, counting) -> None:
    run_index(index_config, embedder=counting)
    counting.texts.clear()

    report = run_index(index_config, embedder=counting)

    assert sorted(report.unchanged) == ["cips", "finops", "gdpr"]
    assert report.added == []
    assert report.updated == []
    assert counting.texts == []
    assert report.chunks == 3


def test_index_edit_reembeds_one(index_config, knowledge, counting) -> None:
    run_index(index_config, embedder=counting)
    old_ids = set(bm25_ids(index_config))
    counting.texts.clear()
    write_document(knowledge, "gdpr.md", doc_id="gdpr", title="GDPR", body="Nytt innhold om GDPR.")

    report = run_index(index_config, embedder=counting)

    assert report.updated == ["gdpr"]
    assert len(counting.texts) == 1
    assert "Nytt innhold om GDPR." in counting.texts[0]
    new_ids = set(bm25_ids(index_config))
    assert len(new_ids - old_ids) == 1
    assert chroma_ids(index_config) == new_ids


def test_index_delete_removes_chunks(index_config, knowledge, embedder) -> None:
    run_index(index_config, embedder=embedder)
    searcher = Searcher(index_config, embedder=embedder)
    assert any(hit.chunk.document_id == "finops" for hit in searcher.search("FinOps kostnader"))
    (knowledge / "finops.md").unlink()

    report = run_index(index_config, embedder=embedder)

    assert report.removed == ["finops"]
    assert not any(i.startswith("finops:") for i in chroma_ids(index_config))
    assert not any(i.startswith("finops:") for i in bm25_ids(index_config))
    for mode in ("hybrid", "bm25", "dense"):
        hits = searcher.search("FinOps kostnader", mode=mode, top_k=10)
        assert all(hit.chunk.document_id != "finops" for hit in hits)


def test_index_rename_with_new_id(index_config, knowledge, embedder) -> None:
    run_index(index_config, embedder=embedder)
    (knowledge / "cips.md").unlink()
    write_document(
        knowledge, "avtaler/cips-ny.md", doc_id="cips-ny", title="CIPS", body="CIPS er en avtale."
    )

    report = run_index(index_config, embedder=embedder)

    assert report.added == ["cips-ny"]
    assert report.removed == ["cips"]
    assert not any(i.startswith("cips:") for i in chroma_ids(index_config))


def test_index_move_keeps_vectors(index_config, knowledge, counting) -> None:
    run_index(index_config, embedder=counting)
    counting.texts.clear()
    (knowledge / "cips.md").rename(knowledge / "cips-flyttet.md")

    report = run_index(index_config, embedder=counting)

    assert report.updated == ["cips"]
    assert counting.texts == []
    state = load_state(index_config.data_dir)
    assert state is not None
    assert state.manifest.documents["cips"].path == "cips-flyttet.md"
    cips_chunks = [chunk for chunk in state.chunks if chunk.document_id == "cips"]
    assert [chunk.source for chunk in cips_chunks] == ["cips-flyttet.md"]


def test_index_bad_file_reported(index_config, knowledge, embedder) -> None:
    (knowledge / "broken.md").write_text("---\nid: [unclosed\n---\n\nText.\n", encoding="utf-8")

    report = run_index(index_config, embedder=embedder)

    assert [failed.path for failed in report.failed] == ["broken.md"]
    assert sorted(report.added) == ["cips", "finops", "gdpr"]


def test_index_duplicate_id_fails_second(index_config, knowledge, embedder) -> None:
    write_document(knowledge, "zz-copy.md", doc_id="cips", title="Kopi", body="Kopi av CIPS.")

    report = run_index(index_config, embedder=embedder)

    assert len(report.failed) == 1
    assert report.failed[0].path == "zz-copy.md"
    assert "cips.md" in report.failed[0].reason
    assert "zz-copy.md" in report.failed[0].reason
    assert "cips" in report.added


def test_index_lock_held_elsewhere(index_config, knowledge, embedder, tmp_path) -> None:
    index_config.data_dir.mkdir(parents=True)
    ready = tmp_path / "ready"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, pathlib\n"
            "from filelock import FileLock\n"
            "with FileLock(sys.argv[1]):\n"
            "    pathlib.Path(sys.argv[2]).touch()\n"
            "    time.sleep(60)\n",
            str(index_config.data_dir / "index.lock"),
            str(ready),
        ]
    )
    try:
        for _ in range(300):
            if ready.exists():
                break
            time.sleep(0.1)
        with pytest.raises(IndexLockedError, match=r"index\.lock"):
            run_index(index_config, embedder=embedder)
    finally:
        holder.kill()
        holder.wait()


def test_index_model_mismatch_then_rebuild(index_config, knowledge, embedder) -> None:
    run_index(index_config, embedder=embedder)
    first = load_state(index_config.data_dir)
    assert first is not None
    other = CountingEmbedder(embedder, name="another-model")

    with pytest.raises(ModelMismatchError, match="mpsbot index --rebuild"):
        run_index(index_config, embedder=other)
    report = run_index(index_config, rebuild=True, embedder=other)

    rebuilt = load_state(index_config.data_dir)
    assert rebuilt is not None
    assert rebuilt.manifest.model == "another-model"
    assert rebuilt.manifest.collection != first.manifest.collection
    assert report.chunks == 3
    client = open_client(index_config, fresh=True)
    assert collection_names(client) == [rebuilt.manifest.collection]
    hits = Searcher(index_config, embedder=other).search("CIPS anskaffelse")
    assert hits[0].chunk.document_id == "cips"


def test_index_interrupted_keeps_previous(index_config, knowledge, embedder) -> None:
    config = index_config.model_copy(update={"embed_batch_size": 1})
    run_index(config, embedder=embedder)
    before = read_current(config.data_dir)
    for name, (doc_id, title, _) in DOCUMENTS.items():
        write_document(config.knowledge_dir, name, doc_id=doc_id, title=title, body="Endret.")
    failing = CountingEmbedder(embedder, fail_after=2)

    with pytest.raises(RuntimeError, match="interrupted"):
        run_index(config, embedder=failing)

    assert read_current(config.data_dir) == before
    hits = Searcher(config, embedder=embedder).search("CIPS anskaffelse skytjenester")
    assert hits[0].chunk.text == "CIPS er en felles anskaffelse av skytjenester."
    report = run_index(config, embedder=embedder)
    assert sorted(report.updated) == ["cips", "finops", "gdpr"]
    assert len(chroma_ids(config)) == 3
    assert chroma_ids(config) == set(bm25_ids(config))


def test_index_prunes_old_states(index_config, knowledge, embedder) -> None:
    for _ in range(4):
        run_index(index_config, embedder=embedder)

    states = sorted(p.name for p in index_dir(index_config.data_dir).glob("state-*"))

    assert states == ["state-3", "state-4"]


def test_index_empty_knowledge_dir(index_config, embedder) -> None:
    report = run_index(index_config, embedder=embedder)

    assert report.chunks == 0
    assert read_current(index_config.data_dir) == "state-1"


def test_index_audience_in_chroma(index_config, knowledge, embedder) -> None:
    write_document(
        knowledge, "intern.md", doc_id="intern", title="Intern", body="Intern.", audience="internal"
    )
    run_index(index_config, embedder=embedder)

    hits = Searcher(index_config, embedder=embedder).search(
        "Intern", filters=SearchFilters(audiences=frozenset({"internal"})), mode="dense"
    )

    assert [hit.chunk.document_id for hit in hits] == ["intern"]
