"""The console channel: a terminal conversation with the desk, as any person in it.

``Console.feed(line)`` takes one typed line and returns what to print; ``run_console`` loops
over a stream. Employees talk to the conversation (one turn, ``actions.conversation.turn``)
exactly as in Slack; technicians use the same ``/ticket`` language; ``/as NAME`` switches
person. Each turn or command is one unit of work whose answer is an outbox row (channel
``console``), printed by the console's deliverer right after the commit. After each step the
other due outbox messages are delivered and printed, addressed ("→ Carlos Gómez: ...").

The console's "thread": Slack keeps one thread per ticket; here each person has a numbered
thread (``console:<person>:<n>``), kept in the conversation's stored state. A ticket opened in
it takes that ref, so what the person writes next goes to the ticket as a comment, until the
ticket is closed or cancelled (or the person types ``/new``) and a new thread starts.
"""

from __future__ import annotations

import logging
from typing import Any, TextIO

from actions.commands import run_command
from actions.conversation import thread_ticket
from actions.conversation.prompts import closure_prompt
from actions.conversation.state import load_state, save_state
from actions.conversation.turn import Inbound, converse
from actions.outbox import deliver_due
from actions.services import Services
from actions.views import PersonView
from bot.console.delivery import ConsoleDeliverer, Notice
from bot.console.render import render_replies, terminal
from store.errors import NotFound
from store.lifecycle import FINAL, Status

log = logging.getLogger(__name__)
QUIT = ("/quit", "/exit", "/salir")
CHANNEL = "console"


def default_channels(services: Services) -> tuple[str, ...]:
    """Without Slack the console is the desk's only voice, so it delivers everything."""
    if services.settings.slack_bot_token:
        return (CHANNEL,)
    return (CHANNEL, "email", "slack")


class Console:
    def __init__(self, services: Services, person: PersonView, *,
                 channels: tuple[str, ...] | None = None) -> None:
        self.services = services
        self.messages = services.plain
        self.person = person
        self.buttons: list[dict[str, str]] = []
        self.deliverer = ConsoleDeliverer(services, self.messages)
        # The console's messages are printed right after the commit that queued them.
        services.deliver_inline({CHANNEL: self.deliverer})
        self.channels = channels if channels is not None else default_channels(services)
        self.done = False
        #: (person id, text) of everything each person was shown, for audits and tests.
        self.seen: list[tuple[int | None, str]] = []

    # --- one typed line ---------------------------------------------------------------
    def feed(self, line: str) -> list[str]:
        """Process one line; returns the lines to print (replies, then delivered notices)."""
        text = line.rstrip("\r\n")
        command = text.strip().split(None, 1)
        word = command[0].lower() if command else ""
        rest = command[1] if len(command) > 1 else ""
        if word in QUIT:
            self.done = True
            return [self._say("bye")]
        if word == "/as":
            return self._switch(rest)
        if word == "/who":
            return self._who()
        if word in ("/help", "/ayuda"):
            return self._say("help").splitlines()
        if word in ("/new", "/nuevo"):
            self._new_thread()
            return [self._say("new_thread")]
        if word == "/ticket":
            return self._command(rest)
        choice = text.strip()
        if choice.isdigit() and len(choice) <= 2 and self.buttons \
                and not 1 <= int(choice) <= len(self.buttons):
            # a mistyped option is not a message: sent on, "6" would get the capabilities list
            return [self._say("no_such_choice", count=len(self.buttons))]
        return self._converse(self._pressed(text))

    def _converse(self, text: str) -> list[str]:
        """One turn: the thread's number, the conversation and its replies (an outbox row)
        commit together; the replies are printed as the console's deliverer receives them,
        right after the commit. A turn that raises commits nothing and prints nothing."""
        self.deliverer.take_replies()  # nothing is left over from an earlier step
        with self.services.turn() as turn:
            converse(self.services, Inbound(channel=CHANNEL, ref=self._ref(), text=text,
                                            messages=self.messages,
                                            thread_ref=self._thread_ref()),
                     lambda: self.person)
            turn.commit()
        replies = self.deliverer.take_replies()
        self._refresh_person()
        if any((r.get("custom") or {}).get("kind") == "new_problem" for r in replies):
            # "es un problema nuevo": what follows is no longer the old ticket, but it is still
            # the problem just described (its suggestions and "open a ticket" carry over).
            self._new_thread(carry_problem=True)
        lines, self.buttons = render_replies(replies)
        self.seen += [(self.person.id, line) for line in lines]
        return lines + self._deliver()

    def _command(self, text: str) -> list[str]:
        """``/ticket ...`` as one unit of work; its answer is shown once it committed, straight
        to the person who typed it (as Slack answers a command privately, not by the outbox:
        a refused command writes nothing at all)."""
        with self.services.turn() as turn:
            result = run_command(self.services, self.messages, actor_id=self.person.id,
                                 text=text, lang=self.person.language)
            turn.commit()
        self.buttons = []
        self.seen.append((self.person.id, result.text))
        return result.text.splitlines() + self._deliver()

    def _pressed(self, text: str) -> str:
        """A number (or a button's exact title) presses that button; anything else is text."""
        choice = text.strip()
        if choice.isdigit() and 1 <= int(choice) <= len(self.buttons):
            return self.buttons[int(choice) - 1]["payload"]
        for item in self.buttons:
            if choice and choice.casefold() == str(item.get("title", "")).casefold():
                return item["payload"]
        return text

    # --- people -----------------------------------------------------------------------
    def _switch(self, ref: str) -> list[str]:
        if not ref.strip():
            return [self._say("unknown_person", ref="")]
        try:
            with self.services.uow() as uow:
                self.person = PersonView.of(uow.people.find(ref))
        except NotFound:
            return [self._say("unknown_person", ref=ref.strip())]
        self.buttons = []
        lines = [self._say("switched", person=self.person)]
        waiting = self._awaiting_confirmation()
        for ticket in waiting:
            prompt_lines, buttons = render_replies(
                closure_prompt(ticket, self.person.language, self.messages),
                start=len(self.buttons) + 1)
            lines += prompt_lines
            self.buttons += buttons
        return lines + self._deliver()

    def _who(self) -> list[str]:
        with self.services.uow() as uow:
            people = [PersonView.of(p) for p in uow.people.list() if p.active]
        return self._say("who", person=self.person, people=people).splitlines()

    def _refresh_person(self) -> None:
        """The conversation may have switched the person's language."""
        with self.services.uow() as uow:
            self.person = PersonView.of(uow.people.get(self.person.id))

    def _awaiting_confirmation(self) -> list[Any]:
        from actions.common import view

        with self.services.uow() as uow:
            tickets = uow.tickets.list(statuses=[Status.RESOLVED.value],
                                       requester_id=self.person.id)
            return [view(uow, t) for t in tickets]

    # --- threads ----------------------------------------------------------------------
    def _ref(self) -> str:
        return f"{CHANNEL}:{self.person.id}"

    def _thread_number(self) -> int:
        state = load_state(self.services.uow(), channel=CHANNEL, ref=self._ref(),
                           person_id=self.person.id)
        return int(state.channel_data.get("thread") or 1)

    def _set_thread_number(self, number: int) -> None:
        state = load_state(self.services.uow(), channel=CHANNEL, ref=self._ref(),
                           person_id=self.person.id)
        state.channel_data["thread"] = number
        save_state(self.services.uow(), state)

    def _thread_ref(self) -> str:
        """This person's current thread; a closed ticket's thread is over, so a new one starts."""
        number = self._thread_number()
        ref = f"{self._ref()}:{number}"
        ticket = thread_ticket(self.services, CHANNEL, ref)
        if ticket is not None and ticket.status in FINAL:
            number += 1
            self._set_thread_number(number)
            ref = f"{self._ref()}:{number}"
        return ref

    def _new_thread(self, *, carry_problem: bool = False) -> None:
        state = load_state(self.services.uow(), channel=CHANNEL, ref=self._ref(),
                           person_id=self.person.id)
        number = int(state.channel_data.get("thread") or 1) + 1
        state.channel_data["thread"] = number
        if carry_problem:  # the new thread starts with the problem already on the table
            state.slots["thread"] = f"{self._ref()}:{number}"
        save_state(self.services.uow(), state)
        self.buttons = []

    # --- outbox -----------------------------------------------------------------------
    def _deliver(self) -> list[str]:
        deliver_due(self.services, {channel: self.deliverer for channel in self.channels},
                    limit=200)
        lines: list[str] = []
        for notice in self.deliverer.take():
            self.seen.append((notice.person_id, notice.text))
            lines += self._notice_lines(notice)
        return lines

    def _notice_lines(self, notice: Notice) -> list[str]:
        first, *rest = notice.text.splitlines() or [""]
        lines = [self.messages.render("console.notice", notice.language, name=notice.addressee,
                                      text=first), *("    " + line for line in rest)]
        if notice.prompt and notice.person_id == self.person.id:
            prompt_lines, buttons = render_replies(notice.prompt, start=len(self.buttons) + 1)
            lines += ["    " + line for line in prompt_lines]
            self.buttons += buttons
        return lines

    def _say(self, name: str, **context: Any) -> str:
        return self.messages.render(f"console.{name}", self.person.language, **context)


def first_requester(services: Services) -> PersonView | None:
    """The sample employee: the first requester, else anybody."""
    with services.uow() as uow:
        people = [p for p in uow.people.list() if p.active]
        chosen = next((p for p in people if p.role == "requester"), people[0] if people else None)
        return PersonView.of(chosen) if chosen else None


def run_console(services: Services, stdin: TextIO, stdout: TextIO, *, as_person: str | None = None,
                channels: tuple[str, ...] | None = None) -> int:
    """Read lines until EOF or /quit; 0 on a normal end. Prompts only on a terminal."""
    interactive = bool(getattr(stdin, "isatty", lambda: False)())
    try:
        if as_person:
            with services.uow() as uow:
                person: PersonView | None = PersonView.of(uow.people.find(as_person))
        else:
            person = first_requester(services)
    except NotFound as error:
        print(services.plain.error(error, "en"), file=stdout)
        return 2
    if person is None:
        print(services.plain.render("console.no_people", "en"), file=stdout)
        return 2
    console = Console(services, person, channels=channels)
    _print(stdout, console._say("welcome", person=person).splitlines())
    _print(stdout, console._deliver())
    while not console.done:
        if interactive:
            stdout.write(f"{console.person.name}> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        if not interactive:
            _print(stdout, [f"{console.person.name}> {line.rstrip()}"])
        try:
            out = console.feed(line)
        except Exception:  # noqa: BLE001 - the person sees a sentence, the log the traceback
            log.exception("console: failed on %r", line[:200])
            out = [services.plain.render("errors.generic", console.person.language,
                                         code="internal")]
        _print(stdout, out)
        if out:
            stdout.write("\n")
    return 0


def _print(stdout: TextIO, lines: list[str]) -> None:
    styled = bool(getattr(stdout, "isatty", lambda: False)())
    for line in lines:
        stdout.write((terminal(line) if styled else line) + "\n")
    stdout.flush()
