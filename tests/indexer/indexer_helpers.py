"""Helpers for indexer tests: small knowledge files and embedder wrappers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from indexer.embedding import Embedder


def write_document(
    knowledge_dir: Path,
    name: str,
    *,
    doc_id: str,
    title: str,
    body: str,
    **meta: str,
) -> Path:
    """Write a Markdown document with front matter and return its path."""
    fields = {"id": doc_id, "title": title, **meta}
    front_matter = "".join(f"{key}: {value}\n" for key, value in fields.items())
    path = knowledge_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front_matter}---\n\n# {title}\n\n{body}\n", encoding="utf-8")
    return path


class CountingEmbedder:
    """The real embedder, counting embedded texts and failing after ``fail_after`` calls."""

    def __init__(
        self, inner: Embedder, *, name: str | None = None, fail_after: int | None = None
    ) -> None:
        self.inner = inner
        self.name = name or inner.name
        self.dimension = inner.dimension
        self.max_tokens = inner.max_tokens
        self.fail_after = fail_after
        self.calls = 0
        self.texts: list[str] = []

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if self.fail_after is not None and self.calls >= self.fail_after:
            raise RuntimeError("embedding interrupted on purpose")
        self.calls += 1
        self.texts.extend(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)
