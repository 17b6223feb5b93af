"""AnswerService: search the index, compose or generate a cited answer, or refuse."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.compose import Composition, compose
from bot.confidence import answer_confidence, is_supported
from bot.language import detect_language
from bot.models import Answer, Generator
from bot.prompts import message
from bot.question import MAX_QUERY_CHARS, Query, build_query, clean_question
from bot.routing import Routing, load_routing
from bot.settings import Settings
from bot.topics import classify
from bot.triage.pilots import (
    PilotCatalog,
    PilotError,
    PlaceCounter,
    availability,
    availability_message,
)
from indexer.config import IndexConfig
from indexer.models import Audience, Hit, Language, SearchFilters
from indexer.pipeline import IndexReport, run_index
from indexer.search import Searcher, SearchMode

logger = logging.getLogger(__name__)

PUBLIC: frozenset[Audience] = frozenset({"public"})
NO_FILTERS = SearchFilters()
# Hits searched per question at least, so sentence selection has enough candidates.
MIN_SEARCH_HITS = 5


def index_exists(config: IndexConfig) -> bool:
    """Return True when ``config.data_dir`` has a committed index."""
    return (Path(config.data_dir) / "index" / "CURRENT").is_file()


class AnswerService:
    """Answers questions from the knowledge base with numbered citations."""

    def __init__(
        self,
        settings: Settings,
        *,
        searcher: Searcher | None = None,
        generator: Generator | None = None,
        routing: Routing | None = None,
        places: PlaceCounter | None = None,
        progress: bool = False,
    ) -> None:
        self.settings = settings
        self.config = settings.index_config()
        self.routing = routing or load_routing(settings.resolved_routing_file())
        self.generator = generator
        self._searcher = searcher
        self._places = places
        self._progress = progress
        self._pilots: PilotCatalog | None = None

    @property
    def searcher(self) -> Searcher:
        if self._searcher is None:
            self.ensure_index()
            self._searcher = Searcher(self.config)
        return self._searcher

    @property
    def pilots(self) -> PilotCatalog:
        """Pilots that take enrolments, read from the knowledge base on first use."""
        if self._pilots is None:
            try:
                self._pilots = PilotCatalog.from_knowledge(self.config.knowledge_dir)
            except PilotError as error:
                # A broken pilot block must not stop answering; the index run and
                # `mpsbot triage` report the same error to maintainers.
                logger.error("pilot terms not loaded: %s", error)
                self._pilots = PilotCatalog(())
        return self._pilots

    def _generator(self) -> Generator | None:
        if self.generator is None and self.settings.generator == "llm":
            from bot.generation.llm import LLMGenerator

            self.generator = LLMGenerator(self.settings, self.searcher.embedder)
        return self.generator

    def ensure_index(self) -> IndexReport | None:
        """Build the index from the knowledge directory when there is none yet."""
        if index_exists(self.config):
            return None
        logger.info(
            "no index in %s; building it from %s", self.config.data_dir, self.config.knowledge_dir
        )
        report = run_index(self.config, progress=self._progress)
        logger.info(
            "index built: %d chunks from %d documents in %.1f s",
            report.chunks,
            len(report.added),
            report.seconds,
        )
        return report

    def search(
        self,
        query: str,
        *,
        top_k: int = 5,
        filters: SearchFilters = NO_FILTERS,
        mode: SearchMode = "hybrid",
    ) -> list[Hit]:
        return self.searcher.search(query, top_k=top_k, filters=filters, mode=mode)

    def answer(
        self,
        question: str,
        *,
        audiences: frozenset[Audience] = PUBLIC,
        history: Sequence[str] = (),
        channel: str | None = None,
        top_k: int = 5,
        on_partial: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer ``question`` from the documents ``audiences`` may see."""
        cleaned = clean_question(question)
        language = detect_language(cleaned or question)
        if not cleaned:
            return Answer(
                question=question,
                language=language,
                answered=False,
                text=message("answer.empty_question", language),
                confidence=0.0,
            )
        query = build_query(cleaned, history)
        filters = SearchFilters(audiences=audiences)
        hits = self.search(query.search_text, top_k=max(top_k, MIN_SEARCH_HITS), filters=filters)
        topic, topic_confidence = classify(query.search_text, hits, self.routing)
        composition = (
            compose(query.search_text, language, hits, embedder=self.searcher.embedder)
            if hits
            else None
        )
        confidence = 0.0
        if composition is not None:
            confidence = answer_confidence(composition.best_dense, hits[0].dense_similarity)
        logger.info(
            "answered question: channel=%s hits=%d top_score=%.4f topic=%s confidence=%.3f",
            channel,
            len(hits),
            hits[0].score if hits else 0.0,
            topic,
            confidence,
        )
        notes = _query_notes(query, language)
        if composition is None or not is_supported(confidence):
            refusal = self._refusal(cleaned, language, topic, topic_confidence, confidence, notes)
            return self._with_pilot_offer(refusal, hits)
        answer = self._extractive(
            cleaned, language, composition, topic, topic_confidence, confidence, notes
        )
        generator = self._generator()
        if generator is not None:
            answer = generator.generate(
                cleaned, language, hits[:top_k], answer, channel=channel, on_partial=on_partial
            )
        return self._with_pilot_offer(answer, hits)

    def _with_pilot_offer(self, answer: Answer, hits: Sequence[Hit]) -> Answer:
        """Add a pilot's open places, or its waiting list, to an answer about joining it."""
        pilot = self.pilots.match(answer.question, hits)
        if pilot is None:
            return answer
        if self._places is None:
            from bot.triage.store import CaseStore

            self._places = CaseStore(self.config.data_dir / "mpsbot.sqlite3")
        status = availability(pilot, self._places, self.settings.current_date())
        offer = availability_message(pilot, status, answer.language)
        return answer.model_copy(update={"pilot_id": pilot.id, "text": f"{answer.text}\n\n{offer}"})

    def _team(self, topic: str | None, language: Language) -> tuple[str | None, str | None]:
        found = self.routing.find(topic)
        if found is None:
            return None, None
        return found.team[language], found.contact_role[language]

    def _extractive(
        self,
        question: str,
        language: Language,
        composition: Composition,
        topic: str | None,
        topic_confidence: float,
        confidence: float,
        notes: tuple[str, ...],
    ) -> Answer:
        team, _ = self._team(topic, language)
        return Answer(
            question=question,
            language=language,
            answered=True,
            text=composition.text,
            confidence=confidence,
            topic=topic,
            topic_confidence=topic_confidence,
            citations=composition.citations,
            team=team,
            produced_by="extractive",
            notes=notes + composition.notes,
        )

    def _refusal(
        self,
        question: str,
        language: Language,
        topic: str | None,
        topic_confidence: float,
        confidence: float,
        notes: tuple[str, ...],
    ) -> Answer:
        team, contact_role = self._team(topic, language)
        if team is None:
            text = message("answer.refusal_no_team", language)
        else:
            text = message("answer.refusal", language, team=team, contact_role=contact_role)
        return Answer(
            question=question,
            language=language,
            answered=False,
            text=text,
            confidence=confidence,
            topic=topic,
            topic_confidence=topic_confidence,
            team=team,
            produced_by="extractive",
            notes=notes,
        )


def _query_notes(query: Query, language: Language) -> tuple[str, ...]:
    notes: list[str] = []
    if query.truncated_from is not None:
        notes.append(
            message(
                "answer.truncated_question",
                language,
                length=query.truncated_from,
                limit=MAX_QUERY_CHARS,
            )
        )
    if query.follow_up_of is not None:
        notes.append(message("answer.follow_up", language, previous=query.follow_up_of[:200]))
    return tuple(notes)
