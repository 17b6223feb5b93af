import re
from datetime import date

import pytest

from bot.compose import VectorCache, answer_type, compose, states_kind
from bot.sentences import split_sentences, strip_markdown
from indexer.models import Chunk, Hit


def make_hit(chunk_id, text, *, score=1.0, language="nb", heading=("Pilot",), **meta):
    chunk = Chunk(
        id=chunk_id,
        document_id=meta.pop("document_id", chunk_id.split("#")[0]),
        text=text,
        heading_path=heading,
        title=meta.pop("title", f"Title {chunk_id}"),
        kind="guidance",
        topic=meta.pop("topic", "cyber"),
        language=language,
        audience="public",
        source=f"cyber/{chunk_id}.md",
        **meta,
    )
    return Hit(chunk=chunk, score=score, dense_similarity=0.85)


PILOT = make_hit(
    "pilot#0",
    "Utprøvingen av awareness and training er en del av CyberX. "
    "Utprøvingen starter 1. mars 2024 og varer i seks måneder. "
    "Inntil 10 virksomheter kan delta i utprøvingen. "
    "Leverandøren er valgt etter en konkurranse.",
    reviewed=date(2024, 1, 15),
    source_url="https://example.test/pilot",
)
OTHER = make_hit("other#0", "FinOps handler om kostnadsoptimalisering i skyen.", topic="finops")


def markers(text):
    return [int(number) for number in re.findall(r"\[(\d+)\]", text)]


def test_compose_picks_dated_sentence():
    composition = compose("Når starter utprøvingen av awareness and training?", "nb", [PILOT])
    assert "1. mars 2024" in composition.text


def test_compose_picks_number_sentence():
    composition = compose("Hvor mange virksomheter kan delta i utprøvingen?", "nb", [PILOT])
    assert "Inntil 10 virksomheter" in composition.text


def test_compose_quotes_sentence_not_chunk():
    composition = compose("Når starter utprøvingen?", "nb", [PILOT])
    assert "Leverandøren er valgt" not in composition.citations[0].quote


def test_compose_markers_match_citations():
    composition = compose("Når starter utprøvingen av awareness?", "nb", [PILOT, OTHER])
    numbers = [citation.n for citation in composition.citations]
    assert sorted(set(markers(composition.text))) == numbers


def test_compose_numbers_in_order_of_use():
    first = make_hit("b#0", "FinOps-rammeverket har tre faser.", score=0.5, topic="finops")
    second = make_hit("a#0", "FinOps handler om kostnader i skyen.", score=0.9, topic="finops")
    composition = compose("Hva er FinOps og hvor mange faser har FinOps?", "nb", [second, first])
    assert markers(composition.text)[0] == 1
    assert [citation.n for citation in composition.citations] == [1, 2][
        : len(composition.citations)
    ]


def test_compose_one_number_per_chunk():
    composition = compose("Når starter utprøvingen og hvor mange kan delta?", "nb", [PILOT])
    assert len(composition.citations) == 1
    assert set(markers(composition.text)) == {1}


def test_compose_citation_fields():
    citation = compose("Når starter utprøvingen?", "nb", [PILOT]).citations[0]
    assert citation.title == "Title pilot#0"
    assert citation.section == "Pilot"
    assert citation.date == "2024-01-15"
    assert citation.source == "https://example.test/pilot"
    assert "1. mars 2024" in citation.quote


def test_citation_section_drops_title_heading():
    hit = make_hit(
        "plan#0",
        "Utprøvingen starter 1. mars 2024.",
        heading=("Title plan#0", "Oppstart"),
    )
    citation = compose("Når starter utprøvingen?", "nb", [hit]).citations[0]
    assert citation.section == "Oppstart"


def test_compose_source_falls_back_to_path():
    citation = compose("Hva er FinOps?", "nb", [OTHER]).citations[0]
    assert citation.source == "cyber/other#0.md"


def test_compose_frames_in_question_language():
    english = make_hit("en#0", "The pilot starts on 1 March 2024.", language="en")
    composition = compose("Når starter utprøvingen?", "nb", [english])
    assert composition.text.startswith("Ifølge kildene:")
    assert "engelsk" in composition.text


def test_compose_english_lead_in():
    english = make_hit("en#0", "The pilot starts on 1 March 2024.", language="en")
    composition = compose("When does the pilot start?", "en", [english])
    assert composition.text.startswith("According to the sources:")
    assert composition.notes == ()


def test_compose_prefers_question_language():
    english = make_hit("en#0", "The pilot starts on 1 March 2024.", language="en", score=1.0)
    norwegian = make_hit("nb#0", "Piloten starter 1. mars 2024.", language="nb", score=1.0)
    composition = compose("Når starter piloten?", "nb", [english, norwegian])
    assert "Piloten starter" in composition.text
    assert "starts on" not in composition.text


def test_compose_skips_faq_question():
    faq = make_hit(
        "faq#0",
        "**Hva koster FinOps-kurset?**\n\nKurset koster 5000 kroner per deltaker.",
        topic="finops",
    )
    composition = compose("Hva koster FinOps-kurset?", "nb", [faq])
    assert "Hva koster" not in composition.citations[0].quote
    assert "5000 kroner" in composition.text


def test_compose_strips_markdown():
    hit = make_hit("md#0", "- **CIPS** er en [anskaffelse](https://x.test) av skytjenester.")
    composition = compose("Hva er CIPS?", "nb", [hit])
    assert composition.citations[0].quote == "CIPS er en anskaffelse av skytjenester."


def test_compose_no_sentences():
    assert compose("Hva er CIPS?", "nb", [make_hit("empty#0", "# Overskrift")]) is None


def test_compose_overlap_signal():
    composition = compose("Hvor mange virksomheter kan delta i utprøvingen?", "nb", [PILOT])
    assert composition.best_overlap == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Når starter piloten?", "date"),
        ("When does it start?", "date"),
        ("Hva er fristen?", "date"),
        ("Hvor mange kan delta?", "number"),
        ("How much does it cost?", "price"),
        ("Hva koster det?", "price"),
        ("Hva blir timeprisen?", "price"),
        ("Trenger vi avtale når DPF gjelder?", "other"),
        ("Hvorfor koster skyen så mye?", "other"),
        ("Hvem leverer tjenesten?", "name"),
        ("Who runs the pilot?", "name"),
        ("Hva er CIPS?", "definition"),
        ("What does PaaS stand for?", "definition"),
        ("Må vi betale for utprøvingen?", "price"),
        ("Kan kommuner delta?", "other"),
        ("Hvor mye av strømmen går til skyen?", "share"),
    ],
)
def test_answer_type_table(question, expected):
    assert answer_type(question) == expected


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("Utprøvingen starter 1. mars 2024.", "date", True),
        ("Utprøvingen varer i seks måneder.", "date", True),
        ("Påmeldingen åpner fra september.", "date", True),
        ("Utprøvingen er en del av CyberX.", "date", False),
        ("Inntil 10 virksomheter kan delta.", "number", True),
        ("CIPS belongs to the platforms area.", "number", False),
        ("MPS holdt informasjonsmøte 14. desember 2023.", "number", False),
        ("Seks virksomheter deltok i 2023.", "number", True),
        ("DFØ har ingen parkeringsplasser for besøkende.", "number", True),
        ("Kontrakten er estimert til 35 millioner kroner.", "price", True),
        ("Kapittel 5 handler om lisenser.", "price", False),
        ("CIPS er en anskaffelse.", "other", True),
    ],
)
def test_states_kind_table(text, kind, expected):
    assert states_kind(text, kind) is expected


def test_compose_prefers_defining_sentence():
    hits = [
        make_hit("finops#0", "Spørsmål om FinOps går til prosjektlederen.", topic="finops"),
        make_hit("finops#1", "FinOps handler om å styre kostnadene i skyen.", topic="finops"),
    ]
    composition = compose("Hva er FinOps?", "nb", hits)
    assert composition.text.split(" [")[0].endswith("FinOps handler om å styre kostnadene i skyen.")


def test_compose_share_prefers_percent():
    hits = [
        make_hit("grønn#0", "Datasentre i skyen henger sammen med strømmen 1:1.", topic="finops"),
        make_hit("grønn#1", "Datasentre bruker omtrent 15 % av strømmen.", topic="finops"),
    ]
    composition = compose("Hvor mye av strømmen bruker datasentre i skyen?", "nb", hits)
    assert "15 %" in composition.text.split(" [1]")[0]


def test_compose_ranks_hits_by_similarity():
    far = make_hit("pilot#1", "Utprøvingen har fire mål for sikkerhetskulturen.")
    near = make_hit("pilot#2", "Utprøvingen har plass til ti virksomheter.")
    hits = [
        far.model_copy(update={"dense_similarity": 0.80}),
        near.model_copy(update={"dense_similarity": 0.90}),
    ]
    composition = compose("Hva har utprøvingen?", "nb", hits)
    assert composition.citations[0].chunk_id == "pilot#2"


def test_compose_refuses_missing_price():
    composition = compose("Hva koster utprøvingen per time?", "nb", [PILOT])
    assert composition is None


def test_compose_skips_sentences_without_date():
    composition = compose("Når starter utprøvingen av awareness and training?", "nb", [PILOT])
    assert "en del av CyberX" not in composition.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Første setning. Andre setning.", ["Første setning.", "Andre setning."]),
        ("Dette gjelder bl.a. CIPS. Neste.", ["Dette gjelder bl.a. CIPS.", "Neste."]),
        ("Se f.eks. avtalen nr. 3 her.", ["Se f.eks. avtalen nr. 3 her."]),
        ("# Tittel\nTekst her.", ["Tekst her."]),
        ("- punkt en\n- punkt to", ["punkt en", "punkt to"]),
        ("Hva er dette?\nDette er svaret.", ["Dette er svaret."]),
        ("| a | b |\n|---|---|\n| 1 | 2 |", ["a b", "1 2"]),
    ],
)
def test_split_sentences_table(text, expected):
    assert [sentence.text for sentence in split_sentences(text)] == expected


def test_split_sentences_flags_list_items():
    sentences = split_sentences("Tre faser:\n\n- informere\n- optimalisere\n\nSlutt.")
    assert [sentence.list_item for sentence in sentences] == [False, True, True, False]


def test_strip_markdown_emphasis_and_links():
    assert strip_markdown("> **Merk:** se [lenke](http://x.test) og `kode`") == (
        "Merk: se lenke og kode"
    )


def test_compose_with_real_embedder(embedder):
    question = "When does the pilot start?"
    english = make_hit(
        "en#0",
        "The pilot is part of CyberX. The pilot starts on 1 March 2024. It is free of charge.",
        language="en",
    )
    composition = compose(question, "en", [english], embedder=embedder)
    assert "1 March 2024" in composition.text
    assert "free of charge" not in composition.citations[0].quote


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner):
        self.inner = inner
        self.embedded = 0

    def embed_query(self, text):
        self.embedded += 1
        return self.inner.embed_query(text)

    def embed_documents(self, texts):
        self.embedded += len(texts)
        return self.inner.embed_documents(texts)


def test_compose_reuses_cached_vectors(embedder):
    counting = CountingEmbedder(embedder)
    first = compose("Når starter utprøvingen?", "nb", [PILOT], embedder=counting)
    embedded_once = counting.embedded
    second = compose("Når starter utprøvingen?", "nb", [PILOT], embedder=counting)
    assert embedded_once > 0
    assert counting.embedded == embedded_once
    assert second.text == first.text


def test_vector_cache_drops_oldest(embedder):
    cache = VectorCache(CountingEmbedder(embedder), max_entries=2)
    cache.documents(["første setning", "andre setning", "tredje setning"])
    assert len(cache) == 2
    counting = cache._embedder
    cache.documents(["tredje setning"])
    assert counting.embedded == 3
    cache.documents(["første setning"])
    assert counting.embedded == 4
