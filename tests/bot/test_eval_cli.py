import json

import pytest
import typer
from typer.testing import CliRunner

from bot import eval_cli

runner = CliRunner()

SMALL_SET = """\
- id: cips-acronym-nb
  question: "Hva står CIPS for?"
  language: nb
  topic: cips
  expected_documents: [cips, cips-en, faq-cips, faq-cips-en]
  facts: ["Cloud Infrastructure and Platform Services"]
- id: cips-acronym-en
  question: "What does CIPS stand for?"
  language: en
  topic: cips
  expected_documents: [cips, cips-en, faq-cips, faq-cips-en]
  facts: ["Cloud Infrastructure and Platform Services"]
- id: oos-parental-leave-en
  question: "What are the parental leave rules for state employees?"
  language: en
  topic: legal
  out_of_scope: true
"""

VALID_ENTRY = """\
- id: ok-1
  question: "Hva står CIPS for?"
  language: nb
  expected_documents: [cips]
"""


@pytest.fixture
def index_env(built_index_config, monkeypatch):
    monkeypatch.setenv("MPSBOT_DATA_DIR", str(built_index_config.data_dir))
    monkeypatch.setenv("MPSBOT_KNOWLEDGE_DIR", str(built_index_config.knowledge_dir))
    return built_index_config


@pytest.fixture
def small_set(tmp_path):
    path = tmp_path / "questions-small.yaml"
    path.write_text(SMALL_SET, encoding="utf-8")
    return path


def test_eval_json_report(index_env, small_set):
    result = runner.invoke(eval_cli.app, [str(small_set), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["overall"]["questions"] == 3
    assert report["overall"]["out_of_scope"] == 1
    assert set(report["by_language"]) == {"nb", "en"}
    assert report["overall"]["recall_at_5"] == 1.0
    assert report["overall"]["fact_hit"] == 1.0
    assert report["overall"]["out_of_scope_refused"] == 1.0
    assert [row["id"] for row in report["results"]] == [
        "cips-acronym-nb",
        "cips-acronym-en",
        "oos-parental-leave-en",
    ]


def test_eval_table_output(index_env, small_set):
    result = runner.invoke(eval_cli.app, [str(small_set)])
    assert result.exit_code == 0, result.output
    assert "Golden set: 3 questions from 1 file(s)" in result.stdout
    assert "| metric | overall | en | nb |" in result.stdout
    for label in ("recall@1", "recall@5", "MRR", "nDCG@10", "citation precision"):
        assert f"| {label} |" in result.stdout
    assert "| out-of-scope refused | 1.000 |" in result.stdout


def test_eval_directory_reads_pattern(tmp_path):
    (tmp_path / "questions-a.yaml").write_text(VALID_ENTRY, encoding="utf-8")
    (tmp_path / "notes.yaml").write_text("not: golden", encoding="utf-8")
    paths = eval_cli.golden_paths(tmp_path)
    assert paths == [tmp_path / "questions-a.yaml"]


def test_eval_default_reads_repository_set():
    paths = eval_cli.golden_paths(None)
    questions = eval_cli.read_golden_set(paths)
    assert len(paths) >= 2
    assert any(question.out_of_scope for question in questions)


INVALID_FILES = [
    # (file text, words the error must contain)
    (
        "- id: a\n  question: q\n  language: de\n  expected_documents: [x]\n",
        ["#1", "'a'", "language"],
    ),
    ("- id: a\n  language: nb\n  expected_documents: [x]\n", ["#1", "'a'", "question"]),
    ("- id: a\n  question: q\n  language: nb\n", ["#1", "'a'", "expected_documents"]),
    (
        VALID_ENTRY + "- id: b\n  question: q\n  language: nb\n  expected_docs: [x]\n",
        ["#2", "'b'", "expected_docs", "unknown field"],
    ),
    ("- just a string\n", ["#1", "not a mapping"]),
    ("id: a\nquestion: q\n", ["expected a list"]),
    ("- id: a\n  question: [unclosed\n", ["invalid YAML"]),
    (VALID_ENTRY + VALID_ENTRY, ["#2", "'ok-1'", "field id", "already used"]),
    ("- question: q\n  language: nb\n  expected_documents: [x]\n", ["#1", "no id", "field id"]),
]


@pytest.mark.parametrize(("text", "expected"), INVALID_FILES)
def test_eval_invalid_file_names_entry(tmp_path, text, expected):
    path = tmp_path / "questions-bad.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(eval_cli.app, [str(path)])
    assert result.exit_code == 2
    assert "questions-bad.yaml" in result.stderr
    for word in expected:
        assert word in result.stderr


def test_eval_missing_file(tmp_path):
    result = runner.invoke(eval_cli.app, [str(tmp_path / "absent.yaml")])
    assert result.exit_code == 2
    assert "absent.yaml not found" in result.stderr


def test_eval_empty_file(tmp_path):
    path = tmp_path / "questions-empty.yaml"
    path.write_text("", encoding="utf-8")
    result = runner.invoke(eval_cli.app, [str(path)])
    assert result.exit_code == 2
    assert "golden set is empty" in result.stderr


def test_eval_registers_on_parent():
    parent = typer.Typer()

    @parent.command()
    def other() -> None:
        """A second command, so the parent is a group."""

    eval_cli.register(parent)
    result = runner.invoke(parent, ["eval", "--help"])
    assert result.exit_code == 0
    assert "golden" in result.stdout
