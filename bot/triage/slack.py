"""Slack handlers of triage: case buttons and modals, thread replies, forwards, enrolment.

``register_triage_handlers`` must run before any catch-all ``message`` listener of the
app, because Bolt hands an event to the first listener that matches it. The triage
``message`` listeners match only replies in a case's triage thread and forwards from
staff, so every other message still reaches the later listeners.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.language import detect_language
from bot.models import Answerer
from bot.prompts import message
from bot.routing import Routing
from bot.settings import Settings
from bot.triage import render
from bot.triage.enrolment import EnrolmentForm, enrol, enrolment_reply
from bot.triage.faq import PromotionError, promote_case
from bot.triage.forwarding import fetch_original, is_forward, shared_message
from bot.triage.orgnr import OrganisationNumberError, validate_organisation_number
from bot.triage.pilots import PilotCatalog
from bot.triage.posting import (
    case_language,
    case_topic,
    mark_case_moved,
    post_case,
    post_staff_answer,
    update_case_message,
)
from bot.triage.records import Case
from bot.triage.store import CaseStateError, CaseStore
from indexer.models import Language

logger = logging.getLogger(__name__)

__all__ = ["post_case", "register_triage_handlers"]

# Language of the messages in the triage channels, which only MPS staff read.
STAFF_LANGUAGE: Language = "nb"


class TriageHandlers:
    """The listeners; each acknowledges first and then talks to the store and Slack."""

    def __init__(
        self,
        settings: Settings,
        store: CaseStore,
        service: Answerer,
        routing: Routing,
        catalog: PilotCatalog,
    ) -> None:
        self.settings = settings
        self.store = store
        self.service = service
        self.routing = routing
        self.catalog = catalog

    # Helpers

    def is_staff(self, user: str | None) -> bool:
        # With no staff list configured, every user of a triage channel counts as staff.
        return user is not None and (
            not self.settings.staff_users or user in self.settings.staff_users
        )

    @staticmethod
    def _ephemeral(client: WebClient, body: dict[str, Any], text: str) -> None:
        channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get(
            "channel_id"
        )
        user = body["user"]["id"]
        if not channel:
            client.chat_postMessage(channel=user, text=text)
            return
        client.chat_postEphemeral(channel=channel, user=user, text=text)

    def _staff_case(self, body: dict[str, Any], client: WebClient) -> Case | None:
        """Return the case a button is for, after telling non-staff and unknown ids off."""
        if not self.is_staff(body["user"]["id"]):
            self._ephemeral(client, body, message("triage.not_staff", STAFF_LANGUAGE))
            return None
        value = body["actions"][0].get("value", "")
        case = self.store.get_case(int(value)) if value.isdigit() else None
        if case is None:
            self._ephemeral(
                client, body, message("triage.case_not_found", STAFF_LANGUAGE, id=value)
            )
        return case

    def deliver_answer(self, client: WebClient, case: Case, text: str, staff: str) -> Case:
        """Record a staff answer, post it to the asker and redraw the case message."""
        answered = self.store.record_answer(case.id, text, author=staff)
        note: str | None = None
        try:
            posted = post_staff_answer(client, answered, text, self.routing)
        except SlackApiError as error:
            reason = error.response.get("error")
            logger.warning(
                "staff answer of case %d not posted in %s: %s", case.id, case.channel, reason
            )
            note = message("triage.answer_post_failed", STAFF_LANGUAGE, id=case.id, error=reason)
        else:
            if posted is None:
                note = message("triage.answer_no_thread", STAFF_LANGUAGE, id=case.id)
        if note and answered.triage_channel:
            client.chat_postEphemeral(channel=answered.triage_channel, user=staff, text=note)
        update_case_message(client, answered, self.routing)
        return answered

    # Buttons

    def assign_me(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        case = self._staff_case(body, client)
        if case is None:
            return
        user = body["user"]["id"]
        try:
            updated = self.store.assign(case.id, user, actor=user)
        except CaseStateError as error:
            self._ephemeral(client, body, str(error))
            return
        update_case_message(client, updated, self.routing)

    def open_answer(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        case = self._staff_case(body, client)
        if case is not None:
            client.views_open(
                trigger_id=body["trigger_id"], view=render.answer_modal(case, STAFF_LANGUAGE)
            )

    def open_reassign(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        case = self._staff_case(body, client)
        if case is not None:
            view = render.reassign_modal(case, self.routing, STAFF_LANGUAGE)
            client.views_open(trigger_id=body["trigger_id"], view=view)

    def close(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        case = self._staff_case(body, client)
        if case is None:
            return
        closed = self.store.close(case.id, actor=body["user"]["id"])
        update_case_message(client, closed, self.routing)

    def promote(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        case = self._staff_case(body, client)
        if case is None:
            return
        user = body["user"]["id"]
        try:
            path = promote_case(
                case,
                knowledge_dir=self.settings.knowledge_dir,
                routing=self.routing,
                today=self.settings.current_date(),
            )
        except PromotionError as error:
            text = message("triage.promote_failed", STAFF_LANGUAGE, id=case.id, reason=error)
            self._ephemeral(client, body, text)
            return
        self.store.add_event(case.id, "promoted", str(path), actor=user)
        relative = path.relative_to(self.settings.knowledge_dir).as_posix()
        self._ephemeral(
            client, body, message("triage.promoted", STAFF_LANGUAGE, id=case.id, path=relative)
        )

    # Modals

    def submit_answer(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        text = render.read_view_values(view).get(render.ANSWER_BLOCK, "")
        if not text.strip():
            ack(
                response_action="errors",
                errors={render.ANSWER_BLOCK: message("triage.answer_empty", STAFF_LANGUAGE)},
            )
            return
        case = self.store.get_case(int(view["private_metadata"]))
        if case is None or case.status == "closed":
            key = "triage.case_not_found" if case is None else "triage.case_closed_reply"
            ack(
                response_action="errors",
                errors={
                    render.ANSWER_BLOCK: message(key, STAFF_LANGUAGE, id=view["private_metadata"])
                },
            )
            return
        ack()
        self.deliver_answer(client, case, text, body["user"]["id"])

    def submit_reassign(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        topic = render.read_view_values(view).get(render.TOPIC_BLOCK, "")
        case = self.store.get_case(int(view["private_metadata"]))
        if case is None or self.routing.find(topic) is None or topic == case.topic:
            return
        moved = self.store.reassign(case.id, topic, actor=body["user"]["id"])
        mark_case_moved(client, moved, self.routing)
        post_case(client, moved, self.routing, self.store)

    # Enrolment

    def open_enrolment(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        pilot_id = body["actions"][0].get("value", "")
        source = body.get("message") or {}
        language = detect_language(source.get("text", "")) if source.get("text") else "nb"
        pilot = self.catalog.get(pilot_id)
        if pilot is None:
            self._ephemeral(
                client, body, message("triage.enrol_unknown_pilot", language, pilot_id=pilot_id)
            )
            return
        origin = {
            "channel": (body.get("channel") or {}).get("id", ""),
            "thread_ts": source.get("thread_ts") or source.get("ts", ""),
        }
        view = render.enrol_modal(pilot, self.catalog, language, origin)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def submit_enrolment(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        values = render.read_view_values(view)
        origin = json.loads(view.get("private_metadata") or "{}")
        language: Language = "en" if origin.get("language") == "en" else "nb"
        try:
            validate_organisation_number(values.get("organisation_number", ""))
        except OrganisationNumberError as error:
            text = message(f"triage.orgnr_{error.problem}", language, value=error.value.strip())
            ack(response_action="errors", errors={"organisation_number": text})
            return
        pilot = self.catalog.get(values.get("pilot", ""))
        if pilot is None:
            text = message("triage.enrol_unknown_pilot", language, pilot_id=values.get("pilot", ""))
            ack(response_action="errors", errors={"pilot": text})
            return
        ack()
        user = body["user"]["id"]
        form = EnrolmentForm(
            pilot_id=pilot.id,
            agency=values.get("agency", ""),
            organisation_number=values.get("organisation_number", ""),
            contact_role=values.get("contact_role", ""),
            comment=values.get("comment", ""),
        )
        today = self.settings.current_date()
        channel, thread_ts = origin.get("channel") or None, origin.get("thread_ts") or None
        enrolment = enrol(
            form,
            pilot,
            self.store,
            today=today,
            asker=user,
            channel=channel,
            thread_ts=thread_ts,
            language=language,
        )
        post_case(client, enrolment.case, self.routing, self.store)
        reply = enrolment_reply(enrolment, pilot, self.routing, language, today)
        if channel:
            client.chat_postEphemeral(channel=channel, user=user, text=reply, thread_ts=thread_ts)
        else:
            client.chat_postMessage(channel=user, text=reply)

    # Messages

    def _triage_case(self, event: dict[str, Any]) -> Case | None:
        thread_ts = event.get("thread_ts")
        if not thread_ts or thread_ts == event.get("ts") or event.get("bot_id"):
            return None
        if event.get("subtype") not in (None, "thread_broadcast"):
            return None
        return self.store.find_by_triage_message(event.get("channel"), thread_ts)

    def is_triage_reply(self, event: dict[str, Any]) -> bool:
        return self._triage_case(event) is not None and self.is_staff(event.get("user"))

    def on_triage_reply(self, event: dict[str, Any], client: WebClient) -> None:
        case = self._triage_case(event)
        if case is None:
            return
        user, text = str(event.get("user", "")), event.get("text", "")
        if case.status == "closed":
            self.store.add_event(case.id, "note", text, actor=user)
            note = message("triage.case_closed_reply", STAFF_LANGUAGE, id=case.id)
            client.chat_postEphemeral(
                channel=event["channel"], user=user, text=note, thread_ts=event.get("thread_ts")
            )
            return
        if text.strip():
            self.deliver_answer(client, case, text, user)

    def is_forwarded(self, event: dict[str, Any]) -> bool:
        return is_forward(event, self.settings.staff_users)

    def on_forwarded(self, event: dict[str, Any], client: WebClient) -> None:
        shared = fetch_original(client, shared_message(event))
        staff_text = event.get("text", "")
        question = shared.text or staff_text
        answer = self.service.answer(question, channel=shared.channel)
        case = self.store.open_case(
            kind="forwarded",
            question=question,
            asker=shared.author,
            channel=shared.channel,
            thread_ts=shared.thread_ts,
            permalink=shared.permalink,
            topic=answer.topic,
            draft_answer=answer.text if answer.answered else None,
            sources=answer.citations if answer.answered else (),
            details={"forwarded_by": event.get("user", ""), "staff_message": staff_text},
        )
        posted = post_case(client, case, self.routing, self.store)
        team = case_topic(self.routing, posted.topic).team[case_language(posted)]
        ack_text = message(
            "triage.forwarded_ack", detect_language(staff_text or question), id=case.id, team=team
        )
        client.chat_postMessage(channel=event["channel"], thread_ts=event.get("ts"), text=ack_text)


def register_triage_handlers(
    app: App, *, settings: Settings, store: CaseStore, service: Answerer, routing: Routing
) -> None:
    """Add the triage listeners to ``app``; call before any catch-all message listener.

    Reads the pilots from ``settings.knowledge_dir`` once; raises PilotError when a
    pilot block there is invalid.
    """
    catalog = PilotCatalog.from_knowledge(settings.knowledge_dir)
    handlers = TriageHandlers(settings, store, service, routing, catalog)
    app.action(render.ASSIGN_ME)(handlers.assign_me)
    app.action(render.ANSWER)(handlers.open_answer)
    app.action(render.REASSIGN)(handlers.open_reassign)
    app.action(render.CLOSE)(handlers.close)
    app.action(render.PROMOTE)(handlers.promote)
    app.action(render.ENROL_OPEN)(handlers.open_enrolment)
    app.view(render.ANSWER_MODAL)(handlers.submit_answer)
    app.view(render.REASSIGN_MODAL)(handlers.submit_reassign)
    app.view(render.ENROL_MODAL)(handlers.submit_enrolment)
    app.event("message", matchers=[handlers.is_triage_reply])(handlers.on_triage_reply)
    app.event("message", matchers=[handlers.is_forwarded])(handlers.on_forwarded)
    logger.info("triage handlers registered (%d pilots)", len(catalog))
