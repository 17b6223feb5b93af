from collections.abc import Iterator

import pytest
from openai_fake import FakeOpenAI

from bot.settings import Settings


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def llm_settings(tmp_path, fake_openai: FakeOpenAI) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        knowledge_dir=tmp_path / "knowledge",
        generator="llm",
        llm_base_url=fake_openai.base_url,
        llm_model="fake-model",
        llm_api_key="sk-test-secret-key",
        llm_timeout_seconds=5.0,
    )
