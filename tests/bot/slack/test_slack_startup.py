"""Start-up checks and a failing answering service, with a tiny in-test Answerer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from pydantic import SecretStr
from slack_fixtures import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, DispatchSender, mention_event
from slackfake import FakeSlack

from bot.models import Answer
from bot.routing import Routing
from bot.settings import Settings
from bot.slack.app import build_app, build_bot
from bot.slack.startup import SlackSetupError
from bot.triage.store import CaseStore
from indexer.models import Audience


class FailingAnswerer:
    """Stands in for an answering service whose index or model broke mid-run."""

    def answer(
        self,
        question: str,
        *,
        audiences: frozenset[Audience] = frozenset({"public"}),
        history: Sequence[str] = (),
        channel: str | None = None,
        top_k: int = 5,
        on_partial: Callable[[str], None] | None = None,
    ) -> Answer:
        raise RuntimeError("index unavailable")


def _settings(tmp_path: Path, fake: FakeSlack, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "knowledge_dir": tmp_path / "knowledge",
        "slack_bot_token": SecretStr(BOT_TOKEN),
        "slack_signing_secret": SecretStr(SIGNING_SECRET),
    }
    if "slack_api_url" not in overrides:
        values["slack_api_url"] = fake.api_url
    values.update(overrides)
    return Settings.model_validate(values)


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"slack_bot_token": None}, "MPSBOT_SLACK_BOT_TOKEN is missing"),
        ({"slack_bot_token": SecretStr("xoxb-wrong")}, r"rejected by Slack \(invalid_auth\)"),
        ({"slack_signing_secret": None}, "MPSBOT_SLACK_SIGNING_SECRET is missing"),
        ({"slack_app_token": SecretStr("xoxb-not-app")}, "MPSBOT_SLACK_APP_TOKEN is not an"),
    ],
    ids=["missing-token", "invalid-auth", "missing-secret", "wrong-app-token"],
)
def test_startup_names_setting(
    tmp_path: Path,
    fake_slack: FakeSlack,
    store: CaseStore,
    routing: Routing,
    overrides: dict[str, object],
    expected: str,
) -> None:
    settings = _settings(tmp_path, fake_slack, **overrides)
    with pytest.raises(SlackSetupError, match=expected):
        build_app(settings, FailingAnswerer(), store, routing)


def test_startup_unreachable_names_url(
    tmp_path: Path, fake_slack: FakeSlack, store: CaseStore, routing: Routing
) -> None:
    url = fake_slack.api_url
    fake_slack.stop()
    settings = _settings(tmp_path, fake_slack, slack_api_url=url)
    with pytest.raises(SlackSetupError, match=f"Slack Web API at {url} is unreachable"):
        build_app(settings, FailingAnswerer(), store, routing)


def test_startup_never_logs_token(
    tmp_path: Path,
    fake_slack: FakeSlack,
    store: CaseStore,
    routing: Routing,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    settings = _settings(tmp_path, fake_slack, slack_app_token=SecretStr(APP_TOKEN))
    build_app(settings, FailingAnswerer(), store, routing)
    assert BOT_TOKEN not in caplog.text
    assert APP_TOKEN not in caplog.text


def test_failing_service_apologises(
    tmp_path: Path,
    fake_slack: FakeSlack,
    store: CaseStore,
    routing: Routing,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = build_bot(_settings(tmp_path, fake_slack), FailingAnswerer(), store, routing)
    event = mention_event("Hva er CIPS?", channel="C0007")
    DispatchSender(bot.app, "socket_mode").event(event)
    assert bot.drain()
    updates = fake_slack.calls("chat.update")
    assert len(updates) == 1
    assert updates[0].params["text"].startswith("Beklager")
    assert "answering failed: channel=C0007" in caplog.text
    assert f"thread_ts={event['ts']}" in caplog.text
