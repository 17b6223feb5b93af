"""BM25+ over a sparse term-document matrix, scored the way rank_bm25.BM25Plus does.

BM25+ (Lv and Zhai, 2011) adds ``delta`` to every term's saturation so that a long
document is never scored below one that lacks the term, and rank_bm25 computes its
IDF as ``log((N + 1) / df)``, which stays positive even for a term in every
document. Scoring a query touches only the matrix rows of its terms.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

MATRIX_FILE = "bm25.npz"
VOCABULARY_FILE = "bm25_vocab.json"


@dataclass(frozen=True)
class BM25Parameters:
    k1: float = 1.5
    b: float = 0.75
    delta: float = 1.0


class BM25Index:
    """Term frequencies of a corpus as a CSR matrix with one row per term."""

    def __init__(
        self,
        term_frequencies: sparse.csr_matrix,
        vocabulary: Sequence[str],
        document_ids: Sequence[str],
        parameters: BM25Parameters = BM25Parameters(),
    ) -> None:
        if term_frequencies.shape != (len(vocabulary), len(document_ids)):
            raise ValueError(
                f"BM25 matrix shape {term_frequencies.shape} does not match "
                f"{len(vocabulary)} terms and {len(document_ids)} documents"
            )
        self.parameters = parameters
        self.vocabulary = list(vocabulary)
        self.document_ids = list(document_ids)
        self._term_row = {term: row for row, term in enumerate(self.vocabulary)}
        self._frequencies = term_frequencies.tocsr().astype(np.float64)
        self._weights, self._idf = self._precompute()

    @classmethod
    def build(
        cls,
        documents: Sequence[Sequence[str]],
        document_ids: Sequence[str],
        parameters: BM25Parameters = BM25Parameters(),
    ) -> BM25Index:
        """Count the terms of tokenized documents into a new index."""
        if len(documents) != len(document_ids):
            raise ValueError(f"{len(documents)} documents but {len(document_ids)} ids")
        rows: dict[str, int] = {}
        entries: list[tuple[int, int, int]] = []
        for column, tokens in enumerate(documents):
            for term, count in Counter(tokens).items():
                row = rows.setdefault(term, len(rows))
                entries.append((row, column, count))
        row_index = np.array([entry[0] for entry in entries], dtype=np.int64)
        column_index = np.array([entry[1] for entry in entries], dtype=np.int64)
        counts = np.array([entry[2] for entry in entries], dtype=np.float64)
        matrix = sparse.csr_matrix(
            (counts, (row_index, column_index)), shape=(len(rows), len(documents))
        )
        return cls(matrix, list(rows), document_ids, parameters)

    def _precompute(self) -> tuple[sparse.csr_matrix, np.ndarray]:
        k1, b = self.parameters.k1, self.parameters.b
        n_documents = len(self.document_ids)
        lengths = np.asarray(self._frequencies.sum(axis=0)).ravel()
        average_length = lengths.mean() if n_documents else 0.0
        # rank_bm25 divides by the average length; an all-empty corpus would divide by 0.
        length_norm = k1 * (1 - b + b * lengths / max(average_length, 1e-9))
        document_frequency = np.diff(self._frequencies.indptr)
        idf = np.log((n_documents + 1) / np.maximum(document_frequency, 1))
        weights = self._frequencies.tocoo()
        tf = weights.data
        saturation = tf * (k1 + 1) / (length_norm[weights.col] + tf)
        values = idf[weights.row] * saturation
        matrix = sparse.csr_matrix((values, (weights.row, weights.col)), shape=weights.shape)
        return matrix, idf

    def __len__(self) -> int:
        return len(self.document_ids)

    def get_scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """Score every document for the query; a repeated query term counts each time."""
        scores = np.zeros(len(self.document_ids))
        for term, count in Counter(query_tokens).items():
            row = self._term_row.get(term)
            if row is None:
                continue
            start, end = self._weights.indptr[row], self._weights.indptr[row + 1]
            columns = self._weights.indices[start:end]
            scores[columns] += count * self._weights.data[start:end]
            scores += count * self.parameters.delta * self._idf[row]
        return scores

    def matching(self, query_tokens: Sequence[str]) -> np.ndarray:
        """Return a mask of documents that contain at least one query term."""
        mask = np.zeros(len(self.document_ids), dtype=bool)
        for term in set(query_tokens):
            row = self._term_row.get(term)
            if row is not None:
                start, end = self._frequencies.indptr[row], self._frequencies.indptr[row + 1]
                mask[self._frequencies.indices[start:end]] = True
        return mask

    def save(self, directory: Path) -> list[Path]:
        """Write the matrix and the vocabulary; return the paths written."""
        matrix_path = directory / MATRIX_FILE
        vocabulary_path = directory / VOCABULARY_FILE
        sparse.save_npz(matrix_path, self._frequencies.tocsr(), compressed=True)
        payload = {
            "k1": self.parameters.k1,
            "b": self.parameters.b,
            "delta": self.parameters.delta,
            "terms": self.vocabulary,
            "document_ids": self.document_ids,
        }
        vocabulary_path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        return [matrix_path, vocabulary_path]

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        payload = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        matrix = sparse.load_npz(directory / MATRIX_FILE).tocsr()
        parameters = BM25Parameters(k1=payload["k1"], b=payload["b"], delta=payload["delta"])
        return cls(matrix, payload["terms"], payload["document_ids"], parameters)
