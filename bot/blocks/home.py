"""The App Home tab: a header, an intro, then titled lists (tickets, queue, about to breach)."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, Block, DividerBlock, HeaderBlock
from slack_sdk.models.views import View

from bot.blocks import VIEW_BLOCKS, button, context, plain, section, to_dicts
from bot.ids import ActionId

LINES_PER_LIST = 20


def home_view(*, title: str, intro: str, lists: Sequence[tuple[str, Sequence[str]]],
              empty: str, form_button: str) -> View:
    """``lists``: (mrkdwn heading, mrkdwn lines). Each list shows at most 20 lines."""
    blocks: list[Block] = [
        HeaderBlock(text=plain(title, 150)),
        section(intro),
        ActionsBlock(elements=[button(form_button, ActionId.OPEN_TICKET_FORM, "home")]),
    ]
    for heading, lines in lists:
        blocks.append(DividerBlock())
        blocks.append(section(heading))
        if not lines:
            blocks.append(context(empty))
        shown = list(lines)[:LINES_PER_LIST]
        for start in range(0, len(shown), 10):  # one section per ten lines keeps text short
            blocks.append(section("\n".join(shown[start:start + 10])))
        if len(lines) > LINES_PER_LIST:
            blocks.append(context(f"+{len(lines) - LINES_PER_LIST} …"))
    view = View(type="home", blocks=to_dicts(blocks, VIEW_BLOCKS))
    view.validate_json()
    return view
