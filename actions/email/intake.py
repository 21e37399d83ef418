"""A message that arrived by mail, through the same conversation as a Slack DM.

A new message is understood like a direct message (intent, category, impact and urgency, hence
priority and team; a security report opens a SEC- ticket and its ISO 27001 questions are asked
by mail) and, unlike a chat, always leaves with a ticket unless it only asked about one: mail is
how people ask a help desk for work. The answer carries the key, the priority, the expected
first response and the knowledge-base articles that may solve it ("reply *solved*").

A reply to a question the desk asked before any ticket existed ("what happened?") continues the
conversation that asked it (``threads.find_conversation``): it is the answer, read as such.
A reply from the requester continues that conversation: an answer to a security question, a
comment, "solved 2" (the ticket is withdrawn and that article counted; a bare "solved" after
several articles withdraws it crediting none), and on a resolved ticket a
one-line "sí / no / 1..5" that confirms, reopens and rates. Replies from staff (or to tickets
opened in another channel) are comments, as before.

The whole message is one unit of work (``Services.turn``): the Message-ID in
``processed_events``, the sender, the conversation's turns, the ticket or comment, the files and
the answer in the outbox commit together. Mail servers retry; a retry finds the key and does
nothing, and a failure leaves nothing behind, so the retry does the work.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from sqlalchemy.exc import IntegrityError

from actions.conversation import handle_message, payload
from actions.conversation.state import load_state, save_state
from actions.dedupe import first_delivery, seen
from actions.email.answer import finish
from actions.email.ids import SUBJECT_KEY, dedupe_key
from actions.email.mail import Mail, MailRefused, Outcome
from actions.email.replies import ReplyWords, read_reply
from actions.email.threads import Thread, find_conversation, find_thread
from actions.people import ensure_person
from actions.services import Services
from actions.text import MAX_TEXT
from actions.work import cancel, comment
from store.errors import IllegalTransition, RoleRefused
from store.lifecycle import Status

log = logging.getLogger(__name__)

CHANNEL = "email"
ATTEMPTS = 3
_REPLY_PREFIX = ("re:", "fw:", "fwd:", "rv:", "res:", "resp:", "aw:", "wg:")
#: Answers that are only about existing tickets: no new ticket for them.
_STATUS_KINDS = {"ticket_status", "ticket_list"}


def receive(services: Services, mail: Mail, *, own_addresses: tuple[str, ...] = ()) -> Outcome:
    """Handle one inbound message (any number of times: the second is a no-op)."""
    if mail.automatic:
        return Outcome("ignored", detail=mail.automatic)
    if mail.sender in {a.lower() for a in own_addresses}:
        return Outcome("ignored", detail="sent by the desk itself")
    key = dedupe_key(mail.message_id)
    if seen(services.uow(), key):
        return Outcome("duplicate")
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with services.turn() as turn:
                if not first_delivery(turn, key):
                    return Outcome("duplicate")  # the same message, delivered twice at once
                outcome = _Turn(services, mail).run()
                turn.commit()
                return outcome
        except IntegrityError:
            # Two first mails from one new sender raced to register them: nothing was kept,
            # so going round again is safe.
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


class _Turn:
    def __init__(self, services: Services, mail: Mail) -> None:
        self.services = services
        self.mail = mail
        self.person_id = 0

    def run(self) -> Outcome:
        from nlu.language import detect_language

        mail, settings = self.mail, self.services.settings
        language = detect_language(f"{mail.subject}\n{mail.text}", settings.language)
        person = ensure_person(self.services.uow(), channel="email", address=mail.sender,
                               name=mail.sender_name, language=language,
                               timezone=settings.default_timezone,
                               default_language=settings.language)
        self.person_id = person.id
        self.staff = person.is_staff
        thread = find_thread(self.services.uow(), mail)
        continued = None
        if thread is None or (thread.channel == CHANNEL and not thread.channel_ref
                              and thread.requester_id == person.id):
            continued = find_conversation(self.services.uow(), mail, person_id=person.id,
                                          subject=clean_subject(mail.subject),
                                          is_reply=is_reply(mail.subject))
            if thread is not None:
                # a ticket opened in a conversation whose thread another ticket holds (a second
                # incident during the first one's questions): its replies continue that one
                thread = replace(thread, channel_ref=continued) if continued else thread
            else:
                thread = self._ticket_of(continued) if continued else None
        if thread is not None:
            outcome = self._reply(thread)
            if outcome is not None:
                return outcome
            continued = None  # that conversation's ticket is done: this is new work
        return self._new(continued)

    # -- a new request ---------------------------------------------------------------------
    def _new(self, continued: str | None = None) -> Outcome:
        """A new request, or the answer to what the desk asked in conversation ``continued``
        (then the subject, the same "Re: ..." of the question, is no part of the answer)."""
        subject = clean_subject(self.mail.subject)
        body = self.mail.text.strip()
        if continued:
            text = body or subject
        else:
            text = body if not subject or body.startswith(subject) else f"{subject}\n\n{body}"
        text = fit(text.strip())
        if not text:
            raise MailRefused("empty message: please write what happened")
        ref = continued or self.mail.message_id
        first = self._talk(text, ref)
        opened = _opened(first)
        messages = first
        if opened is None and not _kinds(first) & _STATUS_KINDS:
            second = self._talk(payload("open_ticket"), ref)
            if _opened(second) is None:  # nothing understood to open: the text is the request
                second = self._talk(text, ref)
            opened = _opened(second)
            if opened is not None:
                keep = {"faq_suggestions", "faq_article"}
                messages = second + [m for m in first if _kind(m) in keep]
        if opened is not None:
            self._remember_suggestions(ref, first)
        elif not continued and subject:
            self._remember_subject(ref, subject)
        finish(self.services, self.mail, person_id=self.person_id, ticket_key=opened,
               messages=messages, conversation=ref)
        return Outcome("opened", opened) if opened else Outcome("answered")

    def _remember_subject(self, ref: str, subject: str) -> None:
        """Keep the subject of a mail answered without a ticket: a reply whose client dropped
        the thread headers still finds the question by its "Re:" subject."""
        state = load_state(self.services.uow(), channel=CHANNEL, ref=ref,
                           person_id=self.person_id)
        if state.stored and state.slots.get("awaiting"):
            state.channel_data["subject"] = subject
            save_state(self.services.uow(), state)

    def _ticket_of(self, ref: str) -> Thread | None:
        """The ticket a continued conversation opened meanwhile: replies go to it."""
        with self.services.uow() as uow:
            ticket = uow.tickets.by_channel_ref(CHANNEL, ref)
            return Thread.of(ticket) if ticket is not None else None

    def _remember_suggestions(self, ref: str, messages: list[dict[str, Any]]) -> None:
        """Keep the suggested articles with the conversation, for a later "solved 2"."""
        found = [s.get("article_id") for m in messages if _kind(m) == "faq_suggestions"
                 for s in (m.get("custom") or {}).get("suggestions") or []]
        if not found:
            return
        state = load_state(self.services.uow(), channel=CHANNEL, ref=ref,
                           person_id=self.person_id)
        state.channel_data["suggestions"] = found
        save_state(self.services.uow(), state)

    # -- a reply ---------------------------------------------------------------------------
    def _reply(self, thread: Thread) -> Outcome | None:
        """The reply's work, or None when it should rather open a new ticket."""
        text = fit(self.mail.text.strip())
        if self.person_id != thread.requester_id or thread.channel != CHANNEL \
                or not thread.channel_ref:
            return self._comment(thread, text)
        ref = thread.channel_ref
        words = read_reply(text)
        state = load_state(self.services.uow(), channel=CHANNEL, ref=ref)
        key = thread.key
        if thread.status == Status.RESOLVED:
            messages = self._resolved(key, text, words)
        elif thread.status == Status.CLOSED:
            surveying = state.slots.get("survey_key") == key
            if words.rating is not None and surveying:
                messages = self._talk(payload("rate", ticket_key=key, rating=words.rating), ref)
            elif surveying and state.slots.get("awaiting") == "survey_comment" and text:
                messages = self._talk(text, ref)
            else:
                return None  # a closed ticket's thread: new work is a new ticket
        elif thread.status == Status.CANCELLED:
            return None
        elif words.solved and state.channel_data.get("suggestions") \
                and thread.status in (Status.NEW, Status.OPEN) \
                and state.slots.get("awaiting") != "security":
            messages = self._deflected(key, ref, words, state.channel_data["suggestions"])
        elif not text:
            messages = []
        else:
            messages = self._talk(text, ref)
        commented = _kinds(messages) & {"comment_added"}
        opened = _opened(messages)  # another incident, reported during this one's questions
        finish(self.services, self.mail, person_id=self.person_id, ticket_key=opened or key,
               messages=messages, conversation=ref)
        if opened:
            return Outcome("opened", opened)
        return Outcome("commented" if commented else "answered", key)

    def _resolved(self, key: str, text: str, words: ReplyWords) -> list[dict[str, Any]]:
        ref = self._ref_of(key)
        if words.confirm is False:
            messages = self._talk(text, ref)
            if "reopened" not in _kinds(messages):
                messages = self._talk(payload("reject", ticket_key=key), ref)
            return messages
        if words.confirm or words.rating is not None:
            messages = self._talk(payload("confirm", ticket_key=key), ref)
            if words.rating is not None and _kinds(messages) & {"survey"}:
                messages = [m for m in messages if _kind(m) != "survey"]
                messages += self._talk(payload("rate", ticket_key=key, rating=words.rating), ref)
            return messages
        return self._talk(text, ref) if text else []

    def _deflected(self, key: str, ref: str, words: ReplyWords,
                   suggestions: list[str]) -> list[dict[str, Any]]:
        if words.article is None and len(suggestions) > 1:
            # "solved" without saying which of several: withdrawn, no article credited (the
            # deflection figures count only the article the person named)
            messages = self._talk(payload("solved_alone"), ref)
            ticket = cancel(self.services.uow(), key=key, actor_id=self.person_id,
                            reason="solved; no suggested article named")
            return [*messages, {"text": "", "buttons": [],
                                "custom": {"kind": "withdrawn", "ticket_key": ticket.key}}]
        index = (words.article or 1) - 1
        article_id = suggestions[index] if 0 <= index < len(suggestions) else suggestions[0]
        messages = self._talk(payload("faq_solved", article_id=article_id), ref)
        ticket = cancel(self.services.uow(), key=key, actor_id=self.person_id,
                        reason=f"solved by article {article_id}")
        return [*messages, {"text": "", "buttons": [],
                            "custom": {"kind": "withdrawn", "ticket_key": ticket.key}}]

    def _comment(self, thread: Thread, text: str) -> Outcome | None:
        """Staff answering a notice by mail, or a reply about a ticket from another channel."""
        if not text and not self.mail.files:
            finish(self.services, self.mail, person_id=self.person_id, ticket_key=thread.key,
                   messages=[], answer=False)
            return Outcome("ignored", thread.key, "nothing new in the reply")
        if text:
            try:
                comment(self.services.uow(), key=thread.key, actor_id=self.person_id, text=text)
            except IllegalTransition:
                return None  # closed or cancelled: the message starts a new ticket
            except RoleRefused as exc:
                raise MailRefused(f"{self.mail.sender} may not comment on {thread.key}",
                                  "5.7.1") from exc
        elif not self.staff and self.person_id != thread.requester_id:
            raise MailRefused(f"{self.mail.sender} may not add files to {thread.key}", "5.7.1")
        finish(self.services, self.mail, person_id=self.person_id, ticket_key=thread.key,
               messages=[], answer=False)
        return Outcome("commented", thread.key)

    def _ref_of(self, key: str) -> str:
        with self.services.uow() as uow:
            return str(uow.tickets.get(key).channel_ref)

    def _talk(self, text: str, ref: str) -> list[dict[str, Any]]:
        return handle_message(self.services, channel=CHANNEL, ref=ref, person_id=self.person_id,
                              text=text, messages=self.services.plain, thread_ref=ref)


def _kind(message: dict[str, Any]) -> str:
    return str((message.get("custom") or {}).get("kind") or "")


def _kinds(messages: list[dict[str, Any]]) -> set[str]:
    return {_kind(m) for m in messages}


def _opened(messages: list[dict[str, Any]]) -> str | None:
    for message in messages:
        custom = message.get("custom") or {}
        if custom.get("kind") == "ticket_opened":
            return str(custom["ticket_key"])
    return None


def is_reply(subject: str) -> bool:
    """``Re: Impresora``, ``RV: [INC-3] ...``: the subject of an answer to another mail."""
    return SUBJECT_KEY.sub("", subject).strip().lower().startswith(_REPLY_PREFIX)


def clean_subject(subject: str) -> str:
    """``RE: Fwd: [INC-3] Printer`` -> ``Printer``."""
    text = SUBJECT_KEY.sub("", subject).strip()
    while text.lower().startswith(_REPLY_PREFIX):
        text = text.split(":", 1)[1].strip()
    return " ".join(text.split())[:500]


def fit(text: str) -> str:
    """Long mails are kept up to the desk's limit rather than refused."""
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1].rstrip() + "…"
