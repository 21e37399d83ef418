"""``run_console`` driven by a script on stdin, as ``printf ... | deskbot chat`` does."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import func, select

from actions.services import Services
from bot.cli import build_parser
from bot.console import Console, run_console
from store.models import OutboxMessage, Ticket
from tests.conftest import Cast

SCRIPT = """hola
la impresora del piso 2 no imprime
/open_ticket
/as Ana
/ticket claim INC-1
/ticket resolve INC-1 Reinicié la cola de impresión
/as Carlos
1
4
/skip_comment
"""


def test_scripted_session_runs_to_a_closed_ticket_and_exits_0(desk: Services,
                                                              people: Cast) -> None:
    out = io.StringIO()
    assert run_console(desk, io.StringIO(SCRIPT), out,
                       channels=("console", "email", "slack")) == 0
    text = out.getvalue()
    assert text.startswith("deskbot · consola de soporte. Eres Carlos Gómez (empleado).")
    assert "Carlos Gómez> hola\n¡Hola, Carlos!" in text  # input echoed on its own line
    assert "→ Carlos Gómez: Ana Torres está atendiendo tu ticket *INC-1*" in text
    assert "¡Gracias por tu opinión sobre *INC-1*!" in text
    assert "Traceback" not in text
    with desk.uow() as uow:
        assert uow.tickets.get("INC-1").status == "closed"


def test_quit_and_start_as_someone(desk: Services, people: Cast) -> None:
    out = io.StringIO()
    assert run_console(desk, io.StringIO("/who\n/quit\nhola\n"), out, as_person="emma") == 0
    text = out.getvalue()
    assert "You are Emma Brown (employee, language en)." in text
    assert text.rstrip().endswith("Bye!")  # nothing after /quit was read


def test_empty_desk_says_how_to_add_people(desk: Services) -> None:
    out = io.StringIO()
    assert run_console(desk, io.StringIO("hola\n"), out) == 2
    assert "deskbot seed" in out.getvalue()


def test_chat_command_is_registered() -> None:
    args = build_parser().parse_args(["chat", "--as", "Ana"])
    assert args.as_person == "Ana" and callable(args.func)


class Terminal(io.StringIO):
    """An output stream that says it is a terminal, as a person's console is."""

    def isatty(self) -> bool:
        return True


def test_slack_markup_is_bold_and_italic_on_a_terminal_only(desk: Services,
                                                            people: Cast) -> None:
    from bot.console.render import terminal

    assert terminal("*INC-1* _(privado)_ snake_case 2*3*4 *") == \
        "\x1b[1mINC-1\x1b[22m \x1b[3m(privado)\x1b[23m snake_case 2*3*4 *"
    script = "la impresora del piso 2 no imprime\n/open_ticket\n"
    shown = Terminal()
    run_console(desk, io.StringIO(script), shown, channels=("console", "email", "slack"))
    assert "Abrí el ticket \x1b[1mINC-1\x1b[22m" in shown.getvalue()
    assert "*INC-1*" not in shown.getvalue()
    piped = io.StringIO()
    run_console(desk, io.StringIO("/new\nmis tickets\n"), piped,
                channels=("console", "email", "slack"))
    assert "*INC-1*" in piped.getvalue() and "\x1b[" not in piped.getvalue()


def _console_rows(desk: Services) -> list[OutboxMessage]:
    with desk.session_factory() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "console")
                                    .order_by(OutboxMessage.id)))


def test_a_console_turn_is_answered_through_the_outbox(desk: Services, people: Cast) -> None:
    console = Console(desk, people.carlos, channels=("console",))
    shown = console.feed("la impresora del piso 2 no imprime")
    rows = _console_rows(desk)
    assert [(r.template, r.status, r.attempts) for r in rows] == [("reply", "delivered", 1)]
    answered = [line for reply in rows[0].context["replies"]
                for line in reply["text"].splitlines()]
    assert answered and all(line in shown for line in answered)  # printed what was committed
    assert rows[0].recipient["ref"] == f"console:{people.carlos.id}"


def test_a_console_turn_that_fails_prints_nothing_and_writes_nothing(
        desk: Services, people: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    import actions.conversation.turn as turn

    real = turn.handle_message

    def fails_after_the_work(*args: Any, **kwargs: Any) -> Any:
        replies = real(*args, **kwargs)  # the ticket is opened, its notices queued ...
        if kwargs.get("text") == "/open_ticket":
            raise RuntimeError("the process dies before the commit")
        return replies

    monkeypatch.setattr(turn, "handle_message", fails_after_the_work)
    out = io.StringIO()
    script = "la impresora del piso 2 no imprime\n/open_ticket\n"
    assert run_console(desk, io.StringIO(script), out, channels=("console",)) == 0
    text = out.getvalue()
    assert "Lo siento, algo salió mal (internal)" in text
    assert "INC-1" not in text and "Abrí el ticket" not in text
    with desk.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0
        assert [r.template for r in session.scalars(select(OutboxMessage))] == ["reply"]
    assert [r.status for r in _console_rows(desk)] == ["delivered"]  # the first turn's only
