"""Bad input gets a clear sentence in the person's language and writes nothing."""

from __future__ import annotations

import pytest

from actions.conversation import handle_message
from actions.messages import Messages
from actions.services import Services
from bot.console import Console
from tests.conftest import Cast
from tests.conversations.conftest import counts

PLAIN = Messages("plain")


def say(desk: Services, person_id: int, text: str, thread: str | None = None) -> str:
    replies = handle_message(desk, channel="console", ref=f"console:{person_id}",
                             person_id=person_id, text=text, messages=PLAIN, thread_ref=thread)
    return "\n".join(r["text"] for r in replies)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_message_asks_for_text_and_writes_nothing(desk: Services, people: Cast,
                                                        text: str) -> None:
    before = counts(desk)
    assert "No recibí ningún texto" in say(desk, people.carlos.id, text)
    assert "I didn't get any text" in say(desk, people.emma.id, text)
    assert counts(desk) == before


def test_twenty_thousand_characters_are_refused_politely(desk: Services, people: Cast) -> None:
    before = counts(desk)
    flood = ("my laptop is broken " * 1000)[:19999] + "!"
    answer = say(desk, people.emma.id, flood)
    assert "Your message is too long (20000 characters; at most 8000)" in answer
    assert counts(desk) == before


def test_emoji_only_gets_help_in_the_persons_language(desk: Services, people: Cast) -> None:
    before = counts(desk)
    assert "I'm the IT support assistant" in say(desk, people.emma.id, "😀🙏🔥")
    assert "Soy el asistente de soporte de TI" in say(desk, people.carlos.id, "👍👍")
    # Slack writes emoji as shortcodes: ":tada:" is not the word "tada", nor a goodbye.
    assert "I'm the IT support assistant" in say(desk, people.emma.id, ":tada: 🎉 :+1:")
    after = counts(desk)
    assert {k: v for k, v in after.items() if k != "conversations"} == \
        {k: v for k, v in before.items() if k != "conversations"}
    with desk.uow() as uow:  # no evidence of a language: nobody's language was changed
        assert uow.people.get(people.emma.id).language == "en"
        assert uow.people.get(people.carlos.id).language == "es"


def test_mixed_languages_are_understood(desk: Services, people: Cast) -> None:
    answer = say(desk, people.emma.id, "hola, my laptop no prende y tengo meeting en 10 min")
    assert "La laptop no enciende" in answer or "laptop" in answer.lower()
    assert counts(desk)["tickets"] == 0
    with desk.uow() as uow:  # Spanglish from a Spanish speaker: answered in Spanish
        assert uow.people.get(people.emma.id).language == "es"


@pytest.mark.parametrize("text, expected", [
    ("cómo va el INC-999", "No encuentro el ticket *INC-999*"),
    ('/confirm{"ticket_key": "INC-999"}', "No encuentro el ticket *INC-999*"),
    ('/reject{"ticket_key": "REQ-42"}', "No encuentro el ticket *REQ-42*"),
    ('/rate{"ticket_key": "INC-999", "rating": 5}', "No encuentro el ticket *INC-999*"),
    ('/rate{"ticket_key": "INC-999", "rating": 9}', "del 1 al 5"),
    ('/faq_solved{"article_id": "no-such-article"}', "Ese artículo ya no existe"),
])
def test_unknown_keys_and_values_are_explained(desk: Services, people: Cast, text: str,
                                               expected: str) -> None:
    before = counts(desk)
    assert expected in say(desk, people.carlos.id, text)
    after = counts(desk)
    assert {k: after[k] for k in ("tickets", "events", "outbox", "deflections",
                                  "survey_answers")} == \
        {k: before[k] for k in ("tickets", "events", "outbox", "deflections", "survey_answers")}


def test_malformed_payload_is_read_as_text(desk: Services, people: Cast) -> None:
    answer = say(desk, people.carlos.id, '/confirm{"ticket_key": ')
    assert answer and "Traceback" not in answer
    assert counts(desk)["tickets"] == 0


def test_employee_using_technician_commands_is_refused(desk: Services, people: Cast,
                                                       console: Console) -> None:
    console.feed("la impresora no imprime")
    console.feed("/open_ticket")
    before = counts(desk)
    out = "\n".join(console.feed("/ticket claim INC-1"))
    assert "Solo el equipo de soporte puede tomar tickets" in out
    out = "\n".join(console.feed("/ticket note INC-1 hola"))
    assert "Solo el equipo de soporte puede agregar notas privadas" in out
    console.feed("/as Emma")
    out = "\n".join(console.feed("/ticket resolve INC-1 done"))
    assert "Only the support team can mark tickets as resolved" in out
    assert counts(desk) == before


def test_someone_elses_ticket_cannot_be_confirmed_or_rated(desk: Services, people: Cast,
                                                          console: Console) -> None:
    console.feed("la impresora no imprime")
    console.feed("/open_ticket")
    console.feed("/as Ana")
    console.feed("/ticket resolve INC-1 listo")
    before = counts(desk)
    assert "Only the person who opened *INC-1* can confirm the solution" in \
        say(desk, people.emma.id, '/confirm{"ticket_key": "INC-1"}')
    assert "Only the person who opened *INC-1* can reject the solution" in \
        say(desk, people.emma.id, '/reject{"ticket_key": "INC-1"}')
    assert counts(desk)["events"] == before["events"]
    with desk.uow() as uow:
        assert uow.tickets.get("INC-1").status == "resolved"


def test_rating_twice_is_refused(desk: Services, people: Cast, console: Console) -> None:
    console.feed("la impresora no imprime")
    console.feed("/open_ticket")
    console.feed("/as Ana")
    console.feed("/ticket resolve INC-1 listo")
    console.feed("/as Carlos")
    console.feed('/confirm{"ticket_key": "INC-1"}')
    console.feed('/rate{"ticket_key": "INC-1", "rating": 4}')
    before = counts(desk)
    assert "Ya respondiste la encuesta de *INC-1*" in \
        say(desk, people.carlos.id, '/rate{"ticket_key": "INC-1", "rating": 1}')
    assert counts(desk)["survey_answers"] == before["survey_answers"] == 1


def test_unknown_person_in_console(console: Console) -> None:
    assert console.feed("/as Nadie Existe") == ["No conozco a «Nadie Existe». Escribe /who para "
                                                "ver las personas."]
    assert console.person.name == "Carlos Gómez"
