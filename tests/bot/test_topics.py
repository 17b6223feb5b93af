import pytest

from bot.routing import parse_routing
from bot.topics import classify
from indexer.models import Chunk, Hit


def entry(topic_id, keywords):
    text = {"nb": topic_id, "en": topic_id}
    return {
        "id": topic_id,
        "name": text,
        "team": text,
        "contact_role": text,
        "triage_channel": f"triage-{topic_id}",
        "keywords": keywords,
    }


ROUTING = parse_routing(
    {
        "topics": [
            entry("finops", ["finops", "kostnad", "cloud cost"]),
            entry("cyber", ["cyberx", "threat intelligence"]),
            entry("legal", ["gdpr", "personvern"]),
        ]
    }
)


def hit(topic, rank=0):
    chunk = Chunk(
        id=f"{topic}-{rank}",
        document_id=topic,
        text="tekst",
        title="Tittel",
        kind="guidance",
        topic=topic,
        language="nb",
        audience="public",
        source=f"{topic}.md",
    )
    return Hit(chunk=chunk, score=1.0 / (rank + 1))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Hva er FinOps?", "finops"),
        ("Hvordan får vi ned kostnadene i skyen?", "finops"),
        ("How do we control cloud cost?", "finops"),
        ("Hva er CyberX?", "cyber"),
        ("What is Threat Intelligence?", "cyber"),
        ("Gjelder GDPR for skytjenester?", "legal"),
        ("Hva får vi ut av kostnadsprosjektet?", "finops"),
        ("Hvem har ansvar for personvernarbeidet?", "legal"),
    ],
)
def test_classify_by_keywords(question, expected):
    topic, confidence = classify(question, [], ROUTING)
    assert topic == expected
    assert confidence > 0.0


def test_classify_by_hits_only():
    topic, confidence = classify("Hva skjer nå?", [hit("cyber"), hit("cyber", 1)], ROUTING)
    assert topic == "cyber"
    assert confidence == pytest.approx(1.0)


def test_classify_keywords_outvote_one_hit():
    topic, _ = classify("Hva er FinOps?", [hit("cyber")], ROUTING)
    assert topic == "finops"


def test_classify_ignores_unknown_hit_topic():
    assert classify("Hva skjer nå?", [hit("general")], ROUTING) == (None, 0.0)


def test_classify_nothing_found():
    assert classify("Hei", [], ROUTING) == (None, 0.0)


def test_classify_confidence_in_range():
    _, confidence = classify("FinOps og GDPR", [hit("legal"), hit("finops", 1)], ROUTING)
    assert 0.0 <= confidence <= 1.0
