import csv
import io
import json

import frontmatter
import pytest
from slackfake import BOT_TOKEN
from triage_support import ASKER, TODAY, citation
from typer.testing import CliRunner

from bot.triage.cli import app
from bot.triage.store import CaseStore

runner = CliRunner()


@pytest.fixture
def cli_store(tmp_path, pilot_knowledge, monkeypatch):
    monkeypatch.setenv("MPSBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MPSBOT_KNOWLEDGE_DIR", str(pilot_knowledge))
    monkeypatch.setenv("MPSBOT_TODAY", TODAY.isoformat())
    monkeypatch.delenv("MPSBOT_SLACK_BOT_TOKEN", raising=False)
    store = CaseStore(tmp_path / "data" / "mpsbot.sqlite3")
    for question, topic in [("Hva koster CIPS, «egentlig»?", "cips"), ("Er GDPR, ok?", "legal")]:
        store.open_case(
            kind="refusal",
            question=question,
            asker=ASKER,
            channel="C0001",
            thread_ts="1690000000.000001",
            permalink=None,
            topic=topic,
            draft_answer=None,
            sources=[citation()],
        )
    return store


def invoke(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_list_table(cli_store):
    result = invoke("list")
    assert result.exit_code == 0
    assert "Hva koster CIPS" in result.output
    assert "Er GDPR" in result.output


def test_list_filters_topic_json(cli_store):
    result = invoke("list", "--topic", "legal", "--json")
    cases = json.loads(result.output)
    assert [case["id"] for case in cases] == [2]


def test_list_empty_filter(cli_store):
    assert "No cases match" in invoke("list", "--status", "closed").output


def test_show_includes_events(cli_store):
    data = json.loads(invoke("show", "1").output)
    assert data["question"] == "Hva koster CIPS, «egentlig»?"
    assert data["events"][0]["action"] == "opened"


def test_show_unknown_case(cli_store):
    result = invoke("show", "42")
    assert result.exit_code == 2
    assert "case 42 not found" in result.output


def test_assign_sets_assignee(cli_store):
    result = invoke("assign", "1", "--to", "UKARI")
    assert result.exit_code == 0
    assert cli_store.require_case(1).assignee == "UKARI"


def test_answer_without_token_records(cli_store):
    result = invoke("answer", "1", "--text", "Se prislisten.")
    assert result.exit_code == 0
    assert "MPSBOT_SLACK_BOT_TOKEN is not set" in result.output
    assert cli_store.require_case(1).staff_answer == "Se prislisten."


def test_answer_from_stdin(cli_store):
    result = invoke("answer", "2", input="Svar fra stdin\nmed to linjer\n")
    assert result.exit_code == 0
    assert cli_store.require_case(2).staff_answer == "Svar fra stdin\nmed to linjer\n"


def test_answer_empty_rejected(cli_store):
    result = invoke("answer", "1", input="   ")
    assert result.exit_code == 2
    assert cli_store.require_case(1).status == "new"


def test_answer_with_token_posts(cli_store, fake_slack, monkeypatch):
    monkeypatch.setenv("MPSBOT_SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("MPSBOT_SLACK_API_URL", fake_slack.api_url)
    result = invoke("answer", "1", "--text", "Se prislisten.")
    assert result.exit_code == 0
    assert "posted in the asker's Slack thread" in result.output
    post = fake_slack.calls("chat.postMessage")[0]
    assert post.params["thread_ts"] == "1690000000.000001"
    assert "Se prislisten." in post.params["text"]


def test_close_case(cli_store):
    assert invoke("close", "1").exit_code == 0
    assert cli_store.require_case(1).status == "closed"
    assert invoke("answer", "1", "--text", "for sent").exit_code == 2


def test_export_csv(cli_store, tmp_path):
    cli_store.record_answer(1, 'Svar, med komma og "sitat"\nog linjeskift', author="UKARI")
    output = tmp_path / "cases.csv"
    result = invoke("export", "--format", "csv", "--output", str(output))
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(output.read_text(encoding="utf-8"))))
    assert [row["id"] for row in rows] == ["1", "2"]
    assert rows[0]["question"] == "Hva koster CIPS, «egentlig»?"
    assert rows[0]["staff_answer"] == 'Svar, med komma og "sitat"\nog linjeskift'
    assert rows[0]["status"] == "answered"
    assert rows[0]["sources"] == "cyberx"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_export_csv_quotes_formulas(cli_store, start):
    cli_store.record_answer(1, f'{start}HYPERLINK("https://evil.example")', author="UKARI")
    rows = list(csv.DictReader(io.StringIO(invoke("export", "--format", "csv").output)))
    assert rows[0]["staff_answer"] == f'\'{start}HYPERLINK("https://evil.example")'
    assert rows[0]["question"] == "Hva koster CIPS, «egentlig»?"
    assert rows[0]["id"] == "1"


def test_export_json_keeps_formulas(cli_store):
    cli_store.record_answer(1, "=1+1", author="UKARI")
    cases = json.loads(invoke("export", "--format", "json").output)
    assert cases[0]["staff_answer"] == "=1+1"


def test_export_output_directory(cli_store, tmp_path):
    result = invoke("export", "--output", str(tmp_path))
    assert result.exit_code == 2
    assert f"{tmp_path}: it is a directory" in result.output
    assert "Traceback" not in result.output


def test_export_output_missing_folder(cli_store, tmp_path):
    output = tmp_path / "missing" / "x.csv"
    result = invoke("export", "--output", str(output))
    assert result.exit_code == 2
    assert f"the folder {output.parent} does not exist" in result.output
    assert not output.parent.exists()


def test_export_json_stdout(cli_store):
    cases = json.loads(invoke("export", "--format", "json").output)
    assert [case["topic"] for case in cases] == ["cips", "legal"]
    assert cases[0]["sources"][0]["document_id"] == "cyberx"


def test_promote_writes_front_matter(cli_store, pilot_knowledge):
    cli_store.record_answer(1, "CIPS-prisene finnes i avtalen.", author="UKARI")
    result = invoke("promote", "1", "--question-nb", "Hva koster CIPS?")
    assert result.exit_code == 0
    post = frontmatter.load(pilot_knowledge / "faq" / "promoted" / "case-1.md")
    assert post["id"] == "faq-case-1"
    assert post["title"] == "Hva koster CIPS?"
    assert post["kind"] == "faq"
    assert post["topic"] == "cips"
    assert post["language"] == "nb"
    assert post["published"] == TODAY
    assert post["reviewed"] == TODAY
    assert post["audience"] == "public"
    assert post["author_role"] == "prosjektleder for CIPS"
    assert post["promoted_from_case"] == 1
    assert post.content.startswith("## Hva koster CIPS?\n\nCIPS-prisene finnes i avtalen.")


def test_promote_refuses_overwrite(cli_store, pilot_knowledge):
    cli_store.record_answer(1, "Svar", author="UKARI")
    assert invoke("promote", "1").exit_code == 0
    result = invoke("promote", "1")
    assert result.exit_code == 2
    assert "already exists" in result.output


def test_promote_unanswered_rejected(cli_store):
    result = invoke("promote", "2")
    assert result.exit_code == 2
    assert "no staff answer" in result.output
