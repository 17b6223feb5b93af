import json

import pytest
from slack_fixtures import block_action, message_event
from slack_sdk import WebClient
from slackfake import BOT_TOKEN
from triage_support import ASKER, STAFF, citation, view_submission

from bot.triage.posting import post_case


def open_refusal(store, topic="cips", question="Hva koster en VM i CIPS i 2031?"):
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


@pytest.fixture
def posted_case(fake_slack, store, routing):
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    return post_case(client, open_refusal(store), routing, store)


def action_ids(call):
    return [
        element["action_id"]
        for block in call.params["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def test_case_posted_to_topic_channel(posted_case, fake_slack):
    call = fake_slack.calls("chat.postMessage")[0]
    assert call.params["channel"] == "mps-triage-cips"
    assert action_ids(call) == ["case_assign_me", "case_answer", "case_reassign", "case_close"]
    assert posted_case.triage_ts == "1700000000.000001"
    assert posted_case.permalink.startswith("https://fake.slack.test/archives/C0001/")


def test_unknown_topic_goes_to_marketplace(fake_slack, store, routing):
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    post_case(client, open_refusal(store, topic="weather"), routing, store)
    assert fake_slack.calls("chat.postMessage")[0].params["channel"] == "mps-triage-marketplace"


def test_assign_me_updates_message(triage_app, posted_case, fake_slack, store):
    sender, _ = triage_app
    sender.send(
        "action",
        block_action(
            "case_assign_me",
            str(posted_case.id),
            response_url=fake_slack.response_url(),
            user=STAFF,
            channel="mps-triage-cips",
        ),
    )
    assert store.require_case(posted_case.id).assignee == STAFF
    update = fake_slack.wait_for("chat.update")[0]
    assert update.params["ts"] == posted_case.triage_ts
    assert "Tildelt" in json.dumps(update.params["blocks"], ensure_ascii=False)


def test_non_staff_cannot_assign(triage_app, posted_case, fake_slack, store):
    sender, _ = triage_app
    sender.send(
        "action",
        block_action(
            "case_assign_me",
            str(posted_case.id),
            response_url=fake_slack.response_url(),
            user="UOTHER",
        ),
    )
    assert store.require_case(posted_case.id).assignee is None
    assert "MPS-ansatte" in fake_slack.wait_for("chat.postEphemeral")[0].params["text"]


def test_answer_button_opens_modal(triage_app, posted_case, fake_slack):
    sender, _ = triage_app
    sender.send(
        "action",
        block_action(
            "case_answer", str(posted_case.id), response_url=fake_slack.response_url(), user=STAFF
        ),
    )
    view = fake_slack.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == "case_answer_modal"
    assert view["private_metadata"] == str(posted_case.id)


def test_answer_modal_posts_in_asker_thread(triage_app, posted_case, fake_slack, store):
    sender, _ = triage_app
    payload = view_submission(
        "case_answer_modal",
        {"answer": "Prisene er ikke kjent ennå."},
        private_metadata=str(posted_case.id),
    )
    response = sender.send("action", payload)
    assert response.status == 200
    post = fake_slack.wait_for("chat.postMessage", 2)[1]
    assert post.params["channel"] == "C0001"
    assert post.params["thread_ts"] == "1690000000.000001"
    assert post.params["text"].startswith("*Svar fra MPS-teamet (prosjektleder for CIPS)*\n")
    assert "Prisene er ikke kjent ennå." in post.params["text"]
    assert store.require_case(posted_case.id).status == "answered"


def test_empty_answer_modal_shows_error(triage_app, posted_case, fake_slack, store):
    sender, _ = triage_app
    payload = view_submission(
        "case_answer_modal", {"answer": "  "}, private_metadata=str(posted_case.id)
    )
    response = sender.send("action", payload)
    body = json.loads(response.body)
    assert body["response_action"] == "errors"
    assert "answer" in body["errors"]
    assert store.require_case(posted_case.id).status == "new"


def test_thread_reply_answers_case(triage_app, posted_case, fake_slack, store):
    sender, _ = triage_app
    event = message_event(
        "Dette svarer vi på i neste uke.",
        channel=posted_case.triage_channel,
        channel_type="channel",
        user=STAFF,
        thread_ts=posted_case.triage_ts,
    )
    sender.event(event)
    post = fake_slack.wait_for("chat.postMessage", 2)[1]
    assert post.params["thread_ts"] == "1690000000.000001"
    assert "Dette svarer vi på i neste uke." in post.params["text"]
    assert store.require_case(posted_case.id).staff_answer == "Dette svarer vi på i neste uke."


def test_thread_reply_on_closed_case_kept(triage_app, posted_case, fake_slack, store):
    sender, _ = triage_app
    store.close(posted_case.id)
    event = message_event(
        "Etternøler",
        channel=posted_case.triage_channel,
        channel_type="channel",
        user=STAFF,
        thread_ts=posted_case.triage_ts,
    )
    sender.event(event)
    assert len(fake_slack.calls("chat.postMessage")) == 1
    assert [e.text for e in store.events(posted_case.id) if e.action == "note"] == ["Etternøler"]


def test_reassign_posts_to_new_channel(triage_app, posted_case, fake_slack, store):
    sender, _ = triage_app
    sender.send(
        "action",
        block_action(
            "case_reassign", str(posted_case.id), response_url=fake_slack.response_url(), user=STAFF
        ),
    )
    view = fake_slack.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == "case_reassign_modal"
    sender.send(
        "action",
        view_submission(
            "case_reassign_modal", {"topic": "legal"}, private_metadata=str(posted_case.id)
        ),
    )
    post = fake_slack.wait_for("chat.postMessage", 2)[1]
    assert post.params["channel"] == "mps-triage-legal"
    moved = store.require_case(posted_case.id)
    assert moved.topic == "legal"
    assert moved.triage_ts != posted_case.triage_ts
    old_message = fake_slack.wait_for("chat.update")[0]
    assert old_message.params["ts"] == posted_case.triage_ts


def test_close_button_removes_buttons(triage_app, posted_case, fake_slack, store):
    sender, _ = triage_app
    sender.send(
        "action",
        block_action(
            "case_close", str(posted_case.id), response_url=fake_slack.response_url(), user=STAFF
        ),
    )
    assert store.require_case(posted_case.id).status == "closed"
    update = fake_slack.wait_for("chat.update")[0]
    assert not [block for block in update.params["blocks"] if block["type"] == "actions"]


def test_promote_button_writes_faq(triage_app, posted_case, fake_slack, store):
    sender, settings = triage_app
    store.record_answer(posted_case.id, "Prisene kommer i 2031.", author=STAFF)
    sender.send(
        "action",
        block_action(
            "case_promote", str(posted_case.id), response_url=fake_slack.response_url(), user=STAFF
        ),
    )
    assert (settings.knowledge_dir / "faq" / "promoted" / f"case-{posted_case.id}.md").is_file()
    assert "mpsbot index" in fake_slack.wait_for("chat.postEphemeral")[0].params["text"]


def test_forwarded_message_opens_case(triage_app, fake_slack, store):
    sender, _ = triage_app
    share = {
        "is_share": True,
        "text": "Hva er CyberX?",
        "author_id": ASKER,
        "channel_id": "C0009",
        "ts": "1690000000.000050",
        "from_url": "https://fake.slack.test/archives/C0009/p1690000000000050",
    }
    sender.event(message_event("Kan dere ta denne?", user=STAFF, attachments=[share]))
    case = store.list_cases(kind="forwarded")[0]
    assert case.question == "Hva er CyberX?"
    assert case.asker == ASKER
    assert case.details["staff_message"] == "Kan dere ta denne?"
    assert case.topic == "cyber"
    channels = [call.params["channel"] for call in fake_slack.calls("chat.postMessage")]
    assert channels == ["mps-triage-cyber", "D0001"]


def test_forwarded_permalink_fetches_text(triage_app, fake_slack, store):
    sender, _ = triage_app
    fake_slack.threads[("C0009", "1690000000.000060")] = [
        {"ts": "1690000000.000060", "user": ASKER, "text": "Hvem eier CIPS?"}
    ]
    sender.event(
        message_event("<https://fake.slack.test/archives/C0009/p1690000000000060>", user=STAFF)
    )
    case = store.list_cases(kind="forwarded")[0]
    assert case.question == "Hvem eier CIPS?"
    assert case.thread_ts == "1690000000.000060"


def test_plain_staff_message_not_forwarded(triage_app, fake_slack, store):
    sender, _ = triage_app
    sender.event(message_event("Hva er CIPS?", user=STAFF))
    assert store.list_cases() == []


def enrol_values(number="974760673", pilot="awareness-training"):
    return {
        "agency": "Etat A",
        "organisation_number": number,
        "contact_role": "IT-sjef",
        "pilot": pilot,
        "comment": "",
    }


def test_enrol_button_opens_form(triage_app, fake_slack):
    sender, _ = triage_app
    sender.send(
        "action",
        block_action("enrol_open", "awareness-training", response_url=fake_slack.response_url()),
    )
    view = fake_slack.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == "enrol_modal"
    pilot_block = next(block for block in view["blocks"] if block["block_id"] == "pilot")
    assert pilot_block["element"]["initial_option"]["value"] == "awareness-training"


@pytest.mark.parametrize(
    ("number", "phrase"),
    [
        ("12345", "9 sifre"),
        ("97476067x", "bare inneholde sifre"),
        ("974760672", "kontrollsifferet"),
        ("800000051", "ingen gyldige"),
        ("000 000 000", "000 000 000 er ugyldig"),
    ],
)
def test_enrol_form_rejects_orgnr(triage_app, store, number, phrase):
    sender, _ = triage_app
    payload = view_submission(
        "enrol_modal",
        enrol_values(number),
        private_metadata=json.dumps({"channel": "C0001", "thread_ts": "1.1", "language": "nb"}),
        user=ASKER,
    )
    body = json.loads(sender.send("action", payload).body)
    assert body["response_action"] == "errors"
    assert phrase in body["errors"]["organisation_number"]
    assert store.list_cases() == []


def test_enrol_form_gives_place(triage_app, fake_slack, store):
    sender, _ = triage_app
    payload = view_submission(
        "enrol_modal",
        enrol_values(),
        private_metadata=json.dumps({"channel": "C0001", "thread_ts": "1.1", "language": "nb"}),
        user=ASKER,
    )
    sender.send("action", payload)
    case = store.list_cases(kind="enrolment")[0]
    assert case.topic == "cyber"
    assert fake_slack.wait_for("chat.postMessage")[0].params["channel"] == "mps-triage-cyber"
    reply = fake_slack.wait_for("chat.postEphemeral")[0].params
    assert reply["user"] == ASKER
    assert "plass 1 av 2" in reply["text"]


HOSTILE = "<!channel> <!here> <@U0ADMIN> <https://evil.example|DFØ>"
LIVE_MARKUP = ["<!", "<@U0ADMIN>", "<https://evil"]


def block_texts(blocks):
    """Yield every text string in Block Kit blocks, however deep."""
    if isinstance(blocks, dict):
        for key, value in blocks.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from block_texts(value)
    elif isinstance(blocks, list):
        for item in blocks:
            yield from block_texts(item)


@pytest.fixture
def hostile_case(fake_slack, store, routing):
    case = store.open_case(
        kind="refusal",
        question=f"Hva er fristen i CIPS? {HOSTILE}",
        asker="<!channel>",
        channel="C0001",
        thread_ts="1690000000.000001",
        permalink=None,
        topic="cips",
        draft_answer=f"Utkast {HOSTILE}",
        sources=[citation().model_copy(update={"title": HOSTILE, "document_id": "<!here>"})],
        details={"<!here>": HOSTILE},
    )
    store.record_answer(case.id, f"Svar {HOSTILE}", author=STAFF)
    store.assign(case.id, "<@U0ADMIN>")
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    post_case(client, store.require_case(case.id), routing, store)
    return fake_slack.calls("chat.postMessage")[0].params


@pytest.mark.parametrize("markup", LIVE_MARKUP)
def test_case_message_escapes_blocks(hostile_case, markup):
    texts = list(block_texts(hostile_case["blocks"]))
    assert texts
    assert not [text for text in texts if markup in text]


@pytest.mark.parametrize("markup", LIVE_MARKUP)
def test_case_message_escapes_fallback(hostile_case, markup):
    assert markup not in hostile_case["text"]
    assert "&lt;!channel&gt;" in hostile_case["text"]


def test_case_message_keeps_asker_mention(posted_case, fake_slack):
    texts = block_texts(fake_slack.calls("chat.postMessage")[0].params["blocks"])
    assert any(f"<@{ASKER}>" in text for text in texts)


def test_staff_answer_escaped_in_thread(triage_app, posted_case, fake_slack):
    sender, _ = triage_app
    payload = view_submission(
        "case_answer_modal", {"answer": HOSTILE}, private_metadata=str(posted_case.id)
    )
    assert sender.send("action", payload).status == 200
    text = fake_slack.wait_for("chat.postMessage", 2)[1].params["text"]
    assert "&lt;!channel&gt;" in text
    assert "<!channel>" not in text
    assert "<@U0ADMIN>" not in text
    assert "<https://evil" not in text
