"""Where an LLM answer may be produced, and how the answer names its producer.

An endpoint is local when its host is ``localhost`` (or a name under
``.localhost``), an address in 127.0.0.0/8, or ``::1``. Every other host is
external: questions sent there are redacted first, and channels listed in
``llm_forbidden_channels`` get the extractive answer instead.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.prompts import message
from indexer.models import Language

EXTRACTIVE = "extractive"
LOCAL = "llm:local"


@dataclass(frozen=True)
class Endpoint:
    """The host of an OpenAI-compatible endpoint and whether it is on this machine."""

    host: str
    is_local: bool

    @property
    def produced_by(self) -> str:
        """The ``Answer.produced_by`` value for answers from this endpoint."""
        return LOCAL if self.is_local else f"llm:{self.host}"


def is_local_host(host: str) -> bool:
    """Return True for localhost, *.localhost, 127.0.0.0/8 and ::1."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def endpoint_from_url(base_url: str) -> Endpoint:
    """Return the endpoint of ``base_url``; raise ValueError when it has no host."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"invalid LLM base URL {base_url!r}: expected http(s)://host[:port]/path, "
            "for example http://localhost:11434/v1; set MPSBOT_LLM_BASE_URL"
        )
    return Endpoint(host=parts.hostname, is_local=is_local_host(parts.hostname))


def generation_allowed(
    endpoint: Endpoint, channel: str | None, forbidden_channels: Collection[str]
) -> bool:
    """Return False when ``channel`` forbids sending its questions to an external endpoint."""
    if endpoint.is_local or channel is None:
        return True
    return channel not in forbidden_channels


def producer_line(produced_by: str, language: Language) -> str:
    """Return the line that tells the reader where the answer was produced."""
    if produced_by == EXTRACTIVE:
        return message("llm.produced_extractive", language)
    if produced_by == LOCAL:
        return message("llm.produced_local", language)
    host = produced_by.removeprefix("llm:")
    return message("llm.produced_external", language, host=host)
