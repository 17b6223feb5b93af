from pathlib import Path

import pytest
import yaml

from bot import prompts
from bot.prompts import PromptError, message, render

MESSAGE_FILES = sorted((prompts.PROMPTS_DIR / "messages").glob("*.yaml"))


@pytest.fixture
def prompt_dir(tmp_path, monkeypatch):
    (tmp_path / "messages").mkdir()
    (tmp_path / "greeting.txt").write_text("Hei {{ name }}!", encoding="utf-8")
    (tmp_path / "messages" / "demo.yaml").write_text(
        yaml.safe_dump(
            {
                "hello": {"nb": "Hei {name}", "en": "Hello {name}"},
                "plain": {"nb": "Hei", "en": "Hi"},
            }
        ),
        encoding="utf-8",
    )
    (tmp_path / "messages" / "broken.yaml").write_text("hello: {nb: Hei}\n", encoding="utf-8")
    monkeypatch.setattr(prompts, "PROMPTS_DIR", Path(tmp_path))
    return tmp_path


def test_render_fills_variables(prompt_dir):
    assert render("greeting.txt", name="Kari") == "Hei Kari!"


def test_render_missing_variable(prompt_dir):
    with pytest.raises(PromptError, match=r"greeting\.txt.*name"):
        render("greeting.txt")


def test_render_unknown_template(prompt_dir):
    with pytest.raises(PromptError, match=r"nope\.txt"):
        render("nope.txt")


@pytest.mark.parametrize(("language", "expected"), [("nb", "Hei Kari"), ("en", "Hello Kari")])
def test_message_per_language(prompt_dir, language, expected):
    assert message("demo.hello", language, name="Kari") == expected


def test_message_missing_variable(prompt_dir):
    with pytest.raises(PromptError, match=r"demo\.hello.*name"):
        message("demo.hello", "nb")


@pytest.mark.parametrize("key", ["demo.unknown", "nofile.hello", "demo", "demo."])
def test_message_unknown_key(prompt_dir, key):
    with pytest.raises(PromptError):
        message(key, "nb")


def test_message_unknown_language(prompt_dir):
    with pytest.raises(PromptError, match="language"):
        message("demo.plain", "de")  # type: ignore[arg-type]


def test_message_entry_lacks_language(prompt_dir):
    with pytest.raises(PromptError, match=r"broken\.yaml.*'nb' and 'en'"):
        message("broken.hello", "nb")


@pytest.mark.parametrize("path", MESSAGE_FILES, ids=lambda path: path.name)
def test_shipped_messages_have_both_languages(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for name, entry in data.items():
        assert set(entry) >= {"nb", "en"}, f"{path.name}: {name}"


@pytest.mark.parametrize("path", MESSAGE_FILES, ids=lambda path: path.name)
def test_shipped_messages_same_placeholders(path):
    area = path.stem
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for name in data:
        key = f"{area}.{name}"
        assert prompts.placeholders(key, "nb") == prompts.placeholders(key, "en"), key


def test_answer_messages_render():
    assert message("answer.lead_in", "nb") == "Ifølge kildene:"
    assert "FinOps" in message("answer.refusal", "en", team="FinOps", contact_role="adviser")
