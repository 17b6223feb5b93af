"""LLMGenerator: answers written by a model behind an OpenAI-compatible endpoint.

The extractive answer is the fallback for every failure: a channel that forbids
external generation, a timeout, a connection or HTTP error, an empty reply, a reply
in the wrong language after one retry, or a reply whose sentences are not supported
by the sources they cite.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import openai
from openai.types.chat import ChatCompletionMessageParam

from bot.generation.checking import CheckedAnswer, allowed_urls, check_reply
from bot.generation.citations import parse_answer
from bot.generation.pii import redact
from bot.generation.policy import Endpoint, endpoint_from_url, generation_allowed
from bot.generation.prompting import (
    build_messages,
    language_retry_messages,
    prompt_sources,
    unique_chunks,
)
from bot.generation.sanitize import remove_foreign_links, remove_mentions
from bot.generation.support import SentenceEmbedder, SupportChecker
from bot.language import detect_language
from bot.models import Answer
from bot.prompts import message
from bot.settings import Settings
from indexer.models import Chunk, Hit, Language

logger = logging.getLogger(__name__)

# Some servers (Ollama, llama.cpp) need no key, but the client requires one.
_PLACEHOLDER_KEY = "no-key"
_MARKER_NOTE = re.compile(r"\[\d+\]")
_UNCLOSED_TAG = re.compile(r"<[^>]*$")


class LLMSettingsError(ValueError):
    """The LLM settings are incomplete or invalid."""


class GenerationFailed(Exception):
    """The endpoint gave no usable reply: timeout, connection or HTTP error, empty text."""


def validate_llm_settings(settings: Settings) -> Endpoint:
    """Check the settings LLM mode needs and return the endpoint, or raise LLMSettingsError."""
    missing = [
        name
        for name, value in (
            ("MPSBOT_LLM_BASE_URL", settings.llm_base_url),
            ("MPSBOT_LLM_MODEL", settings.llm_model),
        )
        if not (value and value.strip())
    ]
    if missing:
        raise LLMSettingsError(
            f"MPSBOT_GENERATOR=llm needs {' and '.join(missing)}: set the endpoint URL "
            "(for example http://localhost:11434/v1) and the model name, or set "
            "MPSBOT_GENERATOR=extractive"
        )
    try:
        return endpoint_from_url(settings.llm_base_url or "")
    except ValueError as error:
        raise LLMSettingsError(str(error)) from error


class LLMGenerator:
    """A ``bot.models.Generator`` that asks a model and checks its citations."""

    def __init__(
        self, settings: Settings, embedder: SentenceEmbedder, *, client: Any = None
    ) -> None:
        self.endpoint = validate_llm_settings(settings)
        self.model = (settings.llm_model or "").strip()
        self.timeout = settings.llm_timeout_seconds
        self.max_tokens = settings.llm_max_tokens
        self.forbidden_channels = frozenset(settings.llm_forbidden_channels)
        self.checker = SupportChecker(embedder)
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
        self.client = client or openai.OpenAI(
            base_url=(settings.llm_base_url or "").strip(),
            api_key=key or _PLACEHOLDER_KEY,
            timeout=self.timeout,
            max_retries=0,
        )

    def generate(
        self,
        question: str,
        language: Language,
        hits: Sequence[Hit],
        fallback: Answer,
        *,
        channel: str | None = None,
        on_partial: Callable[[str], None] | None = None,
        people: Mapping[str, str] | None = None,
    ) -> Answer:
        """Return the model's checked answer, or ``fallback`` with a note saying why not.

        ``people`` maps Slack user ids to names that are redacted from the question
        before it goes to an external endpoint.
        """
        if not hits or not fallback.answered:
            return fallback
        if not generation_allowed(self.endpoint, channel, self.forbidden_channels):
            logger.info("LLM not used: channel=%s forbids external generation", channel)
            return _with_note(fallback, "llm.fallback_channel_policy", language)

        chunks = unique_chunks(hits)
        if not self.endpoint.is_local:
            question = redact(question, language, people)
        messages = build_messages(question, language, prompt_sources(chunks))
        try:
            reply = self._complete(messages, chunks, on_partial)
            if _language_of(reply, language) != language:
                logger.info("LLM reply not in %s; retrying once", language)
                retry = language_retry_messages(messages, reply, language)
                reply = self._complete(retry, chunks, on_partial)
                if _language_of(reply, language) != language:
                    logger.warning("LLM reply from %s not in %s", self.endpoint.host, language)
                    return _with_note(fallback, "llm.fallback_language", language)
        except GenerationFailed as error:
            logger.warning(
                "LLM request to %s failed (%s); using the extractive answer",
                self.endpoint.host,
                error,
            )
            return _with_note(fallback, "llm.fallback_failed", language)

        checked = check_reply(reply, chunks, self.checker)
        if checked is None:
            logger.info("LLM reply from %s failed the support check", self.endpoint.host)
            return _with_note(fallback, "llm.fallback_unsupported", language)
        return self._answer(checked, language, fallback)

    def _answer(self, checked: CheckedAnswer, language: Language, fallback: Answer) -> Answer:
        # Notes that cite [n] refer to the extractive text's numbering, not to this one.
        notes = [note for note in fallback.notes if not _MARKER_NOTE.search(note)]
        removed = checked.total_sentences - checked.kept_sentences
        if removed:
            notes.append(
                message(
                    "llm.sentences_removed",
                    language,
                    count=removed,
                    total=checked.total_sentences,
                )
            )
        logger.info(
            "LLM answer from %s: sentences kept=%d of %d, citations=%d",
            self.endpoint.host,
            checked.kept_sentences,
            checked.total_sentences,
            len(checked.citations),
        )
        return fallback.model_copy(
            update={
                "text": checked.text,
                "citations": checked.citations,
                "produced_by": self.endpoint.produced_by,
                "notes": tuple(notes),
            }
        )

    def _complete(
        self,
        messages: list[ChatCompletionMessageParam],
        chunks: Sequence[Chunk],
        on_partial: Callable[[str], None] | None,
    ) -> str:
        """Request a completion and return its text, or raise GenerationFailed on any failure."""
        started = time.monotonic()
        try:
            if on_partial is None:
                response = self.client.chat.completions.create(
                    model=self.model, messages=messages, max_tokens=self.max_tokens
                )
                text = response.choices[0].message.content if response.choices else None
            else:
                stream = self.client.chat.completions.create(
                    model=self.model, messages=messages, max_tokens=self.max_tokens, stream=True
                )
                text = self._collect_stream(stream, chunks, on_partial, started)
        except openai.APITimeoutError as error:
            raise GenerationFailed(f"timed out after {self.timeout} s") from error
        except openai.APIStatusError as error:
            raise GenerationFailed(f"HTTP {error.status_code}") from error
        except openai.APIError as error:
            raise GenerationFailed(type(error).__name__) from error
        if not text or not text.strip():
            raise GenerationFailed("empty reply")
        logger.debug("LLM reply: %d characters", len(text))
        return text

    def _collect_stream(
        self,
        stream: Iterable[Any],
        chunks: Sequence[Chunk],
        on_partial: Callable[[str], None],
        started: float,
    ) -> str:
        """Join streamed deltas, passing cleaned partial text to ``on_partial``."""
        allowed = allowed_urls(chunks)
        parts: list[str] = []
        for event in stream:
            if time.monotonic() - started > self.timeout:
                raise GenerationFailed(f"stream exceeded {self.timeout} s")
            delta = event.choices[0].delta.content if event.choices else None
            if delta:
                parts.append(delta)
                on_partial(_partial_text("".join(parts), allowed))
        return "".join(parts)


def _language_of(reply: str, expected: Language) -> Language:
    """Return the language most sentences of ``reply`` are in, or ``expected`` on a tie.

    Sentences are judged one by one because a product name such as "Cloud
    Infrastructure and Platform Services" would tip a short Norwegian reply to English.
    """
    votes = [detect_language(s.text, default=expected) for s in parse_answer(reply)]
    other = sum(vote != expected for vote in votes)
    if other > len(votes) - other:
        return "en" if expected == "nb" else "nb"
    return expected


def _partial_text(text: str, allowed: frozenset[str]) -> str:
    # A mention can arrive split over deltas, so an unclosed "<…" at the end waits.
    text = _UNCLOSED_TAG.sub("", text)
    return remove_foreign_links(remove_mentions(text), allowed).strip()


def _with_note(fallback: Answer, key: str, language: Language) -> Answer:
    return fallback.model_copy(update={"notes": (*fallback.notes, message(key, language))})
