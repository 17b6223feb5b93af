"""Topic routing: which MPS team owns which topic, read from knowledge/routing.yaml.

The file looks like::

    topics:
      - id: finops
        name: {nb: Kostnadsoptimalisering, en: Cost optimisation}
        team: {nb: FinOps-teamet i MPS, en: the MPS FinOps team}
        contact_role: {nb: rådgiver for FinOps, en: FinOps adviser}
        triage_channel: mps-finops
        description: {nb: ..., en: ...}
        keywords: [finops, kostnad, cost]
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from indexer.models import Language

LocalizedText = dict[Language, str]


class RoutingError(ValueError):
    """routing.yaml is missing or invalid; the message names the entry and field."""


class Topic(BaseModel):
    """A topic of the knowledge base and the MPS team that owns it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: LocalizedText
    team: LocalizedText
    contact_role: LocalizedText
    triage_channel: str = Field(min_length=1)
    description: LocalizedText = Field(default_factory=dict)
    # Lower-case words or phrases whose presence in a question points to this topic.
    keywords: list[str] = Field(default_factory=list)


class Routing(BaseModel):
    """All topics, in file order."""

    model_config = ConfigDict(frozen=True)

    topics: list[Topic]

    def get(self, topic_id: str) -> Topic:
        """Return the topic with ``topic_id``; raises KeyError naming the known ids."""
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(f"unknown topic {topic_id!r}; known topics: {', '.join(self.ids())}")

    def find(self, topic_id: str | None) -> Topic | None:
        """Return the topic with ``topic_id``, or None when there is none."""
        return next((topic for topic in self.topics if topic.id == topic_id), None)

    def ids(self) -> list[str]:
        return [topic.id for topic in self.topics]


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    if first["type"] == "missing":
        return f"missing {location!r}"
    return f"invalid {location!r}: {first['msg']}"


def _parse_topic(raw: object, index: int, file_name: str) -> Topic:
    label = f"{file_name}: topic #{index}"
    if not isinstance(raw, dict):
        raise RoutingError(f"{label}: expected a mapping, got {type(raw).__name__}")
    if "id" in raw:
        label += f" {raw['id']!r}"
    try:
        topic = Topic.model_validate(raw)
    except ValidationError as error:
        raise RoutingError(f"{label}: {_describe(error)}") from error
    for field in ("name", "team", "contact_role"):
        missing = {"nb", "en"} - set(getattr(topic, field))
        if missing:
            raise RoutingError(f"{label}: {field!r} lacks language {sorted(missing)[0]!r}")
    return topic


def parse_routing(data: object, file_name: str = "routing.yaml") -> Routing:
    """Validate parsed routing YAML; raises RoutingError naming the bad entry and field."""
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
        raise RoutingError(f"{file_name}: expected a top-level 'topics' list")
    topics = [
        _parse_topic(raw, index, file_name) for index, raw in enumerate(data["topics"], start=1)
    ]
    if not topics:
        raise RoutingError(f"{file_name}: 'topics' is empty; add at least one topic")
    seen: set[str] = set()
    for index, topic in enumerate(topics, start=1):
        if topic.id in seen:
            raise RoutingError(f"{file_name}: topic #{index} {topic.id!r}: duplicate id")
        seen.add(topic.id)
    return Routing(topics=topics)


def load_routing(path: Path) -> Routing:
    """Read and validate the routing file at ``path``."""
    if not path.is_file():
        raise RoutingError(f"routing file {path} not found; set MPSBOT_ROUTING_FILE")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise RoutingError(f"{path.name}: invalid YAML: {error}") from error
    return parse_routing(data, path.name)
