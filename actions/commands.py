"""The technicians' ``/ticket`` command language, shared by Slack and the console.

``run_command(services, messages, actor_id=..., text="claim INC-1", lang="es")`` parses the text
after ``/ticket``, calls one use case and renders the answer in the caller's language and the
channel's flavour. Spanish verbs work too (``tomar``, ``nota``, ``resolver`` ...). Errors come
back as a polite sentence with ``ok=False``; nothing is half-done because each use case is one
transaction.
"""

from __future__ import annotations

from typing import Any

from actions import closure, queries, work
from actions.command_spec import Answer, CommandResult, Spec
from actions.messages import Messages
from actions.services import Services
from actions.settings import Settings
from actions.tech_commands import TECH_COMMANDS
from actions.views import TicketView
from store.errors import DeskError, InvalidInput, NotFound

__all__ = ["Answer", "CommandResult", "Spec", "COMMANDS", "parse", "run_command",
           "looks_like_team"]


def looks_like_team(word: str) -> bool:
    """"L9", "N2", "REDES": a code-like word (capitals and digits), not a person's name."""
    return word.isupper() or (word[:1].isalpha() and word[1:].isdigit() and len(word) <= 4)


def _key(args: list[str]) -> str:
    return args[0].lstrip("#")


def _claim(svc: Services, actor: int, args: list[str], text: str) -> TicketView:
    return work.claim(svc.uow(), key=_key(args), actor_id=actor)


def _note(svc: Services, actor: int, args: list[str], text: str) -> TicketView:
    return work.note(svc.uow(), key=_key(args), actor_id=actor, text=text)


def ladder(settings: Settings) -> dict[str, str]:
    """Team -> the team it escalates to, from config.yml."""
    return {code: team.escalates_to for code, team in settings.teams.items()}


def _transfer(svc: Services, actor: int, args: list[str], text: str) -> TicketView:
    target = args[1]
    if target.upper() in svc.settings.teams:
        return work.transfer(svc.uow(), key=_key(args), actor_id=actor, team=target.upper(),
                             reason=text or None)
    if not target.startswith("@") and looks_like_team(target):
        raise NotFound("team_not_found", ref=target, teams=svc.settings.team_codes())
    person, reason = split_name(svc, target, text)
    return work.transfer(svc.uow(), key=_key(args), actor_id=actor, person=person,
                         reason=reason or None)


def split_name(svc: Services, first: str, rest: str) -> tuple[str, str]:
    """``@Ana`` + ``Torres needs help`` -> (``Ana Torres``, ``needs help``) when Ana Torres is a
    person: names have spaces, so the longest run of words that names someone is the name."""
    words = rest.split()
    with svc.uow() as uow:
        for n in range(len(words), 0, -1):
            candidate = " ".join([first.lstrip("@"), *words[:n]])
            if uow.people.by_name(candidate) is not None:
                return candidate, " ".join(words[n:])
    return first, rest


def _escalate(svc: Services, actor: int, args: list[str], text: str) -> TicketView:
    return work.escalate(svc.uow(), key=_key(args), actor_id=actor, reason=text or None,
                         ladder=ladder(svc.settings))


def _invite(svc: Services, actor: int, args: list[str], text: str) -> TicketView:
    person, extra = split_name(svc, args[1], text)
    if extra:  # "invite INC-1 @Luis Pérez ruido": nobody is called that
        raise NotFound("person_not_found", ref=" ".join([args[1].lstrip("@"), text]))
    return work.invite(svc.uow(), key=_key(args), actor_id=actor, person=person)


def _pending(svc: Services, actor: int, args: list[str], text: str) -> TicketView:
    return work.set_pending(svc.uow(), key=_key(args), actor_id=actor, question=text)


def _resume(svc: Services, actor: int, args: list[str], text: str) -> TicketView:
    return work.resume(svc.uow(), key=_key(args), actor_id=actor)


def _resolve(svc: Services, actor: int, args: list[str], text: str) -> TicketView:
    """``resolve INC-1 [--article ID] summary``: naming the article that answers the ticket
    teaches the matcher the requester's message; the article's title is the summary when
    nothing else is written."""
    article_id, summary = _article_option(text)
    if article_id is not None:
        article = next((a for a in svc.matcher.articles if a.id == article_id), None)
        if article is None:
            raise InvalidInput("unknown_article", article=article_id[:80])
        summary = summary or article.title
    return work.resolve(svc.uow(), key=_key(args), actor_id=actor, summary=summary,
                        article_id=article_id)


def _article_option(text: str) -> tuple[str | None, str]:
    """(``--article`` value or None, the text without the option)."""
    words = text.split()
    for flag in ("--article", "--articulo", "--artículo"):
        if flag in words:
            at = words.index(flag)
            if at + 1 >= len(words):
                raise InvalidInput("command_usage", command="resolve")
            rest = words[:at] + words[at + 2:]
            return words[at + 1], " ".join(rest)
    return None, text


def _reopen(svc: Services, actor: int, args: list[str], text: str) -> TicketView:
    return work.reopen(svc.uow(), key=_key(args), actor_id=actor, reason=text or None)


def _cancel(svc: Services, actor: int, args: list[str], text: str) -> TicketView:
    return work.cancel(svc.uow(), key=_key(args), actor_id=actor, reason=text or None)


def _priority(svc: Services, actor: int, args: list[str], text: str) -> TicketView:
    return work.set_priority(svc.uow(), svc.settings, key=_key(args), actor_id=actor,
                             priority=args[1])


def _confirm(svc: Services, actor: int, args: list[str], text: str) -> TicketView:
    return closure.confirm(svc.uow(), key=_key(args), actor_id=actor)


def _mine(svc: Services, actor: int, args: list[str], text: str) -> list[TicketView]:
    return queries.my_tickets(svc.uow(), actor_id=actor)


def _queue(svc: Services, actor: int, args: list[str], text: str) -> list[TicketView]:
    team = text.split()[0].upper() if text.strip() else None
    return queries.team_queue(svc.uow(), actor_id=actor, team=team)


COMMANDS: dict[str, Spec] = {
    "claim": Spec(_claim, 1, aliases=("tomar", "asignarme", "take")),
    "note": Spec(_note, 1, "required", aliases=("nota",)),
    "transfer": Spec(_transfer, 2, "optional", aliases=("transferir", "reasignar", "assign")),
    "escalate": Spec(_escalate, 1, "optional", aliases=("escalar",)),
    "invite": Spec(_invite, 2, "optional", aliases=("invitar",)),
    "pending": Spec(_pending, 1, "required", aliases=("espera", "preguntar", "ask")),
    "resume": Spec(_resume, 1, aliases=("reanudar",)),
    "resolve": Spec(_resolve, 1, "required", aliases=("resolver", "concluir", "done")),
    "reopen": Spec(_reopen, 1, "optional", aliases=("reabrir",)),
    "cancel": Spec(_cancel, 1, "optional", aliases=("cancelar",)),
    "priority": Spec(_priority, 2, aliases=("prioridad",)),
    "confirm": Spec(_confirm, 1, aliases=("confirmar",)),
    "mine": Spec(_mine, 0, aliases=("mios", "míos", "my")),
    "queue": Spec(_queue, 0, "optional", aliases=("cola",)),
    **TECH_COMMANDS,  # saved replies, search, merge, corrections, drafts, show with details
}
ALIASES = {alias: name for name, spec in COMMANDS.items() for alias in (name, *spec.aliases)}


def parse(text: str) -> tuple[str, list[str], str]:
    """``"transfer INC-1 L2 needs network"`` -> ``("transfer", ["INC-1", "L2"], "needs network")``.

    Raises InvalidInput("unknown_command") or ("command_usage") with what was expected.
    """
    words = text.strip().split(None, 1)
    if not words or words[0].lower() in ("help", "ayuda", "?"):
        return "help", [], ""
    name = ALIASES.get(words[0].lower())
    if name is None:
        raise InvalidInput("unknown_command", command=words[0][:40])
    spec = COMMANDS[name]
    rest = words[1] if len(words) > 1 else ""
    parts = rest.split(None, spec.args)
    args, free = parts[: spec.args], (parts[spec.args] if len(parts) > spec.args else "")
    if len(args) < spec.args or (spec.text == "required" and not free.strip()):
        raise InvalidInput("command_usage", command=name)
    if spec.text == "none" and free.strip():
        raise InvalidInput("command_usage", command=name)
    return name, args, free.strip()


def run_command(services: Services, messages: Messages, *, actor_id: int, text: str,
                lang: str) -> CommandResult:
    """Run one ``/ticket`` command as ``actor_id`` and render the answer."""
    try:
        name, args, free = parse(text)
        if name == "help":
            return CommandResult(messages.render("commands.help", lang), name="help")
        result = COMMANDS[name].handler(services, actor_id, args, free)
    except DeskError as error:
        return CommandResult(messages.error(error, lang), ok=False)
    viewer = _viewer(services, actor_id)
    if isinstance(result, Answer):
        body = messages.render(f"commands.{name}", lang, viewer=viewer, **result.context)
        return CommandResult(body, ticket=result.ticket, name=name, modal=result.modal)
    if isinstance(result, list):
        body = messages.render(f"commands.{name}", lang, tickets=result, viewer=viewer)
        return CommandResult(body, tickets=tuple(result), name=name)
    body = messages.render(f"commands.{name}", lang, ticket=result, viewer=viewer,
                           text=free)
    return CommandResult(body, ticket=result, name=name)


def _viewer(services: Services, actor_id: int) -> dict[str, Any]:
    with services.uow() as uow:
        person = uow.people.get(actor_id)
        return {"id": person.id, "name": person.name, "timezone": person.timezone,
                "role": person.role, "team": person.team_code}
