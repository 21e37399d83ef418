"""The same problem reported twice: the second person is offered the open ticket, may join it as
a follower (told of public updates, never of notes), or open their own; three followers make a
major incident."""

from __future__ import annotations

from actions import work
from actions.conversation import handle_message
from actions.messages import Messages
from actions.people import NewPerson, add_person
from actions.services import Services
from bot.slack.text import slack_messages
from store.models import OutboxMessage
from tests.conftest import Cast
from tests.conversations.conftest import counts

MRKDWN = slack_messages(Messages("mrkdwn"))
OUTAGE = "no hay internet en la oficina del piso 3"


def say(desk: Services, person_id: int, text: str, thread: str) -> list[dict]:
    return handle_message(desk, channel="slack", ref=thread, person_id=person_id, text=text,
                          messages=MRKDWN, thread_ref=thread)


def outbox(desk: Services) -> list[OutboxMessage]:
    with desk.session_factory() as session:
        return session.query(OutboxMessage).order_by(OutboxMessage.id).all()


def test_second_report_is_offered_the_open_ticket_and_joins_it(desk: Services,
                                                               people: Cast) -> None:
    say(desk, people.carlos.id, OUTAGE, "C1:1.0")
    assert "INC-1" in say(desk, people.carlos.id, "/open_ticket", "C1:1.0")[0]["text"]
    say(desk, people.emma.id, "no hay internet en la oficina del piso 3 desde las 9", "C2:1.0")
    before = counts(desk)
    offer = say(desk, people.emma.id, "/open_ticket", "C2:1.0")
    assert "Parece el mismo problema que *INC-1*" in offer[0]["text"]
    assert "(abierto hace un momento)" in offer[0]["text"] and "¿sumarme?" in offer[0]["text"]
    assert counts(desk)["tickets"] == before["tickets"]
    payloads = [b["payload"] for b in offer[0]["buttons"]]
    assert payloads == ['/open_ticket{"join": "INC-1"}', '/open_ticket{"new": true}']
    joined = say(desk, people.emma.id, payloads[0], "C2:1.0")
    assert "sigues *INC-1*" in joined[0]["text"]
    assert counts(desk)["tickets"] == before["tickets"]
    # Joining twice is answered politely and changes nothing.
    again = counts(desk)
    assert "Ya sigues *INC-1*" in say(desk, people.emma.id, payloads[0], "C2:1.0")[0]["text"]
    assert counts(desk) == again
    # Emma hears the public reply and the resolution, never the private note.
    work.comment(desk.uow(), key="INC-1", actor_id=people.luis.id, text="Reiniciamos el switch")
    work.note(desk.uow(), key="INC-1", actor_id=people.luis.id, text="el switch 3B murió")
    work.resolve(desk.uow(), key="INC-1", actor_id=people.luis.id, summary="Switch cambiado")
    to_emma = [m.template for m in outbox(desk) if m.recipient.get("person_id") == people.emma.id]
    assert to_emma == ["commented", "resolved"]


def test_a_different_problem_or_a_choice_of_ones_own_opens_a_ticket(desk: Services,
                                                                     people: Cast) -> None:
    say(desk, people.carlos.id, OUTAGE, "C1:1.0")
    say(desk, people.carlos.id, "/open_ticket", "C1:1.0")
    say(desk, people.emma.id, "my printer is jammed on floor 2", "C2:1.0")
    assert "INC-2" in say(desk, people.emma.id, "/open_ticket", "C2:1.0")[0]["text"]
    say(desk, people.emma.id, OUTAGE + " también", "C3:1.0")
    say(desk, people.emma.id, "/open_ticket", "C3:1.0")
    own = say(desk, people.emma.id, '/open_ticket{"new": true}', "C3:1.0")
    assert "INC-3" in own[0]["text"]


def test_three_followers_make_a_major_incident(desk: Services, people: Cast) -> None:
    say(desk, people.carlos.id, OUTAGE, "C1:1.0")
    say(desk, people.carlos.id, "/open_ticket", "C1:1.0")
    for n, name in enumerate(("Nora Vidal", "Pedro Ruiz", "Joe Smith")):
        person = add_person(desk.uow(), NewPerson(name=name,
                                                  addresses={"email": f"p{n}@example.com"}))
        say(desk, person.id, OUTAGE, f"C9:{n}.0")
        say(desk, person.id, '/open_ticket{"join": "INC-1"}', f"C9:{n}.0")
    team = [m for m in outbox(desk) if m.template == "follower_added"]
    assert [m.context["event"]["payload"]["followers"] for m in team] == [1, 2, 3]
    assert [m.context["ticket"]["major"] for m in team] == [False, False, True]
    assert all(m.recipient == {"type": "team", "team": "L2"} for m in team)
    card = MRKDWN.render("slack.card", "es", ticket=team[-1].context["ticket"])
    assert "INCIDENTE MAYOR" in card and "3 personas más" in card
