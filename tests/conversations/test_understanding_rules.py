"""The rules around the model, tested without a database: what a message leaves open, which
kind of security incident it is, which article is whose translation, and what the policy does
with a yes, a vague complaint or an uncertain security report."""

from __future__ import annotations

from typing import Any

import pytest

from actions.conversation.catalogue import twin_in
from actions.conversation.phrases import (
    asks_for_security_incident,
    asks_help,
    looks_like_noise,
    names_nothing,
    ordinal,
    says_fixed,
    says_my_answer,
    says_none,
    says_other_problem,
)
from actions.conversation.policy import Situation, ThreadTicket, decide
from actions.conversation.security_kinds import security_kind
from actions.conversation.state import ConversationState


@pytest.mark.parametrize(("text", "vague"), [
    ("no funciona", True), ("No me funciona!!", True), ("it doesn't work", True),
    ("hola, tengo un problema", True), ("la vpn no funciona", False),
    ("my laptop is not working", False), ("ayuda", False),
])
def test_a_complaint_that_names_nothing(text: str, vague: bool) -> None:
    assert names_nothing(text) is vague


@pytest.mark.parametrize(("text", "bare"), [
    ("help", True), ("ayuda", True), ("Ayúdame por favor", True), ("I need help please", True),
    ("help me with my homework", False), ("ayuda, la vpn no conecta", False),
    ("show me help articles", False), ("gracias por la ayuda", False),
    ("¿Qué puedes hacer?", True), ("what can you do?", True), ("what can you do for HR", False),
])
def test_a_bare_call_for_help(text: str, bare: bool) -> None:
    """"help" and "ayuda" alone get the same answer; a call for help about something does not."""
    assert asks_help(text) is bare


@pytest.mark.parametrize(("text", "number", "none"), [
    ("2", 2, False), ("la segunda", 2, False), ("the first one", 1, False),
    ("el tercero", 3, False), ("ninguno", None, True), ("lo resolví solo", None, True),
    ("none of them, I fixed it myself", None, True), ("la impresora", None, False),
])
def test_which_article_helped(text: str, number: int | None, none: bool) -> None:
    """The answers to "which of them did it?": a number, an ordinal, or none of them."""
    assert ordinal(text) == number
    assert says_none(text) is none


@pytest.mark.parametrize(("text", "fixed"), [
    ("ya funciona", True), ("funcionó, gracias", True),
    ("that fixed it, the client works now", True),
    ("it works now, I want to say thanks", True), ("ya no funciona", False),
    ("it still doesn't work", False), ("it didnt work", False), ("¿ya funciona la vpn?", False),
])
def test_a_person_saying_the_problem_is_gone(text: str, fixed: bool) -> None:
    """Only a real negation undoes "fixed": words ending in "nt" (client, want) do not."""
    assert says_fixed(text) is fixed


@pytest.mark.parametrize(("text", "kind"), [
    ("me robaron la laptop en el metro", "lost_device"),
    ("I left my work phone in a taxi", "lost_device"),
    ("someone called pretending to be from IT and asked for my password", "impersonation"),
    ("mande la base de clientes a un correo externo por error", "data_leak"),
    ("el antivirus detecto un troyano", "malware"),
    ("someone logged into my account from another country", "unauthorised_access"),
    ("me llego un correo raro pidiendo mi contraseña", "phishing"),
    ("hay un usb desconocido conectado", "other"),
])
def test_security_kinds(text: str, kind: str) -> None:
    assert security_kind(text) == kind


def test_twins_are_mutual_translations(faq_matcher: Any) -> None:
    by_id = {a.id: a for a in faq_matcher.articles}
    assert twin_in(faq_matcher, by_id["cuenta-bloqueada"], "en").id == "account-locked"
    assert twin_in(faq_matcher, by_id["lost-stolen-laptop"], "es").id == "laptop-robada-perdida"
    assert twin_in(faq_matcher, by_id["buzon-lleno"], "en") is None  # written in Spanish only
    # The nearest printer article in the other language is not a translation.
    assert twin_in(faq_matcher, by_id["add-network-printer"], "es") is None


def _situation(intent: str, text: str, confidence: float = 0.99, **slots: Any) -> Situation:
    return Situation(intent=intent, text=text, confidence=confidence, is_payload=False,
                     entities={}, slots=slots)


def test_yes_without_a_question_confirms_nothing() -> None:
    assert decide(_situation("affirm", "ok")).action != "action_faq_solved"
    assert decide(_situation("affirm", "ok", awaiting="faq")).action == "action_faq_solved"


def test_uncertain_security_is_asked_first_and_certain_opens() -> None:
    assert decide(_situation("security_incident", "raro", 0.6)).action \
        == "action_confirm_security"
    assert decide(_situation("security_incident", "me robaron la laptop", 0.99)).action \
        == "action_security_intake"
    assert decide(_situation("affirm", "si", awaiting="security_confirm")).action \
        == "action_security_intake"
    assert decide(_situation("deny", "no", awaiting="security_confirm")).action \
        == "action_suggest_faq"


@pytest.mark.parametrize(("text", "noise"), [
    ("asdfgh", True), ("jajaja", True), ("JAJAJAJ", True), ("qwerty", True), ("xD", True),
    ("hahaha lol", True), ("sdfhkj", True), ("hola", False), ("vpn", False), ("ok", False),
    ("jaja la vpn no conecta", False), ("INC-12", False), ("wifi", False),
    ("dhcp", False), ("https", False), ("hi", False), ("ja", False), ("hey", False),
])
def test_noise_is_not_a_question(text: str, noise: bool) -> None:
    assert looks_like_noise(text) is noise


@pytest.mark.parametrize(("text", "bare"), [
    ("abre un incidente de seguridad", True), ("I want to report a security incident", True),
    ("quiero reportar un problema de seguridad", True), ("open a security ticket", True),
    ("me robaron la laptop", False), ("I need to open an incident", False),
    ("hice clic en un enlace, abre un incidente de seguridad", False),
])
def test_a_security_report_asked_for_by_name(text: str, bare: bool) -> None:
    assert asks_for_security_incident(text) is bare


@pytest.mark.parametrize(("text", "answer", "other"), [
    ("Es mi respuesta", True, False), ("it's my answer", True, False),
    ("sí, es mi respuesta", True, False), ("Es otro problema", False, True),
    ("no, it's another problem", False, True), ("a new issue", False, True),
    ("en mi respuesta anterior puse otro problema", False, False),
])
def test_typed_answers_to_answer_or_new_problem(text: str, answer: bool, other: bool) -> None:
    """Mail has no buttons: "es mi respuesta" and "es otro problema" are read from the text."""
    assert says_my_answer(text) is answer
    assert says_other_problem(text) is other


def test_help_and_noise_answer_a_pending_question_as_comments() -> None:
    """A technician asked something: "ayuda" or "jajaja" there is the requester's answer."""
    pending = ThreadTicket(key="INC-1", status="pending", is_requester=True, is_party=True)
    for text, alone in (("ayuda", "action_help"), ("jajaja", "action_not_understood")):
        assert decide(_situation("out_of_scope", text)).action == alone
        situation = Situation(intent="out_of_scope", text=text, confidence=0.9,
                              is_payload=False, entities={}, slots={}, thread=pending)
        assert decide(situation).action == "action_add_comment"


def _problem(text: str, confidence: float = 0.99, category: str | None = "hardware",
             **slots: Any) -> Situation:
    return Situation(intent="report_problem", text=text, confidence=confidence,
                     is_payload=False, entities={"category": category}, slots=slots)


@pytest.mark.parametrize(("text", "confidence", "category", "action"), [
    ("además la impresora no imprime", 0.99, "hardware", "action_security_which"),
    ("also my printer is broken", 0.97, "hardware", "action_security_which"),
    ("also my printer is broken", 0.7, "hardware", "action_security_intake"),  # unsure
    ("in my outlook inbox", 0.99, "email", "action_security_intake"),  # nothing fails
    ("desconecté la laptop de la red", 0.99, "network", "action_security_intake"),
    ("no abras el correo, tiene un enlace raro", 0.99, "email", "action_security_intake"),
])
def test_another_problem_during_the_security_questions(text: str, confidence: float,
                                                       category: str, action: str) -> None:
    """Only a sure, ordinary fault interrupts the questions; an answer is recorded."""
    situation = _problem(text, confidence, category, awaiting="security", security_key="SEC-1")
    assert decide(situation).action == action


def test_vague_complaint_asks_and_the_answer_is_the_problem() -> None:
    assert decide(_situation("deny", "no funciona")).action == "action_ask_detail"
    assert decide(_situation("deny", "no funciona", awaiting="faq")).action \
        == "action_offer_ticket"  # there it answers "did this help?"
    assert decide(_situation("out_of_scope", "la impresora", awaiting="detail")).action \
        == "action_suggest_faq"


def test_a_new_thread_drops_the_old_problem_and_its_question() -> None:
    state = ConversationState(channel="console", ref="console:1", person_id=1)
    state.enter_thread("console:1:1")
    state.slots.update(awaiting="faq", problem={"text": "vpn"}, suggestions=[{"a": 1}],
                       ticket_key="INC-1")
    state.enter_thread("console:1:1")
    assert state.slots["awaiting"] == "faq"
    state.enter_thread("console:1:2")
    assert (state.slots["awaiting"], state.slots["problem"], state.slots["suggestions"],
            state.slots["ticket_key"]) == (None, None, [], None)
    state.slots["awaiting"] = "survey_comment"
    state.enter_thread("console:1:3")
    assert state.slots["awaiting"] == "survey_comment"  # still answers the closed ticket's survey
