"""One language per message: every template renders in Spanish and in English with sample data
without a word of the other language or a raw key (``network``, ``in_progress``), and a whole
journey in each language shows the employee nothing else.

"A word of the other language" is read from the templates themselves: words that appear in the
Spanish templates' text and never in the English ones (``avisaré``, ``técnico``), and the other
way round. Product words both languages use (VPN, ticket, Outlook) are in both and never count.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from actions.messages import TEMPLATES
from actions.services import Services
from bot.console import Console
from bot.slack.text import TEMPLATES as SLACK_TEMPLATES
from tests.conversations.conftest import transcripts_dir
from tests.conversations.test_transcripts import _configure, _load, _replay

_TAG = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
_QUOTED = re.compile(r'"([^"{}]*)"')
_WORD = re.compile(r"[^\W\d_]{3,}")
#: Codes that must never reach a reader as they are stored (a category key is an English word,
#: so in English it is raw only where a label belongs: "category network").
RAW_KEYS = {
    "es": re.compile(r"\b(in_progress|network|database|access|other|survey_answered|"
                     r"first_response|None|Undefined)\b"),
    "en": re.compile(r"\b(in_progress|survey_answered|first_response|None|Undefined)\b"
                     r"|[Cc]ategory:? (network|database|access|os|other)\b"),
}
_ZONE = re.compile(r"\b[A-Z][a-z]+/[A-Za-z_]+\b")  # America/Mexico_City is no one's language


def _words(lang: str) -> set[str]:
    """Every word a language's templates can show: their text and their quoted strings."""
    words: set[str] = set()
    for path in [*(TEMPLATES / lang).glob("*.j2"), *(SLACK_TEMPLATES / lang).glob("*.j2")]:
        source = path.read_text(encoding="utf-8")
        shown = _TAG.sub(" ", source)
        quoted = " ".join(q for tag in _TAG.findall(source) if not tag.startswith("{#")
                          for q in _QUOTED.findall(tag))
        words |= {w.casefold() for w in _WORD.findall(shown + " " + quoted)}
    return words


SPANISH, ENGLISH = _words("es"), _words("en")
ONLY = {"es": SPANISH - ENGLISH, "en": ENGLISH - SPANISH}


def foreign_words(text: str, lang: str, typed: frozenset[str] = frozenset()) -> list[str]:
    """Words of ``text`` that only the other language's templates use (``typed``: words people
    wrote themselves, quoted back to them, which are theirs to choose)."""
    other = ONLY["en" if lang == "es" else "es"]
    return sorted({w for w in _WORD.findall(_ZONE.sub(" ", text))
                   if w.casefold() in other and w.casefold() not in typed})


class Named(dict[str, Any]):
    """A person both as the notices see one (a name) and as the conversation does (``.name``)."""

    def __str__(self) -> str:
        return str(self["name"])


SAMPLE_TEXT = {
    "es": {"title": "La VPN no conecta desde casa", "text": "Ya reinicié el equipo",
           "question": "¿Qué versión tienes?", "summary": "Se reinstaló el cliente",
           "comment": "Muy amable", "reason": "Duplicado"},
    "en": {"title": "The VPN does not connect from home", "text": "I restarted the laptop",
           "question": "Which version do you have?", "summary": "Reinstalled the client",
           "comment": "Very kind", "reason": "Duplicate"},
}


def sample(lang: str) -> dict[str, Any]:
    """Arguments enough for every macro; each takes what it names."""
    s = SAMPLE_TEXT[lang]
    at = "2026-03-02T16:00:00+00:00"
    carlos = Named(name="Carlos Gómez", id=1, role="requester", team=None, language=lang,
                   timezone="America/Mexico_City")
    ana = Named(name="Ana Torres", id=3, role="technician", team="L2", language=lang,
                timezone="America/Mexico_City")
    payload = {"text": s["text"], "question": s["question"], "summary": s["summary"],
               "comment": s["comment"], "reason": s["reason"], "rating": 2, "scale": 5,
               "to_team": "L2", "from_team": "L1", "to_assignee": "Ana Torres",
               "from": "P3", "to": "P2", "target": "response", "target_minutes": 60,
               "warn_at": 0.75, "days": 3, "resolve_after_days": 5}
    event = {"type": "commented", "seq": 3, "at": at, "payload": payload}
    ticket = {"key": "INC-7", "title": s["title"], "description": s["title"], "kind": "incident",
              "status": "in_progress", "priority": "P2", "category": "network", "team": "L2",
              "requester": carlos, "assignee": ana, "watchers": [ana], "resolution": s["summary"],
              "created_at": at, "response_due_at": at, "resolution_due_at": at,
              "first_response_at": None, "channel": "slack", "language": lang,
              "history": [], "survey": [], "extra": {}}
    reply = {"id": "vpn-reset", "language": lang, "team": "L1", "title": s["summary"],
             "preview": s["text"]}
    promise = {"response_due": at, "resolution_due": at, "closed": True, "opens_at": at,
               "hours": {"weekdays": ["mon", "fri"], "start": "09:00", "end": "18:00",
                         "timezone": "America/Mexico_City"}, "on_call": "Luis Pérez"}
    return {"ticket": ticket, "t": ticket, "tickets": [ticket], "event": event,
            "actor": "Ana Torres",
            "recipient": {"type": "thread", "ticket": "INC-7", "person_id": 1},
            "viewer": carlos, "person": carlos, "people": [carlos, ana], "key": "INC-7",
            "name": "Carlos", "tz": "America/Mexico_City", "promise": promise,
            "recent": [], "count": 2, "number": 1, "title": s["title"], "body": s["text"],
            "rating": 2, "scale": 5, "question": s["question"], "text": s["text"],
            "team": "L2", "code": "L2", "current": "resolved", "target": "resolved",
            "by": "Ana Torres", "priority": "P2", "due": at, "level": "high", "field": "comment",
            "value": "x", "choices": "L1, L2", "teams": "L1, L2, L3", "role": "technician",
            "ref": "L9", "action": "cancel", "command": "claim", "length": 9000, "limit": 8000,
            # Technicians' tools: saved replies, search, ISO record, article drafts.
            "replies": [reply], "reply": reply, "words": s["title"],
            "hits": [{"ticket": ticket, "where": s["title"], "score": 88}],
            "record": {}, "draft": {"id": 4, "ticket": "INC-7", "language": lang,
                                    "title": s["title"]},
            # The article a technician says answers a ticket.
            "article_id": "kb-42", "article": "kb-42", "learned": True,
            # Admin commands (cli.j2): database, knowledge base, NLU, queues, servers, sweep.
            **cli_sample(lang, ticket, event)}


def cli_sample(lang: str, ticket: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """What the admin commands print: a database, a knowledge base, a parse, the queues."""
    return {
        "url": "sqlite:///deskbot.db", "revision": "0008", "added": 5, "existing": 2, "days": 90,
        "totals": {"tickets": 640, "events": 5100, "surveys": 300, "deflections": 210},
        "file": "backup.db", "source": "deskbot.db", "into": "deskbot.db", "pg_dump": True,
        "argv": "pg_dump -Fc -f backup.dump postgresql:///deskbot",
        "files": 2, "articles": 40, "languages": [("en", 12), ("es", 28)], "categories": 6,
        "root": "kb/faq", "saved": 3, "threshold": "42", "path": "kb/faq/vpn.md",
        "trained": True, "seconds": 1.5, "cache": "/tmp/nlu",
        "sizes": {"examples": 900, "intents": 30, "synonyms": 40, "lookups": 2, "regexes": 3},
        "parsed": {"intent": "vpn_down", "confidence": 0.91, "language": lang,
                   "next": [{"name": "greet", "confidence": 0.05}],
                   "entities": [{"entity": "app", "value": "vpn", "said": "'VPN'", "start": 3,
                                 "end": 6}]},
        "folds": 5, "examples": 900, "kind": "request", "failed": True, "waiting": 3,
        "lag": 4.5, "to": {"type": "person", "person_id": 3, "role": "technician"},
        "counts": {"delivered": 4, "retried": 1, "failed": 0, "skipped": 0},
        "pair": "severity", "fields": [("severity", "high"), ("followup_at", None)],
        "host": "127.0.0.1", "port": 2525, "error": "[Errno 98] EADDRINUSE",
        "minutes": 15, "what": "breaches", "items": ["INC-7", "INC-9"], "checked": 12,
        "since": "2026-03-01 00:00", "until": "2026-03-08 00:00",
        # Reports and ticket views printed by the older commands.
        "r": {"period": {"since": "2026-03-01T00:00:00", "until": "2026-03-08T00:00:00",
                         "team": "L2"},
              "answers": 10, "rated": 9, "mean_rating": 4.2, "satisfied": 7,
              "satisfied_pct": 77.8, "comments": 2, "alerts": 1, "distribution": {5: 4, 2: 1},
              "feedback": [{"ticket": "INC-7", "rating": 2, "alert": True,
                            "assignee": "Ana Torres", "comment": SAMPLE_TEXT[lang]["comment"]}]},
        "status": {"key": "INC-7", "priority": "P2", "business_hours": True,
                   "timezone": "America/Mexico_City"},
        "label": "EN CURSO" if lang == "es" else "IN PROGRESS",
        "paused_since": "2026-03-02 10:00 CST", "waited": "2 h",
        "targets": [{"name": "response", "target": "1 h", "due": "2026-03-02 11:00 CST",
                     "done": "", "left": "30 min", "breached": True, "warned": True}],
        "when": "2026-03-02 10:00",
        "gaps": [{"kind": "unanswered", "article_id": None, "count": 2,
                  "tickets": ["INC-7", "INC-9"], "words": ["vpn", "wifi"],
                  "examples": [SAMPLE_TEXT[lang]["title"]], "from_shown": 1, "rerun": 1},
                 {"kind": "not_helpful", "article_id": "kb-42", "count": 1,
                  "tickets": ["INC-3"], "words": ["vpn"], "examples": [], "from_shown": 1,
                  "rerun": 0}],
        "event": event | {"actor": "Ana Torres", "visibility": "internal"},
    }


#: Groups whose messages reach people in the desk's conversations and notices.
GROUPS = ("conversation", "notify", "errors", "console", "commands", "email", "labels", "cli")
MACRO = re.compile(r"\{%-?\s*macro\s+([a-z]\w*)")


def _macros() -> list[tuple[str, str]]:
    return [(path.stem, name) for path in sorted((TEMPLATES / "es").glob("*.j2"))
            if path.stem in GROUPS
            for name in MACRO.findall(path.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_template_speaks_one_language_and_shows_no_raw_key(lang: str,
                                                                  desk: Services) -> None:
    messages = desk.plain  # team names from config.yml, as the desk shows them
    problems = []
    for group, name in _macros():
        text = messages.render(f"{group}.{name}", lang, **sample(lang))
        foreign = foreign_words(text, lang)
        raw = RAW_KEYS[lang].findall(text)
        if foreign or raw:
            problems.append(f"{group}.{name}: {foreign or ''} {raw or ''}\n    {text[:300]}")
    assert not problems, "\n".join(problems)


def test_the_detector_sees_a_mixed_message() -> None:
    assert foreign_words("Tu ticket está IN PROGRESS con Level 2 support", "es")
    assert foreign_words("Your ticket is EN CURSO", "en") == ["CURSO"]
    assert not foreign_words("Abrí el ticket INC-1: la VPN no conecta", "es")


JOURNEYS = [("journey_es.yml", "Carlos Gómez", "es"), ("journey_en.yml", "Emma Brown", "en"),
            ("cancel_es.yml", "Carlos Gómez", "es"), ("survey_en.yml", "Emma Brown", "en")]


@pytest.mark.parametrize("name,employee,lang", JOURNEYS, ids=[j[0] for j in JOURNEYS])
def test_a_whole_journey_shows_the_employee_one_language(name: str, employee: str, lang: str,
                                                         desk: Services,
                                                         console: Console) -> None:
    path: Path = transcripts_dir() / name
    script = _load(path)
    _configure(desk, script.get("settings") or {})
    _replay(path, script, desk, console, None)
    with desk.uow() as uow:
        person_id = uow.people.find(employee).id
    typed = frozenset(w.casefold() for step in script["steps"]
                      for w in _WORD.findall(str(step.get("say", ""))))
    quoted = _article_text(desk)
    seen = [text for pid, text in console.seen
            if pid == person_id and _strip_number(text) not in quoted]
    assert len(seen) > 5
    mixed = [(text, foreign_words(text, lang, typed)) for text in seen
             if foreign_words(text, lang, typed)]
    raw = [text for text in seen if RAW_KEYS[lang].search(text)]
    assert not mixed and not raw, (mixed, raw)


def _strip_number(line: str) -> str:
    """``*1. Title*`` -> ``Title``; an excerpt's ``…`` and the Markdown stars go too."""
    return _plain(re.sub(r"^\*?\d+\.\s*", "", line.strip()).rstrip("…"))


def _plain(text: str) -> str:
    return " ".join(text.replace("*", "").split())


def _article_text(desk: Services) -> str:
    """Knowledge-base articles are quoted as written, in their own language (many exist in one
    language only): not the desk's voice, so not checked here."""
    from kb.loader import load_articles

    return _plain("\n".join(f"{a.title}\n{a.body}"
                            for a in load_articles(desk.settings.faq.articles_dir)))
