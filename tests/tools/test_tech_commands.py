"""The technician tools through ``/ticket`` (the language Slack and the console share), on SQLite
and PostgreSQL: saved replies, search, merge and link, corrections, article drafts. Refusals
are answered in the person's language and write nothing."""

from __future__ import annotations

import pytest

from actions import queries, work
from actions.commands import run_command
from actions.intake import NewTicket, open_ticket
from store.models import OutboxMessage
from tests.store.helpers import row_counts


def new(services, person, text, **kw):
    return open_ticket(services.uow(), services.settings, NewTicket(
        requester_id=person.id, description=text, **kw))


def ticket_cmd(services, person, text, lang=None):
    return run_command(services, services.plain, actor_id=person.id, text=text,
                       lang=lang or person.language)


def outbox_texts(services, key=None):
    with services.session_factory() as session:
        rows = session.query(OutboxMessage).order_by(OutboxMessage.id).all()
        return [(r.recipient, r.template, r.context) for r in rows
                if key is None or (r.context.get("ticket") or {}).get("key") == key]


def test_saved_reply_expands_in_the_tickets_language(services, cast):
    key = new(services, cast.emma, "VPN drops every ten minutes", category="network").key
    answer = ticket_cmd(services, cast.luis, f"reply {key} ::vpn-reset")
    assert answer.ok, answer.text
    comment = [e for e in queries.show_ticket(services.uow(), key=key, actor_id=None).history
               if e.type == "commented"][-1]
    # English ticket -> the English version, with the requester's first name and the key.
    assert comment.payload["text"].startswith(
        f"Hi Emma, let's reset your VPN profile (ticket {key})")
    assert "{{" not in comment.payload["text"]
    # Spanish technician, Spanish list; words find the right reply first.
    listed = ticket_cmd(services, cast.ana, "replies contraseña")
    assert listed.ok and listed.text.splitlines()[1].startswith("• `::password-reset` (es, L1)")
    # A reply added by a lead at run time works like the files' ones.
    saved = ticket_cmd(services, cast.marta,
                       "savereply reinicio-equipo Reiniciar | Hola {{ requester }}, reinicia")
    assert saved.ok, saved.text
    spanish = new(services, cast.carlos, "El equipo va lentísimo", category="hardware").key
    assert ticket_cmd(services, cast.ana, f"reply {spanish} ::reinicio-equipo y avísame").ok
    last = queries.show_ticket(services.uow(), key=spanish, actor_id=None).history[-1]
    assert last.payload["text"] == "Hola Carlos, reinicia\n\ny avísame"


def test_saved_reply_refusals_change_nothing(services, cast):
    key = new(services, cast.carlos, "La VPN no conecta", category="network").key
    before = row_counts(services)
    unknown = ticket_cmd(services, cast.ana, f"reply {key} ::no-existe")
    assert not unknown.ok and "No existe la respuesta guardada «no-existe»" in unknown.text
    english = ticket_cmd(services, cast.sam, f"reply {key} ::nope")
    assert not english.ok and 'There is no saved reply "nope"' in english.text
    employee = ticket_cmd(services, cast.carlos, f"reply {key} ::vpn-reset")
    assert not employee.ok and "soporte" in employee.text
    technician = ticket_cmd(services, cast.ana, "savereply x-y Título | texto")
    assert not technician.ok and "líder de equipo" in technician.text
    bad = ticket_cmd(services, cast.marta, "savereply mala Mala | Hola {{ password }}")
    assert not bad.ok and "password" in bad.text
    assert row_counts(services) == before


def test_search_is_fuzzy_best_first_and_filtered(services, cast):
    vpn = new(services, cast.carlos, "La VPN no conecta desde casa", category="network").key
    printer = new(services, cast.emma, "Printer on floor 3 prints blank pages",
                  category="hardware").key
    other = new(services, cast.carlos, "Outlook pide la contraseña", category="email").key
    work.comment(services.uow(), key=other, actor_id=cast.ana.id,
                 text="Parece un problema del perfil de la VPN también")
    work.note(services.uow(), key=printer, actor_id=cast.ana.id, text="toner HP 26A agotado")
    found = ticket_cmd(services, cast.ana, "search vpn")
    assert found.ok
    # The title's match comes before a passing mention in a comment, newer as it is.
    assert found.text.index(vpn) < found.text.index(other) and printer not in found.text
    typo = ticket_cmd(services, cast.ana, "search vpn conceta desde csa").text
    assert vpn in typo and other not in typo
    # Internal notes are searched for technicians.
    assert printer in ticket_cmd(services, cast.ana, "search toner").text
    only_l1 = ticket_cmd(services, cast.ana, "search vpn --team L1")
    assert vpn not in only_l1.text
    assert "Ningún ticket" in ticket_cmd(services, cast.ana, "search vpn --status closed").text
    refused = ticket_cmd(services, cast.carlos, "search vpn")
    assert not refused.ok and "soporte" in refused.text


def test_merge_moves_the_story_and_closes_the_duplicate(services, cast):
    first = new(services, cast.carlos, "No hay internet en la oficina 3", category="network")
    dup = new(services, cast.emma, "No internet in office 3", category="network")
    work.comment(services.uow(), key=dup.key, actor_id=cast.emma.id, text="since 9am")
    work.note(services.uow(), key=dup.key, actor_id=cast.luis.id, text="switch 3B apagado")
    answer = ticket_cmd(services, cast.luis, f"merge {dup.key} INTO {first.key}")
    assert answer.ok, answer.text
    merged = queries.show_ticket(services.uow(), key=dup.key, actor_id=None)
    assert merged.status == "closed" and merged.resolution == f"→ {first.key}"
    target = queries.show_ticket(services.uow(), key=first.key, actor_id=cast.luis.id)
    carried = [e.payload["text"] for e in target.history if e.type == "carried"]
    assert carried == ["since 9am", "switch 3B apagado"]
    shown = ticket_cmd(services, cast.luis, f"show {first.key}").text
    assert "Mismo problema: Emma Brown\n" in shown and f"Recibió a *{dup.key}*" in shown
    # Emma now follows INC-1: a public reply reaches her too, a note does not.
    work.comment(services.uow(), key=first.key, actor_id=cast.luis.id, text="Reiniciamos el switch")
    work.note(services.uow(), key=first.key, actor_id=cast.luis.id, text="solo para técnicos")
    to_emma = [t for r, t, c in outbox_texts(services, first.key)
               if r.get("person_id") == cast.emma.id]
    assert to_emma == ["commented"]
    # Emma was told where her problem now lives, in her thread.
    assert ("merged_into" in [t for r, t, c in outbox_texts(services, dup.key)
                              if r.get("type") == "thread"])


def test_merge_and_link_refusals_change_nothing(services, cast):
    one = new(services, cast.carlos, "No hay internet", category="network").key
    two = new(services, cast.emma, "No internet", category="network").key
    closed = new(services, cast.emma, "Old thing", category="network").key
    work.cancel(services.uow(), key=closed, actor_id=cast.emma.id)
    before = row_counts(services)
    itself = ticket_cmd(services, cast.luis, f"merge {one} INTO {one}")
    assert not itself.ok and "consigo mismo" in itself.text
    into_closed = ticket_cmd(services, cast.sam, f"merge {two} INTO {closed}")
    assert not into_closed.ok and "nothing can be merged into it" in into_closed.text
    unknown = ticket_cmd(services, cast.luis, f"merge {two} INTO INC-999")
    assert not unknown.ok and "INC-999" in unknown.text
    employee = ticket_cmd(services, cast.carlos, f"link {one} {two}")
    assert not employee.ok and "soporte" in employee.text
    assert row_counts(services) == before
    assert ticket_cmd(services, cast.luis, f"link {one} {two}").ok
    again = ticket_cmd(services, cast.luis, f"link {two} {one}")
    assert not again.ok and "ya estaban enlazados" in again.text


def test_category_reroutes_and_kind_keeps_the_old_key(services, cast):
    key = new(services, cast.carlos, "La pantalla parpadea", category="network").key
    work.claim(services.uow(), key=key, actor_id=cast.luis.id)
    moved = ticket_cmd(services, cast.luis, f"category {key} hardware")
    assert moved.ok and moved.ticket.team == "L1" and moved.ticket.assignee is None
    assert moved.ticket.status == "open"
    history = queries.show_ticket(services.uow(), key=key, actor_id=None).history
    assert history[-1].type == "recategorized" and history[-1].payload["from_team"] == "L2"
    secured = ticket_cmd(services, cast.ana, f"kind {key} seguridad")
    assert secured.ok and secured.ticket.key == "SEC-1" and secured.ticket.kind == "security"
    # The old key still resolves everywhere, and the ISO record has started.
    assert queries.show_ticket(services.uow(), key=key, actor_id=None).key == "SEC-1"
    iso = ticket_cmd(services, cast.ana, f"iso {key}")
    assert iso.ok and iso.modal and iso.modal["form"] == "iso"
    assert iso.modal["record"]["discovered_by"] == "Carlos Gómez"
    back = ticket_cmd(services, cast.ana, "kind SEC-1 incident")
    assert back.ok and back.ticket.key == key
    assert queries.show_ticket(services.uow(), key="SEC-1", actor_id=None).key == key
    before = row_counts(services)
    for text, expected in ((f"kind {key} incident", "ya es de ese tipo"),
                           (f"category {key} teleporting", "teleporting"),
                           (f"iso {key}", "no es un incidente de seguridad"),
                           ("category INC-404 hardware", "INC-404")):
        answer = ticket_cmd(services, cast.ana, text)
        assert not answer.ok and expected in answer.text, (text, answer.text)
    assert not ticket_cmd(services, cast.carlos, f"kind {key} security").ok
    assert row_counts(services) == before


@pytest.mark.parametrize("lang", ["es", "en"])
def test_article_draft_from_public_story_only(services, cast, lang):
    person = cast.carlos if lang == "es" else cast.emma
    key = new(services, person, "Outlook no sincroniza" if lang == "es" else
              "Outlook does not sync", category="email").key
    work.comment(services.uow(), key=key, actor_id=cast.ana.id,
                 text="Cierra Outlook y borra el perfil" if lang == "es" else
                 "Close Outlook and delete the profile")
    work.note(services.uow(), key=key, actor_id=cast.ana.id, text="SECRETO-INTERNO")
    early = ticket_cmd(services, cast.ana, f"kb {key}")
    assert not early.ok
    work.resolve(services.uow(), key=key, actor_id=cast.ana.id, summary="Perfil recreado")
    answer = ticket_cmd(services, cast.ana, f"kb {key}")
    assert answer.ok, answer.text
    from actions.drafts import list_drafts

    (draft,) = list_drafts(services.uow())
    assert draft.language == lang and draft.ticket == key
    assert "SECRETO-INTERNO" not in draft.body and "Perfil recreado" in draft.body
    assert ("Solución" if lang == "es" else "Solution") in draft.body


def test_requesters_see_their_ticket_but_not_who_follows_it_nor_drafts(services, cast):
    key = new(services, cast.carlos, "No hay internet en la oficina 3", category="network").key
    from actions.similar import join

    join(services.uow(), key=key, person_id=cast.emma.id)
    mine = ticket_cmd(services, cast.carlos, f"show {key}")
    assert mine.ok and key in mine.text and "Emma" not in mine.text
    staff = ticket_cmd(services, cast.luis, f"show {key}")
    assert "Mismo problema: Emma Brown" in staff.text
    work.resolve(services.uow(), key=key, actor_id=cast.luis.id, summary="Switch cambiado")
    before = row_counts(services)
    refused = ticket_cmd(services, cast.carlos, f"kb {key}")
    assert not refused.ok and "redactar artículos" in refused.text
    assert row_counts(services) == before
