"""The contract channels rely on: payloads, threads, state across restarts, language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from actions.conversation import closure_prompt, handle_message, parse_payload, survey_prompt
from actions.conversation.when import parse_when
from actions.messages import Messages
from actions.services import Services, build_services
from tests.conftest import Cast
from tests.conversations.conftest import counts

MRKDWN = Messages("mrkdwn")


def slack(desk: Services, person_id: int, text: str, thread: str) -> list[dict]:
    return handle_message(desk, channel="slack", ref=thread, person_id=person_id, text=text,
                          messages=MRKDWN, thread_ref=thread)


def texts(replies: list[dict]) -> str:
    return "\n".join(r["text"] for r in replies)


def test_suggestions_carry_button_payloads_and_data(desk: Services, people: Cast) -> None:
    replies = slack(desk, people.carlos.id, "la vpn no conecta desde casa", "C1:1.0")
    suggestions = replies[0]["custom"]
    assert suggestions["kind"] == "faq_suggestions"
    first = suggestions["suggestions"][0]
    assert first["article_id"] == "vpn-no-conecta" and first["score"] >= 62
    payloads = [b["payload"] for r in replies for b in r["buttons"]]
    assert '/faq_solved{"article_id": "vpn-no-conecta"}' in payloads
    assert "/open_ticket" in payloads
    assert parse_payload(payloads[0])["entities"][0]["value"] == "vpn-no-conecta"


def test_state_survives_a_restart(desk: Services, people: Cast) -> None:
    slack(desk, people.emma.id, "the wifi keeps dropping in meeting room B", "C1:2.0")
    restarted = build_services(desk.settings, database_url=str(desk.engine.url))
    restarted._lazy.update(desk._lazy)
    try:
        replies = slack(restarted, people.emma.id, "/open_ticket", "C1:2.0")
    finally:
        restarted.close()
    assert "I opened ticket *INC-1*" in texts(replies)
    with desk.uow() as uow:
        ticket = uow.tickets.get("INC-1")
        assert ticket.description == "the wifi keeps dropping in meeting room B"
        assert ticket.category == "network" and ticket.channel_ref == "C1:2.0"


def test_messages_in_the_tickets_thread_become_comments(desk: Services, people: Cast) -> None:
    slack(desk, people.carlos.id, "mi outlook no sincroniza", "C1:3.0")
    slack(desk, people.carlos.id, "/open_ticket", "C1:3.0")
    assert "Añadí tu mensaje a *INC-1*" in texts(
        slack(desk, people.carlos.id, "además no me llegan las invitaciones", "C1:3.0"))
    before = counts(desk)["events"]
    assert "¡De nada!" in texts(slack(desk, people.carlos.id, "gracias!", "C1:3.0"))
    assert counts(desk)["events"] == before  # a short "thanks" is not a comment
    elsewhere = texts(slack(desk, people.carlos.id, "mi impresora no imprime", "C1:4.0"))
    assert "INC-1" not in elsewhere
    with desk.uow() as uow:
        events = uow.events.history(uow.tickets.get("INC-1"), include_internal=True)
        comments = [e.payload["text"] for e in events if e.type == "commented"]
    assert comments == ["además no me llegan las invitaciones"]


def test_language_follows_the_employee(desk: Services, people: Cast) -> None:
    answer = texts(slack(desk, people.carlos.id, "hello, my printer is not printing", "C1:5.0"))
    assert "I found" in answer or "Open a ticket" in answer
    with desk.uow() as uow:
        assert uow.people.get(people.carlos.id).language == "en"
    assert "I opened ticket *INC-1*" in texts(
        slack(desk, people.carlos.id, "/open_ticket", "C1:5.0"))
    assert "Hi" in texts(slack(desk, people.carlos.id, "hola", "C1:6.0"))  # one word: no switch
    with desk.uow() as uow:
        assert uow.people.get(people.carlos.id).language == "en"
    assert "INC-1" in texts(slack(desk, people.carlos.id,
                                  "¿cómo va mi ticket de la impresora?", "C1:6.0"))
    with desk.uow() as uow:
        assert uow.people.get(people.carlos.id).language == "es"


def test_closure_and_survey_prompts(desk: Services) -> None:
    closure = closure_prompt({"key": "INC-7", "title": "VPN"}, "en", MRKDWN)
    assert closure[0]["text"] == "Is your problem with *INC-7* (VPN) solved?"
    assert [b["payload"] for b in closure[0]["buttons"]] == \
        ['/confirm{"ticket_key": "INC-7"}', '/reject{"ticket_key": "INC-7"}']
    survey = survey_prompt("INC-7", "es", MRKDWN, 5, settings=desk.settings)
    assert "¿Cómo valoras la atención que recibiste?" in survey[0]["text"]
    assert [b["title"] for b in survey[0]["buttons"]] == ["1", "2", "3", "4", "5"]
    assert survey[0]["buttons"][4]["payload"] == \
        '/rate{"ticket_key": "INC-7", "rating": 5, "question_id": "overall"}'


def test_user_text_cannot_ping_or_forge_links_in_slack(desk: Services, people: Cast) -> None:
    slack(desk, people.carlos.id, "mi correo no funciona <!channel> <http://x|banco>", "C1:7.0")
    replies = slack(desk, people.carlos.id, "/open_ticket", "C1:7.0")
    assert "<!channel>" not in texts(replies) and "&lt;!channel&gt;" in texts(replies)


@pytest.mark.parametrize("said, expected", [
    ("hace 20 minutos", datetime(2026, 3, 4, 14, 40, tzinfo=UTC)),
    ("2 hours ago", datetime(2026, 3, 4, 13, 0, tzinfo=UTC)),
    ("ayer a las 18:00", datetime(2026, 3, 4, 0, 0, tzinfo=UTC)),  # 18:00 in Mexico City
    ("2026-03-01 10:00", datetime(2026, 3, 1, 16, 0, tzinfo=UTC)),
    ("no me acuerdo", None),
    ("mañana a las 10", None),
])
def test_when_the_incident_was_discovered(said: str, expected: datetime | None) -> None:
    now = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # 09:00 in Mexico City
    assert parse_when(said, tz="America/Mexico_City", now=now) == expected


def test_a_ticket_named_by_number_only_is_one_of_mine(desk: Services, people: Cast) -> None:
    slack(desk, people.carlos.id, "mi outlook no sincroniza", "C1:8.0")
    slack(desk, people.carlos.id, "/open_ticket", "C1:8.0")
    assert "*INC-1*" in texts(slack(desk, people.carlos.id, "como va el ticket 1", "C1:9.0"))
    assert "No encuentro el ticket *#7*" in texts(
        slack(desk, people.carlos.id, "como va el ticket 7", "C1:9.0"))
