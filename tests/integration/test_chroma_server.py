"""Index and answer through a real Chroma server (MPSBOT_CHROMA_URL mode)."""

from __future__ import annotations

import shutil
from pathlib import Path

import chromadb
import pytest

from bot.service import AnswerService
from bot.settings import REPO_ROOT, Settings
from indexer.manifest import load_state
from indexer.pipeline import run_index
from indexer.search import Searcher

pytestmark = pytest.mark.chroma_server

PILOT = """---
id: pilot-demo
title: Utprøving av sikkerhetsopplæring
kind: pilot
topic: cyber
language: nb
audience: public
---

# Utprøving av sikkerhetsopplæring

## Deltakere

Utprøvingen av sikkerhetsopplæring har plass til {count} virksomheter.
Oppstartsmøtet holdes 25. januar 2024, og utprøvingen er kostnadsfri.
"""

FINOPS = """---
id: finops-demo
title: Kostnadsstyring i skyen
kind: guidance
topic: finops
language: nb
audience: public
---

# Kostnadsstyring i skyen

Offentlige virksomheter betaler ofte for skyressurser de ikke bruker.
FinOps er en arbeidsform der økonomi og teknologi styrer skykostnadene sammen.
"""

QUESTION = "Hvor mange virksomheter har plass i utprøvingen av sikkerhetsopplæring?"


@pytest.fixture
def server_settings(tmp_path: Path, chroma_server: str) -> Settings:
    knowledge_dir = tmp_path / "knowledge"
    knowledge_dir.mkdir()
    shutil.copy2(REPO_ROOT / "knowledge" / "routing.yaml", knowledge_dir / "routing.yaml")
    (knowledge_dir / "pilot.md").write_text(PILOT.format(count=10), encoding="utf-8")
    (knowledge_dir / "finops.md").write_text(FINOPS, encoding="utf-8")
    return Settings(
        data_dir=tmp_path / "data", knowledge_dir=knowledge_dir, chroma_url=chroma_server
    )


def server_collection_count(url: str, name: str) -> int:
    port = int(url.rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port)
    return client.get_collection(name).count()


def test_chroma_server_index_answer_reindex(server_settings, embedder):
    config = server_settings.index_config()
    first = run_index(config, embedder=embedder)
    assert sorted(first.added) == ["finops-demo", "pilot-demo"]
    assert not (config.data_dir / "chroma").exists()
    state = load_state(config.data_dir)
    assert state is not None
    url = server_settings.chroma_url
    assert url is not None
    assert server_collection_count(url, state.manifest.collection) == len(state.chunks)

    reader = Searcher(config, embedder=embedder)
    service = AnswerService(server_settings, searcher=reader)
    answer = service.answer(QUESTION)
    assert answer.answered
    assert answer.citations[0].document_id == "pilot-demo"
    assert any("10 virksomheter" in citation.quote for citation in answer.citations)

    (config.knowledge_dir / "pilot.md").write_text(PILOT.format(count=12), encoding="utf-8")
    second = run_index(config, embedder=embedder)
    assert second.updated == ["pilot-demo"]
    assert second.unchanged == ["finops-demo"]
    assert 0 < second.embedded < second.chunks

    # The same reader picks up the new state and the server's new vectors.
    updated = service.answer(QUESTION)
    assert updated.answered
    assert any("12 virksomheter" in citation.quote for citation in updated.citations)
    assert not any("10 virksomheter" in citation.quote for citation in updated.citations)
    new_state = load_state(config.data_dir)
    assert new_state is not None
    assert server_collection_count(url, new_state.manifest.collection) == len(new_state.chunks)


def test_chroma_server_unchanged_embeds_nothing(server_settings, embedder):
    config = server_settings.index_config()
    run_index(config, embedder=embedder)
    again = run_index(config, embedder=embedder)
    assert again.embedded == 0
    assert sorted(again.unchanged) == ["finops-demo", "pilot-demo"]
