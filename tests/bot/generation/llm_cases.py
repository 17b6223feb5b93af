"""Chunks, hits and an extractive answer shared by the generation tests."""

from datetime import date

from bot.models import Answer, Citation
from indexer.models import Chunk, Hit


def make_chunk(chunk_id: str, text: str, *, language: str = "nb", **meta: object) -> Chunk:
    return Chunk(
        id=chunk_id,
        document_id=chunk_id.split("#")[0],
        text=text,
        heading_path=("Om avtalen",),
        title=str(meta.pop("title", f"Tittel {chunk_id}")),
        kind="guidance",
        topic=str(meta.pop("topic", "cips")),
        language=language,
        audience="public",
        source=f"cips/{chunk_id.split('#')[0]}.md",
        **meta,
    )


CIPS = make_chunk(
    "cips#0",
    "CIPS står for Cloud Infrastructure and Platform Services. "
    "Konkurransen gjelder infrastruktur- og plattformtjenester i offentlig sky. "
    "Avtalen omfatter også containere og multisky. "
    "Les mer på https://www.dfo.no/cips.",
    source_url="https://www.dfo.no/cips",
    reviewed=date(2025, 3, 1),
)
FINOPS = make_chunk(
    "finops#0",
    "FinOps er en arbeidsmåte for å styre kostnadene ved skytjenester. "
    "DFØ driver et nettverk der virksomheter deler erfaringer med FinOps.",
    topic="finops",
)
CIPS_EN = make_chunk(
    "cips-en#0",
    "CIPS stands for Cloud Infrastructure and Platform Services. "
    "The competition covers infrastructure and platform services in the public cloud.",
    language="en",
)
HITS = (
    Hit(chunk=CIPS, score=0.9),
    Hit(chunk=FINOPS, score=0.5),
    Hit(chunk=CIPS_EN, score=0.4),
)
QUESTION_NB = "Hva står CIPS for?"
EXTRACTIVE_TEXT = "Ifølge kildene: CIPS står for Cloud Infrastructure and Platform Services. [1]"


def extractive_answer(question: str = QUESTION_NB, language: str = "nb") -> Answer:
    citation = Citation(
        n=1,
        document_id="cips",
        title="Tittel cips#0",
        source="https://www.dfo.no/cips",
        quote="CIPS står for Cloud Infrastructure and Platform Services.",
        chunk_id="cips#0",
    )
    return Answer(
        question=question,
        language=language,
        answered=True,
        text=EXTRACTIVE_TEXT,
        confidence=0.8,
        topic="cips",
        citations=(citation,),
        notes=("(Kilde [1] er på engelsk.)",),
    )
