"""Modals: the ticket form, the ISO 27001 security form, transfer, and the survey comment.

``label(name)`` returns the plain text of ``slack.<name>`` in the person's language; plain_text
objects are never parsed by Slack, so labels need no mrkdwn escaping. ``private_metadata`` carries
what the submission needs back (JSON, within Slack's 3,000 characters).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    DateTimePickerElement,
    ExternalDataSelectElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from actions.choices import OPTIONS  # a longer list is searched instead of listed
from bot.blocks import plain, truncate
from bot.ids import BlockId, CallbackId

Label = Callable[[str], str]
METADATA = 3000
INPUT = 3000
LEVELS = ("high", "medium", "low")
SEVERITIES = ("low", "medium", "high", "critical")
SEC_ACTIONS = ("reported", "contained", "concealed")


def _options(pairs: Sequence[tuple[str, str]]) -> list[Option]:
    return [Option(value=value, text=plain(text, 75)) for value, text in pairs]


def _select(options: list[Option], initial: str | None = None) -> StaticSelectElement:
    chosen = next((o for o in options if o.value == initial), None)
    return StaticSelectElement(action_id="value", options=options, initial_option=chosen)


def searching() -> ExternalDataSelectElement:
    """A select whose options are too many to list: Slack asks the app for the ones matching
    what is typed (a ``block_suggestion``, answered by ``bot.listeners.suggestions``), and at
    once when the menu opens (``min_query_length`` 0), so the usual first choices show before
    anything is typed. Its submission reads like a static select's (``selected_option``)."""
    return ExternalDataSelectElement(action_id="value", min_query_length=0)


def _text(multiline: bool = False, initial: str | None = None, max_length: int = INPUT,
          ) -> PlainTextInputElement:
    return PlainTextInputElement(action_id="value", multiline=multiline,
                                 initial_value=truncate(initial, max_length) if initial else None,
                                 max_length=max_length)


def _modal(callback: CallbackId, title: str, blocks: list[Any], label: Label,
           metadata: dict[str, Any]) -> View:
    meta = json.dumps(metadata, ensure_ascii=False)
    if len(meta) > METADATA:
        raise ValueError("private_metadata over 3,000 characters")
    view = View(type="modal", callback_id=callback.value, title=plain(title, 24),
                submit=plain(label("submit"), 24), close=plain(label("cancel"), 24),
                blocks=blocks, private_metadata=meta)
    view.validate_json()
    return view


def ticket_form(label: Label, categories: Sequence[str], *, description: str = "",
                metadata: dict[str, Any] | None = None) -> View:
    """A ticket typed as a form (shortcut, message shortcut, or the "open ticket" button)."""
    blocks = [
        InputBlock(block_id=BlockId.TITLE, label=plain(label("label_title"), 2000),
                   element=_text(max_length=200), optional=True),
        InputBlock(block_id=BlockId.DESCRIPTION, label=plain(label("label_description"), 2000),
                   element=_text(True, description)),
        InputBlock(block_id=BlockId.CATEGORY, label=plain(label("label_category"), 2000),
                   element=_select(_options([(c, c) for c in categories]), "other")),
        InputBlock(block_id=BlockId.URGENCY, label=plain(label("label_urgency"), 2000),
                   element=_select(_options([(lv, label(f"level_{lv}")) for lv in LEVELS]),
                                   "medium")),
        InputBlock(block_id=BlockId.IMPACT, label=plain(label("label_impact"), 2000),
                   element=_select(_options([(lv, label(f"impact_{lv}")) for lv in LEVELS]),
                                   "low")),
    ]
    return _modal(CallbackId.TICKET_FORM, label("form_title"), blocks, label, metadata or {})


def security_form(label: Label, *, reporter: str, metadata: dict[str, Any] | None = None,
                  ) -> View:
    """The ISO 27001 questions: what, where, who, when, what the discoverer did, severity."""
    blocks = [
        InputBlock(block_id=BlockId.DESCRIPTION, label=plain(label("label_sec_description"), 2000),
                   element=_text(True)),
        InputBlock(block_id=BlockId.SEC_WHERE, label=plain(label("label_sec_where"), 2000),
                   element=_text(max_length=2000)),
        InputBlock(block_id=BlockId.SEC_WHO, label=plain(label("label_sec_who"), 2000),
                   element=_text(initial=reporter, max_length=200)),
        InputBlock(block_id=BlockId.SEC_WHEN, label=plain(label("label_sec_when"), 2000),
                   element=DateTimePickerElement(action_id="value")),
        InputBlock(block_id=BlockId.SEC_ACTION, label=plain(label("label_sec_action"), 2000),
                   element=_select(_options([(a, label(f"sec_action_{a}"))
                                             for a in SEC_ACTIONS]), "reported")),
        InputBlock(block_id=BlockId.SEC_SEVERITY, label=plain(label("label_sec_severity"), 2000),
                   element=_select(_options([(s, label(f"severity_{s}")) for s in SEVERITIES]),
                                   "medium")),
    ]
    return _modal(CallbackId.SECURITY_FORM, label("security_title"), blocks, label,
                  metadata or {})


def transfer_form(label: Label, *, key: str, teams: Sequence[str],
                  technicians: Sequence[tuple[str, str]], metadata: dict[str, Any]) -> View:
    """Team or technician (``technicians``: (person id, "Name (L2)") pairs; more than a select
    holds and the technician is searched by name as one types)."""
    blocks = [
        InputBlock(block_id=BlockId.TEAM, label=plain(label("label_team"), 2000),
                   element=_select(_options([(t, t) for t in teams])), optional=True),
    ]
    if technicians:
        element = searching() if len(technicians) > OPTIONS else _select(
            _options(list(technicians)))
        blocks.append(InputBlock(
            block_id=BlockId.PERSON, label=plain(label("label_person"), 2000),
            element=element, optional=True))
    return _modal(CallbackId.TRANSFER_FORM, f"{label('transfer_title')} {key}"[:24], blocks,
                  label, metadata)


def technician_options(people: Sequence[Any]) -> list[tuple[str, str]]:
    """(person id, "Name (L2)") of the technicians a ticket can go to, as the form shows them."""
    return [(str(p.id), f"{p.name} ({p.team or '-'})") for p in people]


def comment_form(label: Label, *, metadata: dict[str, Any]) -> View:
    blocks = [InputBlock(block_id=BlockId.COMMENT, label=plain(label("label_comment"), 2000),
                         element=_text(True, max_length=2000))]
    return _modal(CallbackId.SURVEY_COMMENT_FORM, label("comment_title"), blocks, label,
                  metadata)


def submitted(values: dict[str, Any], block: BlockId) -> Any:
    """The value of one input in a ``view_submission`` state (text, option value or datetime)."""
    item = (values.get(block.value) or {}).get("value") or {}
    if "selected_option" in item:
        return (item.get("selected_option") or {}).get("value")
    if "selected_date_time" in item:
        return item.get("selected_date_time")
    return item.get("value")
