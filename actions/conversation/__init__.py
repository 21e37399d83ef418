"""The employee's conversation with the desk, the same in Slack, the console and email.

``handle_message`` is what every channel calls with what a person typed (or the payload of the
button they pressed); it returns the messages to show. ``closure_prompt`` and ``survey_prompt``
are the confirm/reject and rating buttons a channel appends when it delivers a "resolved"
notice. The actions themselves are rasa-sdk ``Action`` classes, also servable by
``python -m rasa_sdk --actions actions``.
"""

from actions.conversation.dialogue import ACTION_CLASSES, handle_message
from actions.conversation.payloads import parse_payload, payload
from actions.conversation.prompts import closure_prompt, survey_prompt
from actions.conversation.tickets import thread_ticket

__all__ = [
    "ACTION_CLASSES", "handle_message", "closure_prompt", "survey_prompt", "payload",
    "parse_payload", "thread_ticket",
]
