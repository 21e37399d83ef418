"""The console channel: ``deskbot chat`` and ``deskbot run`` without Slack credentials."""

from bot.console.session import Console, first_requester, run_console

__all__ = ["Console", "first_requester", "run_console"]
