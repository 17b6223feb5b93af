import logging

import openai
import pytest
from llm_cases import CIPS, EXTRACTIVE_TEXT, HITS, QUESTION_NB, extractive_answer
from openai_fake import Reply, answer_from_sources

from bot.generation import LLMGenerator, LLMSettingsError
from bot.prompts import message
from bot.settings import Settings

GOOD_NB = (
    "CIPS står for Cloud Infrastructure and Platform Services [1]. "
    "Konkurransen gjelder infrastruktur- og plattformtjenester i offentlig sky [1]."
)
ENGLISH_REPLY = (
    "The competition covers infrastructure and platform services in the public cloud [3]. "
    "It is about what the agreement covers and how it works [3]."
)


@pytest.fixture
def generator(llm_settings, embedder):
    return LLMGenerator(llm_settings, embedder)


def generate(generator, **kwargs):
    return generator.generate(QUESTION_NB, "nb", HITS, extractive_answer(), **kwargs)


def is_fallback(answer):
    return answer.text == EXTRACTIVE_TEXT and answer.produced_by == "extractive"


def test_good_cited_answer(generator, fake_openai):
    fake_openai.script(Reply(GOOD_NB))
    answer = generate(generator)
    assert answer.text == (
        "CIPS står for Cloud Infrastructure and Platform Services. [1] "
        "Konkurransen gjelder infrastruktur- og plattformtjenester i offentlig sky. [1]"
    )
    assert [c.chunk_id for c in answer.citations] == ["cips#0"]
    assert answer.citations[0].n == 1
    assert "Cloud Infrastructure and Platform Services" in answer.citations[0].quote
    assert answer.produced_by == "llm:local"
    assert answer.notes == ()


def test_good_answer_sends_sources(generator, fake_openai):
    fake_openai.script(Reply(GOOD_NB))
    generate(generator)
    request = fake_openai.requests[0]
    assert request.body["model"] == "fake-model"
    assert request.body["max_tokens"] == 600
    assert request.headers["authorization"] == "Bearer sk-test-secret-key"
    assert '<source n="1" title="Tittel cips#0" language="nb">' in request.prompt()
    assert '<source n="3"' in request.prompt()
    assert QUESTION_NB in request.prompt()


def test_nonexistent_source_removed(generator, fake_openai):
    fake_openai.script(
        Reply(
            "CIPS står for Cloud Infrastructure and Platform Services [1][9]. "
            "Avtalen omfatter også containere og multisky [7]."
        )
    )
    answer = generate(generator)
    assert answer.text == "CIPS står for Cloud Infrastructure and Platform Services. [1]"
    assert len(answer.citations) == 1
    assert answer.produced_by == "llm:local"
    assert message("llm.sentences_removed", "nb", count=1, total=2) in answer.notes


def test_unsupported_citation_falls_back(generator, fake_openai):
    fake_openai.script(
        Reply("FinOps er en arbeidsmåte for å styre kostnadene ved skytjenester [1].")
    )
    answer = generate(generator)
    assert is_fallback(answer)
    assert message("llm.fallback_unsupported", "nb") in answer.notes


def test_unsupported_marker_dropped_supported_kept(generator, fake_openai):
    fake_openai.script(
        Reply(
            "FinOps er en arbeidsmåte for å styre kostnadene ved skytjenester [1][2]. "
            "CIPS står for Cloud Infrastructure and Platform Services [1]."
        )
    )
    answer = generate(generator)
    assert answer.text == (
        "FinOps er en arbeidsmåte for å styre kostnadene ved skytjenester. [1] "
        "CIPS står for Cloud Infrastructure and Platform Services. [2]"
    )
    assert [c.chunk_id for c in answer.citations] == ["finops#0", "cips#0"]


def test_mention_and_foreign_link_removed(generator, fake_openai):
    fake_openai.script(
        Reply(
            "<!channel> CIPS står for Cloud Infrastructure and Platform Services [1]. "
            "Konkurransen gjelder infrastruktur- og plattformtjenester i offentlig sky, "
            "se https://evil.example/login og https://www.dfo.no/cips [1]. @here"
        )
    )
    answer = generate(generator)
    assert "<!channel>" not in answer.text
    assert "@here" not in answer.text
    assert "evil.example" not in answer.text
    assert "https://www.dfo.no/cips" in answer.text
    assert answer.produced_by == "llm:local"


def test_english_reply_retried_then_fallback(generator, fake_openai):
    fake_openai.script(Reply(ENGLISH_REPLY), Reply(ENGLISH_REPLY))
    answer = generate(generator)
    assert is_fallback(answer)
    assert message("llm.fallback_language", "nb") in answer.notes
    assert len(fake_openai.requests) == 2
    assert "ikke på norsk bokmål" in fake_openai.requests[1].messages[-1]["content"]


def test_english_reply_retried_then_accepted(generator, fake_openai):
    fake_openai.script(Reply(ENGLISH_REPLY), Reply(GOOD_NB))
    answer = generate(generator)
    assert answer.produced_by == "llm:local"
    assert answer.text.startswith("CIPS står for")
    assert len(fake_openai.requests) == 2


def test_slow_reply_times_out(llm_settings, embedder, fake_openai):
    settings = llm_settings.model_copy(update={"llm_timeout_seconds": 0.3})
    fake_openai.script(Reply(GOOD_NB, delay_seconds=2.0))
    answer = generate(LLMGenerator(settings, embedder))
    assert is_fallback(answer)
    assert message("llm.fallback_failed", "nb") in answer.notes


@pytest.mark.parametrize("reply", [Reply(status=500), Reply(status=429), Reply(""), Reply("  ")])
def test_failed_reply_falls_back(generator, fake_openai, reply):
    fake_openai.script(reply)
    answer = generate(generator)
    assert is_fallback(answer)
    assert message("llm.fallback_failed", "nb") in answer.notes


def test_connection_error_falls_back(llm_settings, embedder, fake_openai):
    base_url = fake_openai.base_url
    fake_openai.stop()
    generator = LLMGenerator(llm_settings.model_copy(update={"llm_base_url": base_url}), embedder)
    answer = generate(generator)
    assert is_fallback(answer)
    assert message("llm.fallback_failed", "nb") in answer.notes


def test_failure_log_names_host_not_secrets(generator, fake_openai, caplog):
    fake_openai.script(Reply(status=500))
    with caplog.at_level(logging.DEBUG, logger="bot.generation"):
        generate(generator)
    logged = caplog.text
    assert "127.0.0.1" in logged
    assert "HTTP 500" in logged
    assert "sk-test-secret-key" not in logged
    assert QUESTION_NB not in logged


def test_streamed_reply_passes_partials(generator, fake_openai):
    fake_openai.script(Reply("<!here> " + GOOD_NB, stream_piece_chars=10))
    partials: list[str] = []
    answer = generate(generator, on_partial=partials.append)
    assert fake_openai.requests[0].stream
    assert len(partials) > 5
    assert partials[-1].startswith("CIPS står for")
    assert all("<!" not in partial for partial in partials)
    assert answer.produced_by == "llm:local"
    assert answer.text.endswith("i offentlig sky. [1]")


def test_stalled_stream_falls_back(llm_settings, embedder, fake_openai):
    settings = llm_settings.model_copy(update={"llm_timeout_seconds": 0.3})
    fake_openai.script(Reply(GOOD_NB, stream_stall_seconds=2.0))
    partials: list[str] = []
    answer = generate(LLMGenerator(settings, embedder), on_partial=partials.append)
    assert partials == ["CIPS står fo"]
    assert is_fallback(answer)
    assert message("llm.fallback_failed", "nb") in answer.notes


def test_from_sources_reply_is_kept(generator, fake_openai):
    fake_openai.default = answer_from_sources
    answer = generate(generator)
    assert answer.produced_by == "llm:local"
    assert answer.citations[0].chunk_id == CIPS.id


def test_unanswered_fallback_not_sent(generator, fake_openai):
    fallback = extractive_answer().model_copy(update={"answered": False})
    answer = generator.generate(QUESTION_NB, "nb", HITS, fallback)
    assert answer == fallback
    assert fake_openai.requests == []


def external_generator(llm_settings, embedder, fake_openai, **updates):
    settings = llm_settings.model_copy(
        update={"llm_base_url": "https://llm.example.org/v1", **updates}
    )
    client = openai.OpenAI(base_url=fake_openai.base_url, api_key="sk-test", max_retries=0)
    return LLMGenerator(settings, embedder, client=client)


def test_external_endpoint_named(llm_settings, embedder, fake_openai):
    fake_openai.script(Reply(GOOD_NB))
    answer = generate(external_generator(llm_settings, embedder, fake_openai))
    assert answer.produced_by == "llm:llm.example.org"


def test_external_question_redacted(llm_settings, embedder, fake_openai):
    fake_openai.script(Reply(GOOD_NB))
    generator = external_generator(llm_settings, embedder, fake_openai)
    question = "Kari Nordmann (kari@firma.no, 912 34 567, <@U024BE7LH>) spør: hva står CIPS for?"
    generator.generate(
        question, "nb", HITS, extractive_answer(), people={"U024BE7LH": "Kari Nordmann"}
    )
    prompt = fake_openai.requests[0].prompt()
    assert "[person] ([e-post], [telefon], [person]) spør: hva står CIPS for?" in prompt
    assert "Kari" not in prompt


def test_local_question_not_redacted(generator, fake_openai):
    fake_openai.script(Reply(GOOD_NB))
    generator.generate("Kari spør: hva står CIPS for?", "nb", HITS, extractive_answer())
    assert "Kari spør" in fake_openai.requests[0].prompt()


def test_forbidden_channel_external(llm_settings, embedder, fake_openai):
    generator = external_generator(
        llm_settings, embedder, fake_openai, llm_forbidden_channels=["C0SECRET"]
    )
    answer = generate(generator, channel="C0SECRET")
    assert is_fallback(answer)
    assert message("llm.fallback_channel_policy", "nb") in answer.notes
    assert fake_openai.requests == []


def test_forbidden_channel_local_allowed(llm_settings, embedder, fake_openai):
    settings = llm_settings.model_copy(update={"llm_forbidden_channels": ["C0SECRET"]})
    fake_openai.script(Reply(GOOD_NB))
    answer = generate(LLMGenerator(settings, embedder), channel="C0SECRET")
    assert answer.produced_by == "llm:local"


@pytest.mark.parametrize(
    ("updates", "expected"),
    [
        ({"llm_base_url": None}, "MPSBOT_LLM_BASE_URL"),
        ({"llm_model": None}, "MPSBOT_LLM_MODEL"),
        ({"llm_model": "  "}, "MPSBOT_LLM_MODEL"),
        ({"llm_base_url": None, "llm_model": None}, "MPSBOT_LLM_BASE_URL and MPSBOT_LLM_MODEL"),
        ({"llm_base_url": "localhost:11434"}, "invalid LLM base URL"),
    ],
)
def test_settings_validation(tmp_path, embedder, updates, expected):
    values = {
        "data_dir": tmp_path,
        "generator": "llm",
        "llm_base_url": "http://localhost:11434/v1",
        "llm_model": "llama3",
        **updates,
    }
    with pytest.raises(LLMSettingsError, match=expected):
        LLMGenerator(Settings(**values), embedder)
