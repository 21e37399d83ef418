"""Knowledge-base answers: suggest articles, show one, and record "this solved it".

A request answered by an article is a *deflected* request (a row in ``deflections``), which the
reports count next to tickets. The credit must be honest, since those figures decide which
articles are kept, rewritten or retired: "ya funciona" after one suggestion credits that one,
but after several the person is asked which one helped ("¿Cuál te sirvió?"), with "none, it
sorted itself out" as an answer that closes the question without crediting any article. Giving
the first one the credit would inflate the top match's figures with fixes it had no part in.

Suggestions prefer the person's language: an article whose twin exists in it is shown as that
twin (an English speaker reads the English version), the matcher's other-language
near-duplicates are dropped, and other-language articles ranked below one in the person's
language are left out.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from actions.conversation.base import DeskAction, Replies, Turn, slots
from actions.conversation.catalogue import in_language
from actions.conversation.payloads import button
from actions.conversation.phrases import ordinal, without_markup
from actions.faq_shown import shown
from actions.learning import learn, phrasing
from actions.services import Services
from store.models import Deflection

EXCERPT = 240
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
LANGUAGE_PREFERENCE = 2.0  # score points given to articles in the person's language
TRANSLATION_GAP = 5.0  # an other-language article this close to a same-category one is its twin


def suggest(services: Services, text: str, language: str, *, min_score: float | None = None,
            ) -> list[Any]:
    """Up to ``faq.max_suggestions`` matches at or above ``faq.min_score`` (or ``min_score``:
    a technician choosing the article that answers a ticket sees weaker candidates too)."""
    faq = services.settings.faq
    matches = services.matcher.search(
        without_markup(text), top=faq.max_suggestions * 2,
        min_score=faq.min_score if min_score is None else min_score)
    ranked = sorted(matches, key=lambda m: -(m.score + (
        LANGUAGE_PREFERENCE if m.article.language == language else 0.0)))
    kept = [m for m in ranked if not _translated_twin(m, ranked, language)]
    shown: list[Any] = []
    for match in kept:
        article = in_language(services.matcher, match.article, language)
        if all(other.article.id != article.id for other in shown):
            shown.append(replace(match, article=article) if article is not match.article
                         else match)
    # Below an answer the person can read, an other-language one with no twin in their language
    # is noise ("La red está lenta" under "I cannot connect to the VPN"); above it, it is
    # the best match there is and stays.
    first_own = next((n for n, m in enumerate(shown) if m.article.language == language), None)
    if first_own is not None:
        shown = [m for n, m in enumerate(shown) if n <= first_own or m.article.language == language]
    return shown[: faq.max_suggestions]


def _translated_twin(match: Any, ranked: list[Any], language: str) -> bool:
    """An article in the other language scoring like one in the person's language and the same
    category is most likely the same answer translated: show it once, in their language."""
    if match.article.language == language:
        return False
    return any(other.article.language == language
               and other.article.category == match.article.category
               and abs(other.score - match.score) <= TRANSLATION_GAP for other in ranked)


def find_article(services: Services, article_id: str) -> Any | None:
    return next((a for a in services.matcher.articles if a.id == article_id), None)


def body_for(article: Any, flavour: str, *, excerpt: bool = False) -> str:
    """The article's Markdown as the channel shows it (Slack bold is one star)."""
    body = article.body.strip()
    if excerpt:
        first = body.split("\n\n")[0]
        body = first if len(first) <= EXCERPT else first[:EXCERPT].rsplit(" ", 1)[0] + "…"
    return _BOLD.sub(r"*\1*" if flavour == "mrkdwn" else r"\1", body)


def _problem(turn: Turn, categories: dict[str, str]) -> dict[str, Any]:
    category = turn.entity("category")
    levels = ("high", "medium", "low")
    return {
        "text": turn.text,
        "kind": "request" if turn.intent == "request_service" else "incident",
        "category": category if category in categories else None,
        "urgency": turn.entity("urgency") if turn.entity("urgency") in levels else None,
        "impact": turn.entity("impact") if turn.entity("impact") in levels else None,
    }


def described_problem(services: Services, turn: Turn) -> dict[str, Any]:
    """A problem told in answer to "what is it about?", classified like one told unasked: the
    NLU's category, else the best matching article's (a printer is hardware either way)."""
    problem = _problem(turn, services.settings.categories)
    if problem["category"] is None:
        matches = suggest(services, turn.text, turn.language)
        if matches and matches[0].article.category in services.settings.categories:
            problem["category"] = matches[0].article.category
    return problem


class ActionSuggestFaq(DeskAction):
    """Up to three articles for the problem, each with "this solved it"; then "open a ticket"."""

    def name(self) -> str:
        return "action_suggest_faq"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        awaiting = turn.slots.get("awaiting")
        stored = dict(turn.slots.get("problem") or {})
        # "No, it's not security": the problem is the message the question was about.
        answered_no = awaiting == "security_confirm" and turn.intent == "deny"
        text = str(stored.get("text") or turn.text) if answered_no else turn.text
        matches = suggest(self.services, text, turn.language)
        fallback = turn.intent in ("nlu_fallback", "out_of_scope") \
            and awaiting not in ("detail", "security_confirm")
        if not matches and fallback:
            out.say("help", name=turn.person.name)
            return []
        problem = _problem(turn, self.services.settings.categories)
        if answered_no:
            problem.update(text=text, kind="incident", urgency=stored.get("urgency"),
                           impact=stored.get("impact"))
        # what was shown, kept on the ticket if this problem ends in one (actions.faq_shown)
        problem["faq"] = shown(text, matches, self.services.matcher.min_score)
        maybe_security = turn.intent == "security_incident"
        security = [button(out.text("security_button"), "security_incident")] \
            if maybe_security else []
        if not matches:
            out.say("faq_none", buttons=[
                button(out.text("open_ticket_yes_button"), "open_ticket"), *security,
                button(out.text("no_thanks_button"), "deny"),
            ], custom={"kind": "faq_suggestions", "query": text, "suggestions": []})
            return slots(problem=problem, suggestions=[], deflected=[], awaiting="open_confirm")
        flavour = out.messages.flavour
        found = [{"article_id": m.article.id, "title": m.article.title,
                  "category": m.article.category, "language": m.article.language,
                  "score": m.score} for m in matches]
        out.say("faq_intro", count=len(matches),
                custom={"kind": "faq_suggestions", "query": text, "suggestions": found})
        for number, match in enumerate(matches, start=1):
            article = match.article
            buttons = [button(out.text("solved_button"), "faq_solved", article_id=article.id)]
            if number > 1:
                buttons.append(button(out.text("show_button"), "faq_show", article_id=article.id))
            out.say("faq_article", number=number, title=article.title,
                    body=body_for(article, flavour, excerpt=number > 1), excerpt=number > 1,
                    buttons=buttons, custom={"kind": "faq_article", "article_id": article.id})
        out.say("faq_outro", count=len(matches),
                buttons=[button(out.text("open_ticket_button"), "open_ticket"), *security])
        return slots(problem=problem, suggestions=found, deflected=[], awaiting="faq")


class ActionShowArticle(DeskAction):
    def name(self) -> str:
        return "action_show_article"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        article = find_article(self.services, str(turn.entity("article_id") or ""))
        if article is None:
            out.say("article_missing")
            return []
        out.say("faq_article", number=0, title=article.title,
                body=body_for(article, out.messages.flavour), excerpt=False,
                buttons=[button(out.text("solved_button"), "faq_solved", article_id=article.id),
                         button(out.text("open_ticket_button"), "open_ticket")],
                custom={"kind": "faq_article", "article_id": article.id})
        return []


class ActionFaqSolved(DeskAction):
    """"This solved it": a deflected request, recorded once per problem and article."""

    def name(self) -> str:
        return "action_faq_solved"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        suggestions = turn.slots.get("suggestions") or []
        article_id = turn.entity("article_id")
        number = ordinal(turn.text) if turn.slots.get("awaiting") == "faq_which" else None
        if article_id is None and number is not None and number <= len(suggestions):
            article_id = suggestions[number - 1]["article_id"]  # "la segunda"
        if article_id is None and len(suggestions) == 1:
            article_id = suggestions[0]["article_id"]
        elif article_id is None and len(suggestions) > 1:
            return ask_which(out, suggestions)
        article = find_article(self.services, str(article_id or ""))
        if article is None:
            out.say("article_missing")
            return []
        deflected = list(turn.slots.get("deflected") or [])
        if article.id not in deflected:
            problem = turn.slots.get("problem") or {}
            record_deflection(self.services, person_id=turn.person.id, article_id=article.id,
                              query=str(problem.get("text") or article.title),
                              language=turn.language, learn_from=problem.get("text"))
            deflected.append(article.id)
        out.say("faq_solved", title=article.title,
                custom={"kind": "deflected", "article_id": article.id})
        return slots(awaiting=None, problem=None, suggestions=[], deflected=deflected)


def ask_which(out: Replies, suggestions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """"It works now" after several articles: which one did it? Each article is a button that
    credits it; "none of them" closes the question and credits nothing."""
    out.say("faq_which", count=len(suggestions), buttons=[
        *(button(str(s["title"]), "faq_solved", article_id=s["article_id"])
          for s in suggestions),
        button(out.text("solved_alone_button"), "solved_alone"),
    ], custom={"kind": "faq_which", "suggestions": [s["article_id"] for s in suggestions]})
    return slots(awaiting="faq_which")


class ActionSolvedAlone(DeskAction):
    """"None of them, it sorted itself out": the problem is over, no ticket, and no article gets
    a deflection it did not earn."""

    def name(self) -> str:
        return "action_solved_alone"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        out.say("faq_solved_alone", custom={"kind": "solved_alone"})
        return slots(awaiting=None, problem=None, suggestions=[])


def record_deflection(services: Services, *, person_id: int, article_id: str, query: str,
                      language: str, learn_from: str | None = None) -> None:
    """The deflection and, when the person's own message is known, that message learned as a
    way of asking for the article: the matcher finds it from the next message on."""
    with services.uow() as uow:
        uow.session.add(Deflection(person_id=person_id, article_id=article_id,
                                   query=query[:8000], language=language))
        if learn_from:
            learn(uow, phrasing(article_id=article_id, text=str(learn_from), source="confirmed",
                                language=language, person_id=person_id))
        uow.commit()
