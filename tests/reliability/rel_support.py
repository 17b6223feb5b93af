"""Helpers for the reliability suite: a small knowledge base with an internal document,
Slack settings for it, and the real ``mpsbot`` command in a subprocess.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr
from slack_fixtures import BOT_TOKEN, SIGNING_SECRET, HttpSender
from slackfake import FakeSlack

from bot.settings import Settings
from bot.slack.app import SlackBot
from bot.triage.store import CaseStore
from indexer.config import IndexConfig

REPO_ROOT = Path(__file__).resolve().parents[2]
MPSBOT = REPO_ROOT / ".venv" / "bin" / "mpsbot"
INTERNAL_CHANNEL = "CINTERNAL"
PUBLIC_CHANNEL = "CPUBLIC"
STAFF_USER = "USTAFF"
OUTSIDER = "UOUTSIDE"
# Words that occur only in the internal document, not in the questions: a reply that
# contains one leaked it.
INTERNAL_MARKERS = ("blåbærsyltetøy", "4,2 millioner")
INTERNAL_DOCUMENT_ID = "intern-nordlys"
INTERNAL_QUESTION = "Hva er budsjettet og kodeordet for Nordlys-prosjektet i CIPS?"

DOCUMENTS: dict[str, str] = {
    "cips/cips-frist.md": (
        "---\nid: cips-frist\ntitle: Frister i CIPS\ntopic: cips\nlanguage: nb\n---\n\n"
        "# Frister i CIPS\n\n"
        "Fristen for å levere tilbud i CIPS er 1. mars 2024. "
        "Tilbud som kommer etter fristen blir avvist av DFØ.\n\n"
        "## Avrop\n\n"
        "Et avrop i CIPS er en bestilling fra rammeavtalen for skytjenester. "
        "Virksomheten gjør avropet selv i avropsløsningen.\n"
    ),
    "finops/finops-en.md": (
        "---\nid: finops-en\ntitle: FinOps in the cloud\ntopic: finops\nlanguage: en\n---\n\n"
        "# FinOps\n\n"
        "FinOps is the practice of planning and optimising cloud costs. "
        "The MPS FinOps team helps agencies find overspending in their cloud bills.\n"
    ),
    "cips/intern-nordlys.md": (
        f"---\nid: {INTERNAL_DOCUMENT_ID}\ntitle: Nordlys-prosjektet\ntopic: cips\n"
        "language: nb\naudience: internal\n---\n\n"
        "# Nordlys-prosjektet i CIPS\n\n"
        "Budsjettet for Nordlys-prosjektet i CIPS er 4,2 millioner kroner. "
        "Kodeordet for Nordlys-prosjektet er blåbærsyltetøy. "
        "Nordlys er et internt prosjekt i MPS-teamet om nye avrop i CIPS.\n"
    ),
}


def write_knowledge(directory: Path, documents: Mapping[str, str] = DOCUMENTS) -> Path:
    """Write ``documents`` (relative path to text) and the repository's routing file."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "knowledge" / "routing.yaml", directory / "routing.yaml")
    for relative, text in documents.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return directory


def slack_settings_for(fake: FakeSlack, config: IndexConfig, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": config.data_dir,
        "knowledge_dir": config.knowledge_dir,
        "slack_bot_token": SecretStr(BOT_TOKEN),
        "slack_signing_secret": SecretStr(SIGNING_SECRET),
        "slack_api_url": fake.api_url,
        "internal_channels": [INTERNAL_CHANNEL],
        "staff_users": [STAFF_USER],
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@dataclass
class SlackRig:
    """A real Bolt app over the small index, served over HTTP, and the fake Web API."""

    bot: SlackBot
    fake: FakeSlack
    http: HttpSender
    store: CaseStore
    settings: Settings


# -- the real mpsbot command ----------------------------------------------------------


def mpsbot_env(data_dir: Path, knowledge_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a real ``mpsbot`` process: offline, paths under tmp, no MPSBOT_* leaks."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MPSBOT_")}
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        MPSBOT_DATA_DIR=str(data_dir),
        MPSBOT_KNOWLEDGE_DIR=str(knowledge_dir),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def run_mpsbot(
    args: list[str], env: Mapping[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MPSBOT), *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
