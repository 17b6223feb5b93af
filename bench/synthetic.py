"""A synthetic corpus made from the real chunks, for scale measurements only.

Each synthetic chunk copies a real chunk's metadata and rewrites its text: sentences
shuffled, some words swapped for synonyms and numbers changed. Ids, document ids,
titles and sources all start with "synthetic", so a synthetic chunk can never pass
for a real one. Vectors are not computed with the model: each is the real chunk's
vector plus seeded Gaussian noise, normalised again, which keeps the benchmark
within its time budget at 100,000 chunks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from indexer.models import Chunk, DocumentMeta

CHUNKS_PER_DOCUMENT = 10
# Standard deviation of the noise per dimension; for 384 dimensions this gives a
# cosine similarity of about 0.9 to the source vector.
NOISE_SIGMA = 0.025
SYNONYMS = {
    "avtale": "kontrakt",
    "kontrakt": "avtale",
    "virksomheter": "etater",
    "etater": "virksomheter",
    "leverandør": "tilbyder",
    "leverandører": "tilbydere",
    "skytjenester": "nettskytjenester",
    "agreement": "contract",
    "contract": "agreement",
    "agencies": "organisations",
    "supplier": "vendor",
    "suppliers": "vendors",
    "cloud": "cloud-based",
}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class SyntheticCorpus:
    chunks: tuple[Chunk, ...]
    vectors: np.ndarray
    documents: tuple[DocumentMeta, ...]


def _rewrite(text: str, rng: np.random.Generator) -> str:
    sentences = _SENTENCE_END.split(text.strip())
    rng.shuffle(sentences)
    rewritten = " ".join(sentences)
    rewritten = _WORD.sub(lambda match: SYNONYMS.get(match.group(0), match.group(0)), rewritten)
    return _NUMBER.sub(lambda match: str(int(match.group(0)) + int(rng.integers(1, 9))), rewritten)


def _chunk(base: Chunk, index: int, text: str) -> Chunk:
    document_number = index // CHUNKS_PER_DOCUMENT
    document_id = f"synthetic-{document_number:06d}"
    return base.model_copy(
        update={
            "id": f"synthetic-{index:06d}-{base.id}",
            "document_id": document_id,
            "text": text,
            "title": f"Synthetic {document_number}: {base.title}",
            "source": f"synthetic/{document_id}.md",
            "source_url": None,
        }
    )


def _document_meta(chunk: Chunk) -> DocumentMeta:
    return DocumentMeta(
        id=chunk.document_id,
        title=chunk.title,
        kind=chunk.kind,
        topic=chunk.topic,
        language=chunk.language,
        audience=chunk.audience,
    )


def make_corpus(
    sources: Sequence[Chunk], source_vectors: np.ndarray, count: int, seed: int = 7
) -> SyntheticCorpus:
    """Make ``count`` synthetic chunks, cycling through ``sources`` in a seeded order."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(sources))
    chunks = []
    picks = np.empty(count, dtype=np.int64)
    for index in range(count):
        source = order[index % len(sources)]
        picks[index] = source
        chunks.append(_chunk(sources[source], index, _rewrite(sources[source].text, rng)))
    noise = rng.normal(0.0, NOISE_SIGMA, size=(count, source_vectors.shape[1]))
    vectors = source_vectors[picks] + noise.astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    first_chunks = {chunk.document_id: chunk for chunk in reversed(chunks)}
    documents = tuple(_document_meta(chunk) for chunk in first_chunks.values())
    return SyntheticCorpus(tuple(chunks), vectors.astype(np.float32), documents)
