import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from bot import cli
from bot.models import Answer

runner = CliRunner()

JSON_FIELDS = {
    "question",
    "language",
    "answered",
    "answer",
    "confidence",
    "topic",
    "topic_confidence",
    "team",
    "produced_by",
    "produced_note",
    "notes",
    "citations",
}
CITATION_FIELDS = {"n", "document_id", "title", "section", "source", "page", "date", "quote"}


@pytest.fixture
def index_env(built_index_config, monkeypatch):
    monkeypatch.setenv("MPSBOT_DATA_DIR", str(built_index_config.data_dir))
    monkeypatch.setenv("MPSBOT_KNOWLEDGE_DIR", str(built_index_config.knowledge_dir))
    return built_index_config


def test_ask_json_shape(index_env):
    result = runner.invoke(cli.app, ["ask", "--json", "What does CIPS stand for?"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(payload) == JSON_FIELDS
    assert payload["answered"] is True
    assert set(payload["citations"][0]) == CITATION_FIELDS
    assert "Cloud Infrastructure and Platform Services" in payload["answer"]


def test_ask_human_output_lists_sources(index_env):
    result = runner.invoke(cli.app, ["ask", "Hva står CIPS for?"])
    assert result.exit_code == 0, result.output
    assert "Kilder:" in result.stdout
    assert "[1] " in result.stdout


def test_ask_stdin_batch(index_env):
    lines = "Hva står CIPS for?\n\n   \nWhat does CIPS stand for?\n"
    result = runner.invoke(cli.app, ["ask", "--json"], input=lines)
    assert result.exit_code == 0, result.output
    payloads = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [payload["language"] for payload in payloads] == ["nb", "en"]


def test_ask_rejects_audience(index_env):
    result = runner.invoke(cli.app, ["ask", "--audience", "everyone", "Hva er CIPS?"])
    assert result.exit_code != 0


def test_search_json_rows(index_env):
    result = runner.invoke(cli.app, ["search", "--json", "--top-k", "3", "CIPS"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [row["rank"] for row in rows] == [1, 2, 3]
    assert {"score", "bm25_rank", "dense_rank", "dense_similarity", "document_id"} <= set(rows[0])


@pytest.mark.parametrize("mode", ["bm25", "dense"])
def test_search_modes(index_env, mode):
    result = runner.invoke(cli.app, ["search", "--mode", mode, "CIPS"])
    assert result.exit_code == 0, result.output
    assert " 1. " in result.stdout


def test_search_rejects_mode(index_env):
    result = runner.invoke(cli.app, ["search", "--mode", "magic", "CIPS"])
    assert result.exit_code != 0


class FlakyService:
    """Answers every question except "boom", which fails like a broken index."""

    def answer(self, question, *, audiences=frozenset({"public"}), history=(), **_):
        if question == "boom":
            raise RuntimeError("index went away")
        return Answer(
            question=question,
            language="en",
            answered=True,
            text=f"echo {question} after {len(history)}",
            confidence=1.0,
        )


def test_chat_survives_error(monkeypatch):
    monkeypatch.setattr(cli, "_service", lambda settings: FlakyService())
    result = runner.invoke(cli.app, ["chat"], input="first\nboom\nsecond\nexit\nnever\n")
    assert result.exit_code == 0, result.output
    assert "echo first after 0" in result.stdout
    assert "index went away" in result.stderr
    assert "echo second after 1" in result.stdout
    assert "never" not in result.stdout


def test_chat_ends_on_eof(monkeypatch):
    monkeypatch.setattr(cli, "_service", lambda settings: FlakyService())
    result = runner.invoke(cli.app, ["chat"], input="first\n")
    assert result.exit_code == 0
    assert "echo first" in result.stdout


def write_document(path, document_id, text):
    path.write_text(
        f"---\nid: {document_id}\ntitle: {document_id}\ntopic: cips\n---\n\n# T\n\n{text}\n",
        encoding="utf-8",
    )


def test_index_summary_json(tmp_path, monkeypatch):
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    write_document(knowledge / "a.md", "a", "CIPS er en anskaffelse av skytjenester.")
    (knowledge / "broken.md").write_text("---\nid: [unclosed\n---\nText\n", encoding="utf-8")
    monkeypatch.setenv("MPSBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MPSBOT_KNOWLEDGE_DIR", str(knowledge))
    result = runner.invoke(cli.app, ["index", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["added"] == 1
    assert summary["chunks"] >= 1
    assert [failed["path"] for failed in summary["failed"]] == ["broken.md"]
    assert summary["failed"][0]["reason"]


def test_index_summary_text(tmp_path, monkeypatch):
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    write_document(knowledge / "a.md", "a", "CIPS er en anskaffelse av skytjenester.")
    monkeypatch.setenv("MPSBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MPSBOT_KNOWLEDGE_DIR", str(knowledge))
    first = runner.invoke(cli.app, ["index"])
    second = runner.invoke(cli.app, ["index"])
    assert "1 added" in first.stdout
    assert "1 unchanged" in second.stdout


def run_mpsbot(args, tmp_path, **env):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("MPSBOT_")}
    environment.update(
        HF_HUB_OFFLINE="1",
        MPSBOT_DATA_DIR=str(tmp_path / "data"),
        MPSBOT_KNOWLEDGE_DIR=str(tmp_path / "knowledge"),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("MPSBOT_MAX_CONCURRENT_ANSWERS", "0", "MPSBOT_MAX_CONCURRENT_ANSWERS"),
        ("MPSBOT_EMBEDDING_BACKEND", "magic", "MPSBOT_EMBEDDING_BACKEND"),
        ("MPSBOT_LOG_LEVEL", "LOUD", "MPSBOT_LOG_LEVEL"),
    ],
)
def test_main_bad_setting(tmp_path, variable, value, expected):
    result = run_mpsbot(["ask", "Hva er CIPS?"], tmp_path, **{variable: value})
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_main_missing_routing_file(tmp_path):
    (tmp_path / "knowledge").mkdir()
    result = run_mpsbot(["ask", "Hva er CIPS?"], tmp_path)
    assert result.returncode == 2
    assert "routing" in result.stderr
    assert "Traceback" not in result.stderr


def test_chat_help_and_new(monkeypatch):
    monkeypatch.setattr(cli, "_service", lambda settings: FlakyService())
    result = runner.invoke(cli.app, ["chat"], input="first\n/help\n/new\nsecond\nexit\n")
    assert result.exit_code == 0, result.output
    assert "/new" in result.stderr
    assert "echo first after 0" in result.stdout
    assert "echo second after 0" in result.stdout
    assert "/help" not in result.stdout
