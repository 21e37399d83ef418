"""Behavioural quality gate: messages written apart from the training data are understood.

bench/data/nlu_heldout.yml is never trained on; ``python -m bench.nlu`` prints the full figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.evaluation import evaluate
from nlu.interpreter import Interpreter
from nlu.training_data import load_data

HELDOUT = Path(__file__).resolve().parents[2] / "bench" / "data" / "nlu_heldout.yml"


def test_heldout_messages_are_understood(interpreter: Interpreter) -> None:
    summary = evaluate(interpreter.pipeline, load_data(HELDOUT).examples).summary()
    assert summary["examples"] >= 150
    assert summary["accuracy"] >= 0.85
    assert summary["macro_f1"] >= 0.85
    worst = min(row["recall"] for row in summary["per_intent"].values())
    assert worst >= 0.6, summary["per_intent"]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("como instalo la impresora", "ask_howto"),
        ("how do I set up email on my phone", "ask_howto"),
        ("no me funciona el correo", "report_problem"),
        ("the vpn doesn't connect", "report_problem"),
        ("necesito acceso a la carpeta de finanzas", "request_service"),
        ("I need a new monitor", "request_service"),
        ("how is my ticket INC-12", "ask_status"),
        ("alguna novedad de mi ticket?", "ask_status"),
        ("I clicked a phishing link", "security_incident"),
        ("me robaron la laptop", "security_incident"),
        ("someone is using my account", "security_incident"),
        ("quiero hablar con una persona", "talk_to_human"),
        ("what's for lunch", "out_of_scope"),
        ("cuéntame un chiste", "out_of_scope"),
    ],
)
def test_the_distinctions_the_desk_depends_on(
    interpreter: Interpreter, text: str, intent: str
) -> None:
    assert interpreter.parse(text)["intent"]["name"] == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # A forgotten, expired or locked password is a problem to fix, not a security incident.
        ("I forgot my password", "report_problem"),
        ("olvidé mi contraseña", "report_problem"),
        ("olvide mi contra", "report_problem"),
        ("my password expired", "report_problem"),
        ("how do I reset my password", "ask_howto"),
        # ...while someone else in the account, a clicked link or a lost device is one.
        ("someone is using my account", "security_incident"),
        ("perdi mi celular de la empresa", "security_incident"),
        # "It still fails" answers "did that help?" with a no.
        ("still broken", "deny"),
        ("sigue igual", "deny"),
        ("no funcionó", "deny"),
        ("it didn't work", "deny"),
        ("nope still not working", "deny"),
        # Short replies to a yes/no question.
        ("ok", "affirm"),
        ("va", "affirm"),
        ("sale", "affirm"),
        ("dale", "affirm"),
        ("si porfa", "affirm"),
        ("yes please", "affirm"),
        ("sure", "affirm"),
        ("👍", "affirm"),
        ("no gracias", "deny"),
        ("nel", "deny"),
        ("nah", "deny"),
        ("ok gracias", "thanks"),
    ],
)
def test_passwords_and_short_replies_reach_the_right_flow(
    interpreter: Interpreter, text: str, intent: str
) -> None:
    assert interpreter.parse(text)["intent"]["name"] == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("quiero pedir vacaciones", "out_of_scope"),
        ("where do I park", "out_of_scope"),
        ("what's the weather tomorrow", "out_of_scope"),
        ("the AC in the office is too cold", "out_of_scope"),
        # IT requests that mention HR or the office are still the desk's.
        ("no puedo entrar al sistema de nomina", "report_problem"),
        ("necesito una compu nueva", "request_service"),
        ("my laptop screen is broken", "report_problem"),
    ],
)
def test_off_topic_requests_are_told_apart_from_it_ones(
    interpreter: Interpreter, text: str, intent: str
) -> None:
    assert interpreter.parse(text)["intent"]["name"] == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # In ITIL an incident is any interruption: asking for one is asking for a ticket.
        ("I need to open an incident", "report_problem"),
        ("open a case for me", "report_problem"),
        ("quiero abrir un incidente, no tengo internet", "report_problem"),
        ("abreme un caso porfa, la laptop no prende", "report_problem"),
        ("can you log a ticket for me? excel keeps crashing", "report_problem"),
        # ... while a threat to information is a security incident, however it is put.
        ("quiero reportar un incidente de seguridad", "security_incident"),
        ("my backpack with the company laptop got stolen", "security_incident"),
        # Pay, leave and chit-chat are not the desk's.
        ("me depositaron incompleta la quincena", "out_of_scope"),
        ("how many days of leave do I still have", "out_of_scope"),
        ("cuentame de ti, te gusta la musica?", "out_of_scope"),
        # The knowledge base itself.
        ("preguntas frecuentes", "ask_faq"),
        ("show me the FAQ", "ask_faq"),
    ],
)
def test_tickets_security_and_the_rest(interpreter: Interpreter, text: str, intent: str) -> None:
    assert interpreter.parse(text)["intent"]["name"] == intent
