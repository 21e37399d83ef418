"""What a verified Slack request is for the inbox: its key, its kind, and whether it is queued.

Everything a person did (a message, a command, a button, a form) is queued: stored before the
acknowledgement and worked by the inbox workers. A few things must be answered inside Slack's
3 seconds and are answered inline (still recorded, so a re-sent one is recognised): whatever
opens a modal with its ``trigger_id`` (shortcuts and the buttons that open a form) and a form
whose answer may be a ``response_action`` with errors (the transfer form). Handshakes
(``url_verification``, ``ssl_check``, ``app_rate_limited``) are no one's work: Bolt answers them.
So is a searching select's ``block_suggestion``: the options are the answer itself, asked on
every keystroke and changing nothing, so it is answered at once and not stored.

Text PostgreSQL cannot store (NUL, lone UTF-16 surrogates) is removed here, on the way in,
so no later write fails on it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from bot.ids import ActionId, CallbackId

#: Buttons whose listener opens a modal (``views.open`` needs the trigger within 3 s).
MODAL_BUTTONS = frozenset({ActionId.TRANSFER.value, ActionId.OPEN_TICKET_FORM.value,
                           ActionId.SURVEY_COMMENT.value, ActionId.REPLY.value,
                           ActionId.ARTICLE.value})
#: Forms whose submission may be answered with ``response_action: errors``.
VALIDATED_FORMS = frozenset({CallbackId.TRANSFER_FORM.value, CallbackId.REPLY_FORM.value,
                             CallbackId.ARTICLE_FORM.value})
#: ``/ticket`` sub-commands that may answer with a form (``views.open`` with the trigger).
FORM_COMMANDS = frozenset({"reply", "iso"})
#: A searching select asking for its options (answered inline, never stored).
SUGGESTION = "block_suggestion"
#: Interaction types answered inline.
INLINE_TYPES = frozenset({"shortcut", "message_action"})

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: How NUL and surrogates look inside JSON text (strict JSON has no raw control characters, and
#: UTF-8 no surrogates): a body without these is stored as it came, without a second encoding.
_ESCAPED_UNSTORABLE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


class NotSlack(ValueError):
    """The body is not a request Slack sends (broken JSON, a form without a payload ...)."""


@dataclass(frozen=True)
class Intake:
    """A parsed request: ``key`` None means nobody's work (Bolt answers it inline)."""

    body: str  # cleaned, as it is stored and dispatched
    payload: dict[str, Any]
    key: str | None
    kind: str
    inline: bool


def clean(value: Any) -> Any:
    """``value`` with NUL and lone surrogates removed from every string in it."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("", value)
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def _form(raw: str) -> tuple[str, dict[str, Any]]:
    fields = [(clean(k), clean(v)) for k, v in parse_qsl(raw, keep_blank_values=True)]
    if not fields:
        raise NotSlack("empty form")
    values = dict(fields)
    if "payload" in values:
        try:
            payload = json.loads(values["payload"])
        except json.JSONDecodeError as exc:
            raise NotSlack("payload is not JSON") from exc
        if not isinstance(payload, dict):
            raise NotSlack("payload is not an object")
        payload = clean(payload)
        values["payload"] = json.dumps(payload, ensure_ascii=False)
        return urlencode(values), payload
    return urlencode(fields), values


def parse(raw: bytes, content_type: str) -> Intake:
    """Read a verified body; raises ``NotSlack`` for anything Slack never sends."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotSlack("not UTF-8") from exc
    return parse_text(text, content_type)


def parse_text(text: str, content_type: str) -> Intake:
    """``parse`` of a body already decoded (the door decodes it once, before verifying)."""
    if "json" in content_type.lower():
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise NotSlack("not JSON") from exc
        if not isinstance(payload, dict):
            raise NotSlack("not an object")
        body = text
        if _ESCAPED_UNSTORABLE.search(text):  # JSON can only carry them escaped
            payload = clean(payload)
            body = json.dumps(payload, ensure_ascii=False)
    else:
        body, payload = _form(text)
    key, kind, inline = classify(payload, body)
    return Intake(body=body, payload=payload, key=key, kind=kind, inline=inline)


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8", "replace")).hexdigest()[:32]


def classify(payload: dict[str, Any], body: str) -> tuple[str | None, str, bool]:
    """(key, kind, inline) of a parsed request."""
    kind = str(payload.get("type") or "")
    if kind == "event_callback":
        event_id = payload.get("event_id")
        key = f"slack:{event_id}" if event_id else f"slack:body:{_digest(body)}"
        return key, "event", False
    if payload.get("command"):
        trigger = payload.get("trigger_id") or _digest(body)
        words = str(payload.get("text") or "").split()
        return (f"slack-command:{trigger}", "command",
                bool(words) and words[0].lower() in FORM_COMMANDS)
    if kind in ("url_verification", "app_rate_limited") or payload.get("ssl_check"):
        return None, kind or "ssl_check", True
    if not kind:
        return None, "unknown", True
    if kind == SUGGESTION:
        return None, kind, True
    trigger = payload.get("trigger_id") or _digest(body)
    key = f"slack-{kind}:{trigger}"
    if kind in INLINE_TYPES:
        return key, kind, True
    if kind == "block_actions":
        actions = payload.get("actions") or [{}]
        action_id = str((actions[0] or {}).get("action_id") or "").split(":")[0]
        return key, kind, action_id in MODAL_BUTTONS
    if kind == "view_submission":
        callback = str((payload.get("view") or {}).get("callback_id") or "")
        return key, kind, callback in VALIDATED_FORMS
    return key, kind, False
