import threading
from datetime import timedelta

import pytest
from triage_support import REPO_ROOT, TODAY, write_pilot

from bot.triage.enrolment import EnrolmentForm, enrol, enrolment_reply
from bot.triage.orgnr import OrganisationNumberError
from bot.triage.pilots import PilotCatalog, PilotError, availability, availability_message
from bot.triage.store import CaseStore
from indexer.models import Chunk, Hit

VALID_ORGNR = ["974760673", "923456783", "810000007", "889640782"]


def form(pilot_id="awareness-training", organisation_number="974760673", agency="Etat A"):
    return EnrolmentForm(
        pilot_id=pilot_id,
        agency=agency,
        organisation_number=organisation_number,
        contact_role="IT-sjef",
        comment="Vi gleder oss!",
    )


def hit(document_id):
    chunk = Chunk(
        id=f"{document_id}#0",
        document_id=document_id,
        text="tekst",
        title="tittel",
        kind="pilot",
        topic="cyber",
        language="nb",
        audience="public",
        source=f"cyber/{document_id}.md",
    )
    return Hit(chunk=chunk, score=1.0)


@pytest.fixture
def catalog(pilot_knowledge):
    return PilotCatalog.from_knowledge(pilot_knowledge)


def test_catalog_reads_repository_pilots():
    catalog = PilotCatalog.from_knowledge(REPO_ROOT / "knowledge")
    pilot = catalog.get("awareness-training")
    assert pilot is not None
    assert pilot.capacity == 10
    assert "cyberx-awareness-training-en" in pilot.document_ids


def test_catalog_reads_tmp_pilots(catalog):
    assert {pilot.id for pilot in catalog} == {"awareness-training", "zero-trust", "green-cloud"}


def test_invalid_pilot_names_file_and_field(tmp_path):
    path = write_pilot(tmp_path, "broken", "Broken")
    path.write_text(path.read_text().replace("capacity: 2", "capacity: many"))
    with pytest.raises(PilotError, match=r"pilot-broken\.md.*pilot\.capacity"):
        PilotCatalog.from_knowledge(tmp_path)


def test_missing_pilot_field_named(tmp_path):
    path = write_pilot(tmp_path, "broken", "Broken")
    path.write_text(path.read_text().replace("  status: open\n", ""))
    with pytest.raises(PilotError, match=r"missing field 'pilot\.status'"):
        PilotCatalog.from_knowledge(tmp_path)


@pytest.mark.parametrize(
    "question",
    [
        "Vi vil gjerne delta i utprøvingen av awareness and training",
        "Kan vi bli med på Awareness & Training?",
        "Meld oss på awareness and training",
        "How do we sign up for the Awareness and Training pilot?",
        "We want to join the awareness-training pilot",
    ],
)
def test_match_named_pilot(catalog, question):
    assert catalog.match(question, []).id == "awareness-training"


def test_match_top_hit_document(catalog):
    pilot = catalog.match("Kan vi bli med?", [hit("pilot-green-cloud-en"), hit("cyberx")])
    assert pilot.id == "green-cloud"


@pytest.mark.parametrize(
    "question",
    [
        "Hva er awareness and training?",
        "When does the Awareness and Training pilot start?",
        "Kan vi bli med?",
    ],
)
def test_match_needs_intent_and_pilot(catalog, question):
    assert catalog.match(question, [hit("cyberx")]) is None


def test_availability_counts_places(catalog, store):
    pilot = catalog.get("awareness-training")
    assert availability(pilot, store, TODAY).places_left == 2
    enrol(form(), pilot, store, today=TODAY, asker="U1")
    result = availability(pilot, store, TODAY)
    assert result.places_left == 1
    assert not result.full
    assert not result.waiting_list


def test_full_pilot_goes_to_waiting_list(catalog, store):
    pilot = catalog.get("awareness-training")
    placements = [
        enrol(form(agency=f"Etat {n}"), pilot, store, today=TODAY, asker="U1").placement
        for n in range(3)
    ]
    assert placements == ["place", "place", "waiting_list"]
    result = availability(pilot, store, TODAY)
    assert result.full
    assert result.waiting_list
    assert result.places_left == 0


def test_past_deadline_goes_to_waiting_list(catalog, store):
    pilot = catalog.get("zero-trust")
    enrolment = enrol(form("zero-trust"), pilot, store, today=TODAY, asker="U1")
    assert enrolment.placement == "waiting_list"
    result = availability(pilot, store, TODAY)
    assert result.deadline_passed
    assert not result.full


def test_kickoff_day_closes_signup(catalog, store):
    pilot = catalog.get("awareness-training")
    kickoff = pilot.kickoff
    assert pilot.signup_open(kickoff - timedelta(days=1))
    assert not pilot.signup_open(kickoff)


def test_repository_pilots_closed_now(store):
    catalog = PilotCatalog.from_knowledge(REPO_ROOT / "knowledge")
    result = availability(catalog.get("awareness-training"), store, TODAY)
    assert result.deadline_passed
    assert result.waiting_list


def test_no_limit_pilot_always_has_place(catalog, store):
    pilot = catalog.get("green-cloud")
    for n in range(5):
        enrolment = enrol(
            form("green-cloud", agency=f"Etat {n}"), pilot, store, today=TODAY, asker="U"
        )
        assert enrolment.placement == "place"
    assert availability(pilot, store, TODAY).places_left is None


@pytest.mark.parametrize("number", ["12345678", "97476067x", "974760672", "800000051", "000000000"])
def test_enrol_rejects_bad_orgnr(catalog, store, number):
    with pytest.raises(OrganisationNumberError):
        enrol(
            form(organisation_number=number),
            catalog.get("awareness-training"),
            store,
            today=TODAY,
            asker="U1",
        )
    assert store.list_cases() == []


@pytest.mark.parametrize("number", VALID_ORGNR)
def test_enrol_accepts_valid_orgnr(catalog, store, number):
    enrolment = enrol(
        form(organisation_number=number), catalog.get("green-cloud"), store, today=TODAY, asker="U1"
    )
    assert enrolment.organisation_number == number
    assert enrolment.case.kind == "enrolment"
    assert enrolment.case.topic == "finops"


def test_enrolment_case_keeps_form_text(catalog, store):
    enrolment = enrol(form(), catalog.get("awareness-training"), store, today=TODAY, asker="U1")
    assert enrolment.case.details["comment"] == "Vi gleder oss!"
    assert enrolment.case.details["contact_role"] == "IT-sjef"
    assert enrolment.case.topic == "cyber"


def test_concurrent_last_place(tmp_path, catalog):
    path = tmp_path / "race.sqlite3"
    CaseStore(path)
    pilot = catalog.get("awareness-training")
    enrol(form(agency="Først"), pilot, CaseStore(path), today=TODAY, asker="U0")
    barrier = threading.Barrier(2)
    placements = []

    def submit(agency):
        store = CaseStore(path)
        barrier.wait()
        placements.append(
            enrol(form(agency=agency), pilot, store, today=TODAY, asker="U").placement
        )

    threads = [threading.Thread(target=submit, args=(name,)) for name in ("Etat B", "Etat C")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(placements) == ["place", "waiting_list"]
    assert CaseStore(path).places_taken(pilot.id) == 2


@pytest.mark.parametrize("language", ["nb", "en"])
def test_availability_messages(catalog, store, language, routing):
    open_pilot = catalog.get("awareness-training")
    text = availability_message(open_pilot, availability(open_pilot, store, TODAY), language)
    assert "2" in text
    closed = catalog.get("zero-trust")
    text = availability_message(closed, availability(closed, store, TODAY), language)
    deadline = closed.signup_deadline
    assert str(deadline.year) in text
    assert f"{deadline.day}" in text
    unlimited = catalog.get("green-cloud")
    assert availability_message(unlimited, availability(unlimited, store, TODAY), language)


def test_enrolment_reply_names_waiting_list(catalog, store, routing):
    pilot = catalog.get("zero-trust")
    enrolment = enrol(form("zero-trust"), pilot, store, today=TODAY, asker="U1")
    text = enrolment_reply(enrolment, pilot, routing, "nb", TODAY)
    assert "ventelisten" in text
    assert "CyberX-teamet i MPS" in text


def test_enrolment_reply_escapes_agency(catalog, store, routing):
    pilot = catalog.get("zero-trust")
    agency = "Etat <!channel>"
    enrolment = enrol(form("zero-trust", agency=agency), pilot, store, today=TODAY, asker="U1")
    text = enrolment_reply(enrolment, pilot, routing, "nb", TODAY)
    assert "Etat &lt;!channel&gt;" in text
    assert "<!channel>" not in text
