"""Fixtures for loader tests: a knowledge directory under tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "knowledge"
    directory.mkdir()
    return directory
