"""Every action, callback and block id the Slack app sends out and listens for, in one place.

Buttons and modals are built in ``bot/blocks`` and answered in ``bot/listeners``; naming the ids
once keeps the two in step (a typo becomes an AttributeError, not a silent dead button).
"""

from __future__ import annotations

import re
from enum import StrEnum


class ActionId(StrEnum):
    """``action_id`` of interactive elements."""

    CONVERSATION = "conv"  # a suggestion button: its value is fed back to the conversation
    CLAIM = "card_claim"
    TRANSFER = "card_transfer"
    REPLY = "card_reply"
    ARTICLE = "card_article"
    OPEN_TICKET_FORM = "open_ticket_form"
    CONFIRM = "closure_confirm"
    REJECT = "closure_reject"
    RATE = "survey_rate"
    SURVEY_COMMENT = "survey_comment"


class CallbackId(StrEnum):
    """``callback_id`` of modals and shortcuts."""

    TICKET_FORM = "ticket_form"
    SECURITY_FORM = "security_form"
    TRANSFER_FORM = "transfer_form"
    SURVEY_COMMENT_FORM = "survey_comment_form"
    OPEN_TICKET_SHORTCUT = "open_ticket"
    SECURITY_SHORTCUT = "report_security_incident"
    MESSAGE_TICKET_SHORTCUT = "ticket_from_message"
    REPLY_FORM = "reply_form"
    ISO_FORM = "iso_form"
    ARTICLE_FORM = "article_form"


class BlockId(StrEnum):
    """``block_id`` of modal inputs (the submission's ``state.values`` is keyed by these)."""

    TITLE = "title"
    DESCRIPTION = "description"
    CATEGORY = "category"
    URGENCY = "urgency"
    IMPACT = "impact"
    SEC_WHERE = "sec_where"
    SEC_WHO = "sec_who"
    SEC_WHEN = "sec_when"
    SEC_ACTION = "sec_action"
    SEC_SEVERITY = "sec_severity"
    TEAM = "team"
    PERSON = "person"
    COMMENT = "comment"
    SAVED_REPLY = "saved_reply"
    REPLY_TEXT = "reply_text"
    VISIBILITY = "visibility"
    SEC_REPORTED_TO = "sec_reported_to"
    SEC_REPORT_WRITTEN_AT = "sec_report_written_at"
    SEC_OWNER_LEARNED_AT = "sec_owner_learned_at"
    SEC_OWNER_ACTION = "sec_owner_action"
    SEC_FOLLOWUP_BY = "sec_followup_by"
    SEC_FOLLOWUP_AT = "sec_followup_at"
    ARTICLE = "article"


def indexed(action: ActionId, index: int) -> str:
    """Action ids must be unique within a message: ``conv:0``, ``conv:1`` ..."""
    return f"{action.value}:{index}"


def pattern(action: ActionId) -> re.Pattern[str]:
    """Matches ``action`` and its indexed forms, for ``app.action(...)``."""
    return re.compile(rf"^{re.escape(action.value)}(:\d+)?$")
