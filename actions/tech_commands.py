"""The technician tools' part of ``/ticket``: saved replies, search, merge and link,
corrections (category, kind, ISO record), article drafts, and a richer ``show``.

Each handler parses its words, calls one use case and returns what to render; the table at the
bottom is merged into ``actions.commands.COMMANDS``. Spanish verbs work too.
"""

from __future__ import annotations

from typing import Any

from actions import corrections, drafts, merge, queries, replies, search
from actions.access import is_staff
from actions.choices import OPTIONS
from actions.command_spec import Answer, Spec
from actions.details import ticket_details
from actions.services import Services
from store.errors import InvalidInput

#: Words accepted between the two keys of ``merge`` ("INC-9 INTO INC-7", "INC-9 en INC-7").
INTO = frozenset({"into", "in", "en", "a", "con", "with", "->", "→"})


def _key(args: list[str]) -> str:
    return args[0].lstrip("#")


def _reply(svc: Services, actor: int, args: list[str], text: str) -> Any:
    """``reply INC-1 text`` or ``reply INC-1 ::saved-reply [more text]``; bare: the form."""
    if not text:
        ticket = queries.show_ticket(svc.uow(), key=_key(args), actor_id=actor)
        if not _staff(svc, actor):
            raise InvalidInput("command_usage", command="reply")
        # one more than a form lists: the form then searches them as one types
        options = replies.choices(svc.uow(), svc.settings, actor_id=actor,
                                  language=ticket.language, limit=OPTIONS + 1)
        return Answer({"ticket": ticket, "replies": options}, modal={
            "form": "reply", "key": ticket.key,
            "replies": [(r.id, r.title, r.language) for r in options]})
    return replies.reply_with(svc.uow, svc.settings, key=_key(args), actor_id=actor, text=text)


def _staff(svc: Services, actor: int) -> bool:
    with svc.uow() as uow:
        return is_staff(uow.people.get(actor))


def _replies(svc: Services, actor: int, args: list[str], text: str) -> Answer:
    found = replies.choices(svc.uow(), svc.settings, actor_id=actor, words=text)
    return Answer({"replies": found, "words": text})


def _save_reply(svc: Services, actor: int, args: list[str], text: str) -> Answer:
    """``savereply vpn-reset Title | body``."""
    title, sep, body = text.partition("|")
    if not sep:
        raise InvalidInput("command_usage", command="savereply")
    saved = replies.add_reply(svc.uow(), svc.settings, actor_id=actor, reply_id=args[0],
                              title=title, body=body)
    return Answer({"reply": saved})


def _search(svc: Services, actor: int, args: list[str], text: str) -> Answer:
    words, filters = search.parse_query(text)
    hits = search.search(svc.uow(), actor_id=actor, words=words, filters=filters)
    return Answer({"hits": hits, "words": words})


def _merge(svc: Services, actor: int, args: list[str], text: str) -> Answer:
    words = text.split()
    if words and words[0].lower() in INTO:
        words = words[1:]
    if len(words) != 1:
        raise InvalidInput("command_usage", command="merge")
    target = merge.merge(svc.uow(), source=_key(args), target=words[0].lstrip("#"),
                         actor_id=actor)
    return Answer({"ticket": target, "source": _key(args).upper()}, ticket=target)


def _link(svc: Services, actor: int, args: list[str], text: str) -> Answer:
    ticket = merge.link(svc.uow(), key=_key(args), other=args[1].lstrip("#"), actor_id=actor)
    return Answer({"ticket": ticket, "other": args[1].lstrip("#").upper()}, ticket=ticket)


def _category(svc: Services, actor: int, args: list[str], text: str) -> Any:
    return corrections.set_category(svc.uow(), svc.settings, key=_key(args), actor_id=actor,
                                    category=args[1])


def _kind(svc: Services, actor: int, args: list[str], text: str) -> Answer:
    ticket = corrections.set_kind(svc.uow(), svc.settings, key=_key(args), actor_id=actor,
                                  kind=args[1])
    return Answer({"ticket": ticket, "old": _key(args).upper()}, ticket=ticket)


def _iso(svc: Services, actor: int, args: list[str], text: str) -> Answer:
    ticket, record = corrections.iso_record(svc.uow(), key=_key(args), actor_id=actor)
    shown = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in record.items()}
    return Answer({"ticket": ticket, "record": shown},
                  modal={"form": "iso", "key": ticket.key, "record": shown})


def _kb(svc: Services, actor: int, args: list[str], text: str) -> Answer:
    draft = drafts.draft_from_ticket(svc.uow(), svc.plain, key=_key(args), actor_id=actor)
    return Answer({"draft": draft})


def _show(svc: Services, actor: int, args: list[str], text: str) -> Answer:
    ticket = queries.show_ticket(svc.uow(), key=_key(args), actor_id=actor)
    staff = _staff(svc, actor)
    return Answer({"ticket": ticket,
                   "details": ticket_details(svc.uow(), ticket.key, staff=staff)})


TECH_COMMANDS: dict[str, Spec] = {
    "reply": Spec(_reply, 1, "optional", aliases=("responder", "comment", "comentar")),
    "replies": Spec(_replies, 0, "optional", aliases=("respuestas", "plantillas")),
    "savereply": Spec(_save_reply, 1, "required", aliases=("guardar-respuesta",)),
    "search": Spec(_search, 0, "required", aliases=("buscar", "find")),
    "merge": Spec(_merge, 1, "required", aliases=("fusionar", "unir")),
    "link": Spec(_link, 2, aliases=("enlazar", "vincular", "relacionar")),
    "category": Spec(_category, 2, aliases=("categoria", "categoría")),
    "kind": Spec(_kind, 2, aliases=("tipo",)),
    "iso": Spec(_iso, 1, aliases=("registro-iso",)),
    "kb": Spec(_kb, 1, aliases=("articulo", "artículo", "article")),
    "show": Spec(_show, 1, aliases=("ver", "status", "estado")),
}
