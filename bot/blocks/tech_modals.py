"""Technicians' modals: the reply form (a saved reply to pick, free text, public or private),
the ISO 27001 record of a SEC- ticket, built from the same pieces as the security form, and the
article that answers a ticket."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import (
    DateTimePickerElement,
    InputBlock,
    OptionGroup,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import plain, section
from bot.blocks.modals import (
    OPTIONS,
    SEC_ACTIONS,
    SEVERITIES,
    Label,
    _modal,
    _options,
    _select,
    _text,
    searching,
    submitted,
)
from bot.ids import BlockId, CallbackId

#: The ISO 27001 record's inputs: (block, record field, kind of input, label).
ISO_FIELDS: tuple[tuple[BlockId, str, str, str], ...] = (
    (BlockId.SEC_WHERE, "discovered_where", "text", "label_sec_where"),
    (BlockId.SEC_WHO, "discovered_by", "text", "label_sec_who"),
    (BlockId.SEC_WHEN, "discovered_at", "datetime", "label_sec_when"),
    (BlockId.SEC_ACTION, "discoverer_action", "action", "label_sec_action"),
    (BlockId.SEC_REPORTED_TO, "reported_to", "text", "label_sec_reported_to"),
    (BlockId.SEC_REPORT_WRITTEN_AT, "report_written_at", "datetime",
     "label_sec_report_written_at"),
    (BlockId.SEC_SEVERITY, "severity", "severity", "label_sec_severity"),
    (BlockId.SEC_OWNER_LEARNED_AT, "owner_learned_at", "datetime", "label_sec_owner_learned_at"),
    (BlockId.SEC_OWNER_ACTION, "owner_action", "longtext", "label_sec_owner_action"),
    (BlockId.SEC_FOLLOWUP_BY, "followup_by", "text", "label_sec_followup_by"),
    (BlockId.SEC_FOLLOWUP_AT, "followup_at", "datetime", "label_sec_followup_at"),
)
VISIBILITIES = ("public", "private")


def reply_form(label: Label, *, key: str, replies: Sequence[tuple[str, str, str]],
               metadata: dict[str, Any]) -> View:
    """Saved replies as a static select (Slack filters its options as one types), free text,
    and who sees it. ``replies``: (id, title, language); more than a select holds and the
    reply is searched as one types instead."""
    blocks: list[Any] = []
    if replies:
        element = searching() if len(replies) > OPTIONS else _select(
            _options(reply_options(replies)))
        blocks.append(InputBlock(
            block_id=BlockId.SAVED_REPLY, label=plain(label("label_saved_reply"), 2000),
            element=element, optional=True))
    blocks.append(InputBlock(block_id=BlockId.REPLY_TEXT,
                             label=plain(label("label_reply_text"), 2000),
                             element=_text(True, max_length=3000), optional=True))
    blocks.append(InputBlock(
        block_id=BlockId.VISIBILITY, label=plain(label("label_visibility"), 2000),
        element=_select(_options([(v, label(f"visibility_{v}")) for v in VISIBILITIES]),
                        "public")))
    return _modal(CallbackId.REPLY_FORM, f"{label('reply_title')} {key}"[:24], blocks, label,
                  metadata)


def reply_options(replies: Sequence[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(value, text shown) of saved replies: the title and its language."""
    return [(rid, f"{title} ({lang})") for rid, title, lang in list(replies)[:OPTIONS]]


def iso_form(label: Label, *, key: str, record: dict[str, Any], metadata: dict[str, Any],
             ) -> View:
    """Every field of the ISO 27001 record, filled in with what is known already."""
    blocks: list[Any] = []
    for block, name, kind, text in ISO_FIELDS:
        value = record.get(name)
        element: Any
        if kind == "datetime":
            stamp = int(datetime.fromisoformat(value).timestamp()) if value else None
            element = DateTimePickerElement(action_id="value", initial_date_time=stamp)
        elif kind == "action":
            element = _select(_options([(a, label(f"sec_action_{a}")) for a in SEC_ACTIONS]),
                              value)
        elif kind == "severity":
            element = _select(_options([(s, label(f"severity_{s}")) for s in SEVERITIES]),
                              value)
        else:
            element = _text(kind == "longtext", value, max_length=2000)
        blocks.append(InputBlock(block_id=block, label=plain(label(text), 2000),
                                 element=element, optional=True))
    return _modal(CallbackId.ISO_FORM, f"{label('iso_title')} {key}"[:24], blocks, label,
                  metadata)


def iso_values(values: dict[str, Any]) -> dict[str, Any]:
    """The record fields a submission filled in (datetimes as aware UTC)."""
    fields: dict[str, Any] = {}
    for block, name, kind, _ in ISO_FIELDS:
        value = submitted(values, block)
        if value in (None, ""):
            continue
        if kind == "datetime":
            try:
                fields[name] = datetime.fromtimestamp(int(value), tz=UTC)
            except (TypeError, ValueError, OverflowError):
                continue
        else:
            fields[name] = value
    return fields


def article_groups(label: Label, suggested: Sequence[tuple[str, str]],
                   others: Sequence[tuple[str, str]], *, typed: bool = False,
                   ) -> list[OptionGroup]:
    """The ticket's suggestions as their own group, then the other articles (``typed``: the
    ones matching a search); ``OPTIONS`` at most in all. (article id, text shown) pairs."""
    groups = []
    top = _options(list(suggested)[:OPTIONS])
    if top:
        groups.append(OptionGroup(label=plain(label("article_suggested"), 75), options=top))
    rest = list(others)[:max(0, OPTIONS - len(top))]
    if rest:
        groups.append(OptionGroup(
            label=plain(label("article_found" if typed else "article_others"), 75),
            options=_options(rest)))
    return groups


def article_form(label: Label, *, key: str, intro: str,
                 suggested: Sequence[tuple[str, str]], others: Sequence[tuple[str, str]],
                 metadata: dict[str, Any], searchable: bool = False) -> View:
    """One select of articles (Slack filters its options as one types): the ticket's best
    suggestions as their own group first, then the other articles. ``suggested`` and
    ``others``: (article id, text shown); 100 options at most in all. ``searchable``: the
    knowledge base holds more, so the select asks the app for what is typed instead (the
    same groups come back while nothing is)."""
    # nothing chosen beforehand: what is learned must be what a person picked
    element: Any = searching() if searchable else StaticSelectElement(
        action_id="value", option_groups=article_groups(label, suggested, others))
    blocks: list[Any] = [section(intro), InputBlock(
        block_id=BlockId.ARTICLE, label=plain(label("label_article"), 2000), element=element)]
    return _modal(CallbackId.ARTICLE_FORM, label("article_title")[:24], blocks, label, metadata)
