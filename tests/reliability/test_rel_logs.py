"""Logs carry no tokens, no signing secret, no personal data, and no question text at
INFO or above for private channels: in-process records and the real CLI's stderr.
"""

from __future__ import annotations

import logging
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from rel_support import MPSBOT, SlackRig, mpsbot_env, slack_settings_for
from slack_fixtures import HttpSender, mention_event, message_event, serve_http
from slackfake import FakeSlack

from bot.logs import configure_logging
from bot.routing import Routing
from bot.service import AnswerService
from bot.slack.app import build_bot
from bot.triage.store import CaseStore
from indexer.config import IndexConfig

BOT_TOKEN = "xoxb-4242-reliability-bottoken"
SIGNING_SECRET = "rel-signing-secret-7f3a9c"
PRIVATE_CHANNEL = "CPRIVATE"
PUBLIC_CHANNEL = "CPUBLIC"
# A question with every kind of personal data the masking covers, and a word that only
# occurs in it, so its text can be found in a log line.
QUESTION_WORD = "Zebrafinkeprosjektet"
PERSONAL_DATA = ("kari.nordmann@dfo.no", "01017012345", "+47 92345678", "22 33 44 55")
QUESTION = (
    f"Kan {QUESTION_WORD} i CIPS sende faktura til kari.nordmann@dfo.no? "
    "Fødselsnummer 01017012345, ring +47 92345678 eller 22 33 44 55."
)
SECRETS = (BOT_TOKEN, SIGNING_SECRET, "4242-reliability")


@pytest.fixture
def masked_logging() -> Iterator[None]:
    """Configure logging as the entry points do, and restore the root logger after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    factory = logging.getLogRecordFactory()
    configure_logging("DEBUG")
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.setLogRecordFactory(factory)


def leaks(text: str) -> list[str]:
    return [value for value in (*SECRETS, *PERSONAL_DATA) if value in text]


def converse(rig: SlackRig) -> None:
    """Ask the question in a private channel, a public channel and a DM; wait for answers."""
    for event in (
        mention_event(QUESTION, channel=PRIVATE_CHANNEL, user="UASKER"),
        mention_event(QUESTION, channel=PUBLIC_CHANNEL, user="UASKER"),
        message_event(QUESTION, channel="D0ASKER", user="UASKER"),
    ):
        assert rig.http.event(event).status == 200
    assert rig.bot.drain(60)
    rig.fake.wait_for("chat.update", 3)


@pytest.fixture
def secret_rig(
    small_index: IndexConfig,
    small_service: AnswerService,
    store: CaseStore,
    routing: Routing,
) -> Iterator[SlackRig]:
    fake = FakeSlack(bot_token=BOT_TOKEN).start()
    settings = slack_settings_for(
        fake,
        small_index,
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        private_channels=[PRIVATE_CHANNEL],
    )
    bot = build_bot(settings, small_service, store, routing)
    try:
        with serve_http(bot.app) as url:
            yield SlackRig(bot, fake, HttpSender(url, SIGNING_SECRET), store, settings)
        bot.drain()
    finally:
        fake.stop()


def test_records_hide_secrets(
    masked_logging: None, secret_rig: SlackRig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    converse(secret_rig)
    assert caplog.records, "a Slack conversation should log something at DEBUG"
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "")
        assert leaks(text) == [], f"{record.name}: {text[:300]}"


def test_private_question_not_at_info(
    masked_logging: None, secret_rig: SlackRig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    converse(secret_rig)
    for record in caplog.records:
        if record.levelno < logging.INFO:
            continue
        text = record.getMessage()
        if PRIVATE_CHANNEL in text or QUESTION_WORD in text:
            assert QUESTION_WORD not in text, f"{record.name}: {text[:300]}"


# -- the real CLI ------------------------------------------------------------------


class StderrReader:
    """Collects a process's stderr on a thread, so the pipe never fills up."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stderr is not None
        self._stream = process.stderr
        self._chunks: list[bytes] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in iter(self._stream.readline, b""):
            self._chunks.append(line)

    def text(self) -> str:
        return b"".join(self._chunks).decode(errors="replace")

    def wait_for(self, pattern: str, timeout: float = 240) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.text())
            if found:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{pattern!r} not on stderr within {timeout} s:\n{self.text()}")

    def join(self) -> None:
        self._thread.join(timeout=30)


def test_cli_stderr_hides_secrets(small_index: IndexConfig, tmp_path: Path) -> None:
    fake = FakeSlack(bot_token=BOT_TOKEN).start()
    env = mpsbot_env(
        small_index.data_dir,
        small_index.knowledge_dir,
        MPSBOT_LOG_LEVEL="DEBUG",
        MPSBOT_SLACK_BOT_TOKEN=BOT_TOKEN,
        MPSBOT_SLACK_SIGNING_SECRET=SIGNING_SECRET,
        MPSBOT_SLACK_API_URL=fake.api_url,
        MPSBOT_PRIVATE_CHANNELS=PRIVATE_CHANNEL,
        MPSBOT_INTERNAL_CHANNELS="CINTERNAL",
    )
    # The case database goes to the data directory, so use a copy of the shared index.
    env["MPSBOT_DATA_DIR"] = str(tmp_path / "data")
    subprocess.run(["cp", "-r", str(small_index.data_dir), str(tmp_path / "data")], check=True)
    process = subprocess.Popen(
        [str(MPSBOT), "serve", "slack", "--port", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    reader = StderrReader(process)
    try:
        found = reader.wait_for(r"serving Slack events on (http://\S+/slack/events)")
        sender = HttpSender(found.group(1), SIGNING_SECRET)
        for event in (
            mention_event(QUESTION, channel=PRIVATE_CHANNEL, user="UASKER"),
            message_event(QUESTION, channel="D0ASKER", user="UASKER"),
        ):
            assert sender.event(event).status == 200
        fake.wait_for("chat.update", 2, timeout=120)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        reader.join()
        fake.stop()
    stderr = reader.text()
    assert "DEBUG" in stderr
    assert leaks(stderr) == []
    for line in stderr.splitlines():
        if " INFO " in line or " WARNING " in line or " ERROR " in line:
            assert QUESTION_WORD not in line, line


class ListHandler(logging.Handler):
    """Keeps every record it is given, unformatted."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_masking_covers_other_handlers(masked_logging: None) -> None:
    handler = ListHandler()
    logger = logging.getLogger("mpsbot.reliability.other")
    logger.addHandler(handler)
    try:
        logger.warning("question from %s: %s", "kari.nordmann@dfo.no", QUESTION)
    finally:
        logger.removeHandler(handler)
    assert len(handler.records) == 1
    assert leaks(handler.records[0].getMessage()) == []


def test_masking_survives_bad_arguments(masked_logging: None) -> None:
    create = logging.getLogRecordFactory()
    record = create(
        "mpsbot.reliability.bad",
        logging.WARNING,
        __file__,
        1,
        "count %d for kari.nordmann@dfo.no",
        ("not a number",),
        None,
    )
    assert "kari.nordmann" not in str(record.msg)
    assert record.args == ("not a number",)
