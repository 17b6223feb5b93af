"""Support scores of correct versus mismatched sentence/chunk pairs on the golden set.

Positive pairs: every chunk sentence in the question's language that contains one of
the question's expected facts, paired with its own chunk. Each sentence is used
verbatim and also cut down to the fact with up to six words either side, the way a
model condenses a sentence.
Negative pairs: the same sentences paired with the three chunks of other documents
that are closest to them by embedding and do not contain the fact.

Run ``python tests/bot/generation/support_measurement.py`` to print the table
recorded in docs/llm.md; it builds an index of knowledge/ in a temporary directory.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from bot.generation.support import Support, SupportChecker
from bot.sentences import split_sentences
from indexer.models import Chunk

GOLDEN_DIR = Path(__file__).resolve().parents[2] / "golden"
NEGATIVES_PER_SENTENCE = 3
CONTEXT_WORDS = 6


@dataclass(frozen=True)
class ScoredPair:
    kind: str  # "positive" or "negative"
    sentence: str
    chunk_id: str
    support: Support


def golden_questions() -> list[dict]:
    questions: list[dict] = []
    for path in sorted(GOLDEN_DIR.glob("questions-*.yaml")):
        questions.extend(yaml.safe_load(path.read_text(encoding="utf-8")) or [])
    return [q for q in questions if not q.get("out_of_scope") and q.get("facts")]


def condensed(sentence: str, fact: str) -> str:
    """Return the fact with up to CONTEXT_WORDS words of the sentence on either side."""
    start = sentence.lower().find(fact.lower())
    before = sentence[:start].split()[-CONTEXT_WORDS:]
    after = sentence[start + len(fact) :].split()[:CONTEXT_WORDS]
    text = " ".join([*before, sentence[start : start + len(fact)], *after]).strip(" ,;:")
    text = text[:1].upper() + text[1:]
    return text if re.search(r"[.!?]$", text) else f"{text}."


def _fact_sentences(question: dict, chunks: Sequence[Chunk]) -> list[tuple[str, str, Chunk]]:
    found = []
    for chunk in chunks:
        if chunk.language != question["language"]:
            continue
        for sentence in (s.text for s in split_sentences(chunk.text)):
            for fact in question["facts"]:
                if fact.lower() in sentence.lower():
                    found.append((sentence, fact, chunk))
    return found


def measure(chunks: Sequence[Chunk], checker: SupportChecker) -> list[ScoredPair]:
    """Score positive and negative pairs for every golden question with facts."""
    chunk_vectors = np.asarray(checker.embedder.embed_documents([c.text for c in chunks]))
    pairs: list[tuple[str, str, Chunk]] = []
    for question in golden_questions():
        for sentence, fact, chunk in _fact_sentences(question, chunks):
            variants = dict.fromkeys([sentence, condensed(sentence, fact)])
            for variant in variants:
                pairs.append(("positive", variant, chunk))
            vector = np.asarray(checker.embedder.embed_documents([sentence]))[0]
            order = np.argsort(-(chunk_vectors @ vector))
            negatives = [
                chunks[i]
                for i in order
                if chunks[i].document_id != chunk.document_id
                and fact.lower() not in chunks[i].text.lower()
            ][:NEGATIVES_PER_SENTENCE]
            for other in negatives:
                for variant in variants:
                    pairs.append(("negative", variant, other))
    unique = list(dict.fromkeys((kind, s, c.id) for kind, s, c in pairs))
    by_id = {chunk.id: chunk for chunk in chunks}
    supports = checker.score([(s, by_id[chunk_id]) for _, s, chunk_id in unique])
    return [
        ScoredPair(kind, s, chunk_id, support)
        for (kind, s, chunk_id), support in zip(unique, supports, strict=True)
    ]


LEXICAL_GRID = (0.5, 0.6, 0.67, 0.75)
SEMANTIC_GRID = (0.86, 0.88, 0.9, 0.92)


def pass_rate(group: Sequence[Support], lexical: float, semantic: float) -> float:
    passed = sum(s.lexical >= lexical and s.semantic >= semantic for s in group)
    return passed / len(group) if group else 0.0


def summary(scored: Sequence[ScoredPair]) -> str:
    """Return percentiles per kind and the pass rates of both kinds over a threshold grid."""
    lines = []
    for kind in ("positive", "negative"):
        group = [p.support for p in scored if p.kind == kind]
        lexical = np.array([s.lexical for s in group])
        semantic = np.array([s.semantic for s in group])
        supported = sum(s.supported for s in group)
        lines.append(
            f"{kind}: n={len(group)} supported={supported} ({supported / len(group):.1%}) "
            f"lexical p5/p50/p95={np.percentile(lexical, [5, 50, 95]).round(2).tolist()} "
            f"semantic p5/p50/p95={np.percentile(semantic, [5, 50, 95]).round(3).tolist()}"
        )
    positives = [p.support for p in scored if p.kind == "positive"]
    negatives = [p.support for p in scored if p.kind == "negative"]
    lines.append("lexical semantic positives_kept negatives_kept")
    for lexical in LEXICAL_GRID:
        for semantic in SEMANTIC_GRID:
            kept = pass_rate(positives, lexical, semantic)
            wrong = pass_rate(negatives, lexical, semantic)
            lines.append(f"{lexical:.2f} {semantic:.2f} {kept:.1%} {wrong:.1%}")
    return "\n".join(lines)


def main() -> None:
    """Build (or reuse) an index in the directory given as argument, or a temporary one."""
    import sys
    import tempfile

    from indexer.config import IndexConfig
    from indexer.embedding import load_embedder
    from indexer.manifest import load_state
    from indexer.pipeline import run_index

    with tempfile.TemporaryDirectory() as temporary:
        directory = sys.argv[1] if len(sys.argv) > 1 else temporary
        config = IndexConfig(
            knowledge_dir=GOLDEN_DIR.parents[1] / "knowledge", data_dir=Path(directory)
        )
        embedder = load_embedder(config)
        run_index(config, embedder=embedder)
        state = load_state(config.data_dir)
        if state is None:
            raise SystemExit(f"no index was committed in {directory}")
        print(summary(measure(state.chunks, SupportChecker(embedder))))


if __name__ == "__main__":
    main()
