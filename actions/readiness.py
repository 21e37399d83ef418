"""Start fast, fail early: what ``deskbot run`` checks and loads before it accepts traffic.

A wrong ``faq.articles_dir`` used to surface on the first message (a traceback per message and
silence for the employee), and the first DM after a start waited for the NLU model to load. The
entry point now calls ``problems`` and ``warm_up`` first: a misconfigured desk refuses to start
with one message that lists everything wrong, and a started desk answers its first message as
fast as its hundredth.
"""

from __future__ import annotations

import re

from actions.services import Services

#: Slack conversation ids: public (C), private (G) channels.
SLACK_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")


def problems(services: Services) -> list[str]:
    """Everything in the configuration that would make the running desk fail, in words an
    admin can act on (empty: ready to start)."""
    settings = services.settings
    found: list[str] = []
    articles_dir = settings.faq.articles_dir
    if not articles_dir.is_dir():
        found.append(f"faq.articles_dir: knowledge base folder not found: {articles_dir}")
    elif not any(articles_dir.rglob("*.md")):
        found.append(f"faq.articles_dir: no articles (*.md) in {articles_dir}")
    for code, team in sorted(settings.teams.items()):
        if team.slack_channel and not SLACK_CHANNEL.match(team.slack_channel):
            found.append(f"teams.{code}.slack_channel: {team.slack_channel!r} is not a Slack "
                         "channel id (C0123456789: channel details > bottom)")
    if not settings.teams:
        found.append("teams: no team configured")
    return found


def warm_up(services: Services) -> None:
    """Load the knowledge base, the matcher and the NLU model now (and parse once, so lazy
    parts of the pipeline are built too), and compile the message templates. Raises what
    loading raises (a broken article)."""
    services.matcher.search("vpn")
    services.interpreter.parse("hola, no puedo entrar al correo")
    services.messages.preload()
    services.plain.preload()
