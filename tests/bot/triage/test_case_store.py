import threading

import pytest
from triage_support import ASKER, STAFF, citation

from bot.models import Answer
from bot.triage.store import CaseNotFoundError, CaseStateError, CaseStore


def open_refusal(store, question="Hva koster CIPS i 2031?", topic="cips"):
    return store.open_case(
        kind="refusal",
        question=question,
        asker=ASKER,
        channel="C0001",
        thread_ts="1690000000.000001",
        permalink=None,
        topic=topic,
        draft_answer="Jeg vet ikke.",
        sources=[citation()],
    )


def sample_answer(text="Ifølge kildene: CIPS er en avtale [1]."):
    return Answer(
        question="Hva er CIPS?",
        language="nb",
        answered=True,
        text=text,
        confidence=0.7,
        citations=(citation("cips"),),
    )


def test_open_case_stores_fields(store):
    case = open_refusal(store)
    assert case.id == 1
    assert case.status == "new"
    assert case.kind == "refusal"
    assert case.sources[0].document_id == "cyberx"
    assert case.created_at == case.updated_at


def test_question_kept_verbatim(store):
    raw = "  Hei!\n\nHva gjelder for *oss*?  <@U123> 🙂 '; DROP TABLE cases; --"
    case = open_refusal(store, question=raw)
    assert store.require_case(case.id).question == raw


def test_assign_answer_close_flow(store):
    case = open_refusal(store)
    assigned = store.assign(case.id, STAFF, actor=STAFF)
    assert assigned.status == "assigned"
    assert assigned.assignee == STAFF
    answered = store.record_answer(case.id, "Svar: se avtalen.", author=STAFF)
    assert answered.status == "answered"
    assert answered.answered_at is not None
    assert answered.staff_answer == "Svar: se avtalen."
    closed = store.close(case.id, actor=STAFF)
    assert closed.status == "closed"
    assert closed.closed_at is not None


def test_second_answer_keeps_first_in_history(store):
    case = open_refusal(store)
    store.record_answer(case.id, "Første svar", author=STAFF)
    store.record_answer(case.id, "Andre svar", author=STAFF)
    texts = [event.text for event in store.events(case.id) if event.action == "answered"]
    assert texts == ["Første svar", "Andre svar"]
    assert store.require_case(case.id).staff_answer == "Andre svar"


def test_closed_case_rejects_answer(store):
    case = open_refusal(store)
    store.close(case.id)
    with pytest.raises(CaseStateError, match="closed"):
        store.record_answer(case.id, "For sent", author=STAFF)


def test_close_twice_keeps_first_time(store):
    case = open_refusal(store)
    first = store.close(case.id)
    second = store.close(case.id)
    assert second.closed_at == first.closed_at


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_answer_rejected(store, text):
    case = open_refusal(store)
    with pytest.raises(CaseStateError, match="empty"):
        store.record_answer(case.id, text, author=STAFF)


def test_reassign_resets_assignee(store):
    case = open_refusal(store)
    store.assign(case.id, STAFF)
    moved = store.reassign(case.id, "legal", actor=STAFF)
    assert moved.topic == "legal"
    assert moved.status == "new"
    assert moved.assignee is None


def test_unknown_case_raises(store):
    with pytest.raises(CaseNotFoundError, match="case 99 not found"):
        store.assign(99, STAFF)
    assert store.get_case(99) is None


def test_list_filters_status_and_topic(store):
    first = open_refusal(store, topic="cips")
    open_refusal(store, topic="legal")
    store.close(first.id)
    assert [case.id for case in store.list_cases(status="closed")] == [1]
    assert [case.id for case in store.list_cases(topic="legal")] == [2]
    assert store.list_cases(status="new", topic="cips") == []


def test_find_by_triage_message(store):
    case = open_refusal(store)
    store.set_triage_message(case.id, "CTRIAGE", "1700000000.000009")
    assert store.find_by_triage_message("CTRIAGE", "1700000000.000009").id == case.id
    assert store.find_by_triage_message("COTHER", "1700000000.000009") is None


def test_reply_round_trip(store):
    reply_id = store.save_reply(
        question="Hva er CIPS?", answer=sample_answer(), channel="C1", thread_ts="1.1", asker=ASKER
    )
    store.set_reply_ts(reply_id, "1.2")
    reply = store.get_reply(reply_id)
    assert reply.answer.citations[0].document_id == "cips"
    assert reply.message_ts == "1.2"
    assert store.get_reply("missing") is None


def test_thread_questions_oldest_first(store):
    for question in ["første", "andre", "tredje", "fjerde"]:
        store.save_reply(
            question=question, answer=sample_answer(), channel="C1", thread_ts="1.1", asker=ASKER
        )
    assert store.thread_questions("C1", "1.1", limit=3) == ["andre", "tredje", "fjerde"]
    assert store.thread_questions("C1", "9.9") == []


def test_feedback_stores_answer(store):
    reply_id = store.save_reply(
        question="Hva er CIPS?", answer=sample_answer(), channel="C1", thread_ts=None, asker=None
    )
    feedback_id = store.record_feedback(reply_id=reply_id, rating="down", user=ASKER)
    assert feedback_id == 1
    assert store.feedback_count("down") == 1
    with pytest.raises(CaseNotFoundError):
        store.record_feedback(reply_id="missing", rating="up", user=ASKER)


def test_concurrent_writes_lose_nothing(tmp_path):
    path = tmp_path / "mpsbot.sqlite3"
    CaseStore(path)
    errors = []

    def write(worker):
        store = CaseStore(path)
        try:
            for index in range(20):
                open_refusal(store, question=f"{worker}-{index}")
        except Exception as error:  # collected so the assertion below names it
            errors.append(error)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(CaseStore(path).list_cases()) == 80
