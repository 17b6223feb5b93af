"""Topic classification: which routing topic a question belongs to."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.routing import Routing, Topic
from indexer.models import Hit
from indexer.tokens import tokenize, words

# Share of the score that comes from keywords when the question contains any. The
# rest comes from the topics of the hits, weighted by 1 / (rank + 1). 0.6 gave the
# best topic accuracy on the golden set.
KEYWORD_SHARE = 0.6
COMPOUND_MIN_CHARS = 5


def _keyword_matches(question: str, topic: Topic) -> int:
    lowered = question.casefold()
    question_tokens = set(tokenize(question))
    question_words = words(question)
    matches = 0
    for keyword in topic.keywords:
        keyword_tokens = tokenize(keyword)
        if " " in keyword.strip() or not keyword_tokens:
            matched = re.search(rf"\b{re.escape(keyword.casefold())}", lowered) is not None
        else:
            matched = all(token in question_tokens for token in keyword_tokens) or any(
                _compound_part(word, keyword.casefold()) for word in question_words
            )
        matches += matched
    return matches


def _compound_part(word: str, keyword: str) -> bool:
    """Return True when ``keyword`` begins or ends the compound ``word``.

    Norwegian writes compounds as one word ("infrastrukturavtalen"), so a keyword
    of at least COMPOUND_MIN_CHARS letters also matches at either end of a longer word.
    """
    if len(keyword) < COMPOUND_MIN_CHARS or len(word) <= len(keyword):
        return False
    return word.startswith(keyword) or word.endswith(keyword)


def _hit_votes(hits: Sequence[Hit], known: set[str]) -> dict[str, float]:
    votes: dict[str, float] = {}
    total = 0.0
    for rank, hit in enumerate(hits):
        weight = 1.0 / (rank + 1)
        total += weight
        if hit.chunk.topic in known:
            votes[hit.chunk.topic] = votes.get(hit.chunk.topic, 0.0) + weight
    return {topic: vote / total for topic, vote in votes.items()} if total else {}


def classify(question: str, hits: Sequence[Hit], routing: Routing) -> tuple[str | None, float]:
    """Return the topic id of ``question`` and a confidence from 0 to 1.

    Keyword matches in the question and the topics of the hits each vote. Returns
    (None, 0.0) when neither points to a topic in ``routing``.
    """
    known = set(routing.ids())
    keywords = {topic.id: _keyword_matches(question, topic) for topic in routing.topics}
    keyword_total = sum(keywords.values())
    votes = _hit_votes(hits, known)

    scores: dict[str, float] = {}
    for topic_id in known:
        vote = votes.get(topic_id, 0.0)
        if keyword_total:
            share = keywords[topic_id] / keyword_total
            scores[topic_id] = KEYWORD_SHARE * share + (1 - KEYWORD_SHARE) * vote
        else:
            scores[topic_id] = vote
    if not scores or max(scores.values()) <= 0.0:
        return None, 0.0
    best = max(routing.ids(), key=lambda topic_id: scores[topic_id])
    return best, round(min(1.0, scores[best]), 4)
