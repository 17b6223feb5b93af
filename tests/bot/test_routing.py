import copy

import pytest
import yaml

from bot.routing import RoutingError, load_routing, parse_routing


def topic(topic_id="finops", **changes):
    entry = {
        "id": topic_id,
        "name": {"nb": "Kostnadsoptimalisering", "en": "Cost optimisation"},
        "team": {"nb": "FinOps-teamet", "en": "the FinOps team"},
        "contact_role": {"nb": "FinOps-rådgiver", "en": "FinOps adviser"},
        "triage_channel": "mps-finops",
        "description": {"nb": "Kostnader", "en": "Costs"},
        "keywords": ["finops", "kostnad"],
    }
    entry.update(changes)
    return entry


def without(entry, field):
    entry = copy.deepcopy(entry)
    del entry[field]
    return entry


def test_load_routing_reads_file(tmp_path):
    path = tmp_path / "routing.yaml"
    path.write_text(yaml.safe_dump({"topics": [topic(), topic("cips")]}), encoding="utf-8")
    routing = load_routing(path)
    assert routing.ids() == ["finops", "cips"]
    assert routing.get("cips").team["en"] == "the FinOps team"


def test_routing_get_unknown_topic():
    routing = parse_routing({"topics": [topic()]})
    with pytest.raises(KeyError, match="finops"):
        routing.get("nope")


def test_routing_find_unknown_topic():
    assert parse_routing({"topics": [topic()]}).find("nope") is None


@pytest.mark.parametrize(
    ("topics", "expected"),
    [
        (
            [topic(), without(topic("cyber"), "triage_channel")],
            r"topic #2 'cyber': missing 'triage_channel'",
        ),
        ([without(topic(), "team")], r"topic #1 'finops': missing 'team'"),
        ([without(topic(), "id")], r"topic #1: missing 'id'"),
        ([topic(team={"nb": "Teamet"})], r"topic #1 'finops': 'team' lacks language 'en'"),
        ([topic(keywords="finops")], r"topic #1 'finops': invalid 'keywords'"),
        ([topic("Bad Id")], r"topic #1 'Bad Id': invalid 'id'"),
        ([topic(colour="red")], r"topic #1 'finops': invalid 'colour'"),
        ([topic(), topic()], r"topic #2 'finops': duplicate id"),
        (["finops"], r"topic #1: expected a mapping"),
        ([], r"'topics' is empty"),
    ],
)
def test_parse_routing_rejects_bad_entry(topics, expected):
    with pytest.raises(RoutingError, match=expected):
        parse_routing({"topics": topics})


@pytest.mark.parametrize("data", [None, [], {"topic": []}, {"topics": "finops"}])
def test_parse_routing_rejects_bad_shape(data):
    with pytest.raises(RoutingError, match="top-level 'topics' list"):
        parse_routing(data)


def test_load_routing_missing_file(tmp_path):
    with pytest.raises(RoutingError, match="not found"):
        load_routing(tmp_path / "routing.yaml")


def test_load_routing_invalid_yaml(tmp_path):
    path = tmp_path / "routing.yaml"
    path.write_text("topics: [\n", encoding="utf-8")
    with pytest.raises(RoutingError, match="invalid YAML"):
        load_routing(path)
