"""Promotion of a staff answer to an FAQ document in the knowledge base.

The document is ``<knowledge_dir>/faq/promoted/case-<id>.md``: front matter with
``id: faq-case-<id>``, the question as a ``##`` heading and the staff answer below it,
so the next ``mpsbot index`` makes the bot answer the question from it.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from pathlib import Path

import yaml

from bot.language import detect_language
from bot.routing import Routing
from bot.triage.records import Case
from indexer.models import Language

logger = logging.getLogger(__name__)

PROMOTED_DIR = Path("faq") / "promoted"
DEFAULT_TOPIC = "marketplace"


class PromotionError(ValueError):
    """The case cannot be promoted, or its FAQ document already exists."""


class _PlainDumper(yaml.SafeDumper):
    """SafeDumper that writes repeated values out, because the loader rejects aliases."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def promoted_path(knowledge_dir: Path, case_id: int) -> Path:
    return knowledge_dir / PROMOTED_DIR / f"case-{case_id}.md"


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _questions(
    case: Case, question_nb: str | None, question_en: str | None
) -> tuple[Language, str, str | None]:
    """Return the document language, its main question and the other language's phrasing."""
    if question_nb and not question_en:
        return "nb", question_nb, None
    if question_en and not question_nb:
        return "en", question_en, None
    language = detect_language(case.question)
    if question_nb and question_en:
        main, other = (question_nb, question_en) if language == "nb" else (question_en, question_nb)
        return language, main, other
    return language, case.question, None


def render_faq(
    case: Case,
    *,
    routing: Routing,
    today: date,
    question_nb: str | None = None,
    question_en: str | None = None,
) -> str:
    """Return the Markdown text of the FAQ document for an answered case."""
    if not case.staff_answer or not case.staff_answer.strip():
        raise PromotionError(
            f"case {case.id} has no staff answer; answer it before promoting it to an FAQ"
        )
    language, question, other_question = _questions(case, question_nb, question_en)
    title = _one_line(question)
    if not title:
        raise PromotionError(f"case {case.id}: the question is empty; pass --question-nb")
    topic = routing.find(case.topic) or routing.find(DEFAULT_TOPIC)
    meta = {
        "id": f"faq-case-{case.id}",
        "title": title,
        "kind": "faq",
        "topic": topic.id if topic else DEFAULT_TOPIC,
        "language": language,
        "published": today,
        "reviewed": today,
        "audience": case.audience,
        "author_role": topic.contact_role[language] if topic else "MPS",
        "promoted_from_case": case.id,
    }
    front_matter = yaml.dump(meta, Dumper=_PlainDumper, allow_unicode=True, sort_keys=False)
    answer = case.staff_answer.strip()
    sections = [f"## {title}\n\n{answer}\n"]
    # The other language's phrasing gets its own heading so search finds either one.
    if other_question and _one_line(other_question):
        sections.append(f"## {_one_line(other_question)}\n\n{answer}\n")
    return f"---\n{front_matter}---\n\n" + "\n".join(sections)


def promote_case(
    case: Case,
    *,
    knowledge_dir: Path,
    routing: Routing,
    today: date,
    question_nb: str | None = None,
    question_en: str | None = None,
) -> Path:
    """Write the case's FAQ document and return its path; an existing file is kept."""
    text = render_faq(
        case, routing=routing, today=today, question_nb=question_nb, question_en=question_en
    )
    path = promoted_path(knowledge_dir, case.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as file:
            file.write(text)
    except FileExistsError as error:
        raise PromotionError(
            f"{path} already exists; edit that file by hand or delete it to promote case "
            f"{case.id} again"
        ) from error
    logger.info("promoted case %d to %s", case.id, path)
    return path
