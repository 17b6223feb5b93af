"""Faults: a killed index run, indexing while serving, a damaged index, a missing model,
a full disk and an unreachable Slack API. Each leaves the committed index in use and
gives an error that names the problem and the fix, without a traceback.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rel_support import (
    BOT_TOKEN,
    DOCUMENTS,
    MPSBOT,
    SIGNING_SECRET,
    mpsbot_env,
    run_mpsbot,
    write_knowledge,
)

from bot.service import AnswerService
from bot.settings import Settings
from indexer.config import IndexConfig
from indexer.embedding import Embedder
from indexer.errors import CorruptIndexError
from indexer.manifest import index_dir, load_state, read_current
from indexer.pipeline import run_index
from indexer.search import Searcher
from indexer.store import ChromaStore, collection_names, open_client

NEW_DOCUMENT = (
    "---\nid: cips-nytt\ntitle: Nytt om CIPS\ntopic: cips\nlanguage: nb\n---\n\n"
    "# Nytt om CIPS\n\n"
    "Leverandørkonferansen for CIPS holdes i Tromsø 12. september 2025. "
    "Påmeldingen til konferansen stenger 1. september.\n"
)
EDITED_FRIST = DOCUMENTS["cips/cips-frist.md"].replace("1. mars 2024", "15. april 2025")


@pytest.fixture
def indexed(tmp_path: Path, embedder: Embedder) -> IndexConfig:
    """A committed first index in tmp_path, then the knowledge edited for a second run."""
    config = IndexConfig(
        knowledge_dir=write_knowledge(tmp_path / "knowledge"), data_dir=tmp_path / "data"
    )
    run_index(config, embedder=embedder)
    knowledge = config.knowledge_dir
    (knowledge / "cips" / "cips-frist.md").write_text(EDITED_FRIST, encoding="utf-8")
    (knowledge / "cips" / "cips-nytt.md").write_text(NEW_DOCUMENT, encoding="utf-8")
    (knowledge / "finops" / "finops-en.md").unlink()
    return config


def index_env(config: IndexConfig, **extra: str) -> dict[str, str]:
    values = {"MPSBOT_LOG_LEVEL": "DEBUG", **extra}
    return mpsbot_env(config.data_dir, config.knowledge_dir, **values)


def kill_index_at(config: IndexConfig, marker: str, timeout: float = 240) -> str:
    """Run ``mpsbot index`` and SIGKILL it as soon as ``marker`` shows on stderr.

    tqdm redraws its bar with carriage returns, so stderr is read in raw chunks, not lines.
    """
    process = subprocess.Popen(
        [str(MPSBOT), "index"],
        env=index_env(config),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    seen = b""
    deadline = time.monotonic() + timeout
    try:
        while marker.encode() not in seen:
            chunk = os.read(process.stderr.fileno(), 4096)
            if not chunk or time.monotonic() > deadline:
                raise AssertionError(f"index run ended before {marker!r}:\n{seen.decode()}")
            seen += chunk
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=30)
    return seen.decode(errors="replace")


def reopen(config: IndexConfig) -> None:
    """Drop this process's cached Chroma system, so it rereads what another process wrote."""
    open_client(config, fresh=True)


def assert_consistent(config: IndexConfig) -> None:
    """Chroma ids, BM25 documents and chunks all equal the committed manifest's chunk ids."""
    reopen(config)
    state = load_state(config.data_dir)
    assert state is not None
    manifest_ids = state.manifest.chunk_ids()
    chunk_ids = [chunk.id for chunk in state.chunks]
    assert len(chunk_ids) == len(set(chunk_ids)), "duplicate chunks in chunks.jsonl"
    assert set(chunk_ids) == manifest_ids
    assert len(state.bm25.document_ids) == len(manifest_ids)
    client = open_client(config)
    assert ChromaStore(client, state.manifest.collection).ids() == manifest_ids
    assert collection_names(client) == [state.manifest.collection]


def answers_from_committed(config: IndexConfig, embedder: Embedder, query: str) -> set[str]:
    """Search the committed index; return the hit documents after checking every hit id."""
    reopen(config)
    state = load_state(config.data_dir)
    assert state is not None
    hits = Searcher(config, embedder=embedder).search(query, top_k=5)
    assert hits
    assert {hit.chunk.id for hit in hits} <= state.manifest.chunk_ids()
    return {hit.chunk.document_id for hit in hits}


# -- a killed index run ------------------------------------------------------------


@pytest.mark.parametrize(
    ("marker", "committed"),
    [
        ("index run started", False),
        ("embedding:", False),
        ("committed index state", True),
    ],
    ids=["lock-taken", "while-embedding", "after-commit"],
)
def test_killed_index_run_recovers(
    indexed: IndexConfig, embedder: Embedder, marker: str, committed: bool
) -> None:
    before = read_current(indexed.data_dir)
    kill_index_at(indexed, marker)

    after = read_current(indexed.data_dir)
    assert (after != before) is committed
    documents = answers_from_committed(indexed, embedder, "frist levere tilbud CIPS")
    assert "cips-frist" in documents
    if not committed:
        assert "finops-en" in load_state(indexed.data_dir).manifest.documents  # type: ignore[union-attr]

    reopen(indexed)
    report = run_index(indexed, embedder=embedder)
    assert report.failed == []
    assert_consistent(indexed)
    state = load_state(indexed.data_dir)
    assert state is not None
    assert sorted(state.manifest.documents) == ["cips-frist", "cips-nytt", "intern-nordlys"]


# -- indexing while serving --------------------------------------------------------


def test_serving_during_index_run(indexed: IndexConfig, embedder: Embedder) -> None:
    settings = Settings(data_dir=indexed.data_dir, knowledge_dir=indexed.knowledge_dir)
    searcher = Searcher(indexed, embedder=embedder)
    service = AnswerService(settings, searcher=searcher)
    first = service.answer("Når er fristen for å levere tilbud i CIPS?")
    assert first.answered
    committed_before = load_state(indexed.data_dir).manifest.chunk_ids()  # type: ignore[union-attr]

    process = subprocess.Popen(
        [str(MPSBOT), "index", "--json"],
        env=index_env(indexed),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    answered_during = 0
    while process.poll() is None:
        hits = searcher.search("frist levere tilbud CIPS", top_k=5)
        state = load_state(indexed.data_dir)
        assert state is not None
        allowed = committed_before | state.manifest.chunk_ids()
        assert {hit.chunk.id for hit in hits} <= allowed
        answered_during += service.answer("Når er fristen for å levere tilbud i CIPS?").answered
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr.decode()
    assert answered_during > 0

    # The running searcher switches to the new state on its next search, without a restart.
    reopen(indexed)
    hits = searcher.search("leverandørkonferansen Tromsø påmelding", top_k=3)
    assert hits[0].chunk.document_id == "cips-nytt"
    answer = service.answer("Når er fristen for å levere tilbud i CIPS?")
    assert "15. april 2025" in answer.text


# -- a damaged index ---------------------------------------------------------------


def damage(config: IndexConfig, kind: str) -> None:
    root = index_dir(config.data_dir)
    state = root / (read_current(config.data_dir) or "")
    if kind == "manifest-garbage":
        (state / "manifest.json").write_bytes(b"{\x00 not json")
    elif kind == "current-missing-dir":
        (root / "CURRENT").write_text("state-999\n", encoding="utf-8")
    elif kind == "current-garbage":
        (root / "CURRENT").write_text("../../etc\n", encoding="utf-8")
    elif kind == "bm25-truncated":
        matrix = state / "bm25.npz"
        matrix.write_bytes(matrix.read_bytes()[:40])
    elif kind == "chunks-missing":
        (state / "chunks.jsonl").unlink()
    else:
        raise ValueError(kind)


DAMAGE = [
    "manifest-garbage",
    "current-missing-dir",
    "current-garbage",
    "bm25-truncated",
    "chunks-missing",
]


@pytest.mark.parametrize("kind", DAMAGE)
def test_damaged_index_named_error(small_index: IndexConfig, tmp_path: Path, kind: str) -> None:
    config = copy_index(small_index, tmp_path)
    damage(config, kind)
    with pytest.raises(CorruptIndexError, match=r"mpsbot index --rebuild"):
        load_state(config.data_dir)


@pytest.mark.parametrize("kind", ["manifest-garbage", "bm25-truncated"])
def test_damaged_index_cli_clean(small_index: IndexConfig, tmp_path: Path, kind: str) -> None:
    config = copy_index(small_index, tmp_path)
    damage(config, kind)
    env = mpsbot_env(config.data_dir, config.knowledge_dir)

    asked = run_mpsbot(["ask", "Når er fristen for å levere tilbud i CIPS?"], env)
    assert asked.returncode != 0
    assert "Traceback" not in asked.stderr
    assert "mpsbot index --rebuild" in asked.stderr

    rebuilt = run_mpsbot(["index", "--rebuild", "--json"], env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "Traceback" not in rebuilt.stderr
    asked_again = run_mpsbot(["ask", "--json", "Når er fristen for å levere tilbud i CIPS?"], env)
    assert asked_again.returncode == 0, asked_again.stderr
    assert '"answered": true' in asked_again.stdout


def copy_index(source: IndexConfig, tmp_path: Path) -> IndexConfig:
    shutil.copytree(source.data_dir, tmp_path / "data")
    return IndexConfig(knowledge_dir=source.knowledge_dir, data_dir=tmp_path / "data")


def test_deleted_chroma_dir_reembeds(
    small_index: IndexConfig, tmp_path: Path, embedder: Embedder
) -> None:
    config = copy_index(small_index, tmp_path)
    shutil.rmtree(config.data_dir / "chroma")
    reopen(config)
    report = run_index(config, embedder=embedder)
    assert report.embedded == report.chunks
    assert_consistent(config)


# -- a missing embedding model -----------------------------------------------------


def test_missing_model_dir_clean(indexed: IndexConfig, tmp_path: Path) -> None:
    removed = tmp_path / "models" / "removed-model"
    removed.mkdir(parents=True)
    removed.rmdir()
    before = read_current(indexed.data_dir)
    env = index_env(
        indexed,
        MPSBOT_EMBEDDING_BACKEND="sentence-transformers",
        MPSBOT_EMBEDDING_MODEL=str(removed),
        MPSBOT_LOG_LEVEL="INFO",
    )
    result = run_mpsbot(["index"], env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert str(removed) in result.stderr
    assert "MPSBOT_EMBEDDING_MODEL" in result.stderr
    assert read_current(indexed.data_dir) == before
    assert load_state(indexed.data_dir) is not None


# -- a full disk -------------------------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({result.stderr.strip()}); needs root")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill_disk(directory: Path) -> None:
    """Write zeros, unbuffered, until the file system is full."""
    descriptor = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 20, 4096, 1):
            try:
                while True:
                    os.write(descriptor, b"\0" * size)
            except OSError:
                continue
    finally:
        os.close(descriptor)


def test_full_disk_keeps_previous(tiny_disk: Path, embedder: Embedder, tmp_path: Path) -> None:
    config = IndexConfig(
        knowledge_dir=write_knowledge(tmp_path / "knowledge"), data_dir=tiny_disk / "data"
    )
    run_index(config, embedder=embedder)
    before = read_current(config.data_dir)
    (config.knowledge_dir / "cips" / "cips-nytt.md").write_text(NEW_DOCUMENT, encoding="utf-8")
    fill_disk(tiny_disk)

    result = run_mpsbot(["index"], index_env(config, MPSBOT_LOG_LEVEL="INFO"))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "No space left on device" in result.stderr or "disk" in result.stderr.lower()
    assert read_current(config.data_dir) == before
    assert load_state(config.data_dir) is not None


# -- an unreachable Slack API ------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_unreachable_slack_names_setting(small_index: IndexConfig) -> None:
    api_url = f"http://127.0.0.1:{closed_port()}/api/"
    env = mpsbot_env(
        small_index.data_dir,
        small_index.knowledge_dir,
        MPSBOT_SLACK_BOT_TOKEN=BOT_TOKEN,
        MPSBOT_SLACK_SIGNING_SECRET=SIGNING_SECRET,
        MPSBOT_SLACK_API_URL=api_url,
    )
    result = run_mpsbot(["serve", "slack", "--port", "0"], env, timeout=180)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "MPSBOT_SLACK_API_URL" in result.stderr
    assert api_url in result.stderr
