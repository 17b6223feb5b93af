"""Tests for ``mpsbot serve slack`` start-up errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.slack.cli import app


@pytest.mark.parametrize(
    "environment, expected",
    [
        ({}, "MPSBOT_SLACK_BOT_TOKEN is missing"),
        ({"MPSBOT_SLACK_BOT_TOKEN": "xoxb-1"}, "MPSBOT_SLACK_SIGNING_SECRET is missing"),
    ],
    ids=["no-token", "no-secret"],
)
def test_serve_slack_names_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: str
) -> None:
    for name in ("MPSBOT_SLACK_BOT_TOKEN", "MPSBOT_SLACK_APP_TOKEN", "MPSBOT_SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MPSBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MPSBOT_KNOWLEDGE_DIR", str(tmp_path / "knowledge"))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["slack"])
    assert result.exit_code == 1
    assert "Cannot start the Slack bot" in result.output
    assert expected in result.output
    assert "xoxb-1" not in result.output
