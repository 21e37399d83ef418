"""``deskbot run``: the Slack app, in Socket Mode or over HTTP, with the timed jobs.

Socket Mode when ``SLACK_APP_TOKEN`` is set (no public URL needed), HTTP otherwise
(``POST /slack/events`` on ``--port``, ``GET /healthz``). Without the credentials it says exactly
which variable is missing and where to get it, and exits 2; ``--or-console`` starts the console
channel instead (``make run`` does that, so the desk can be tried without a Slack workspace).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING, Any

from bot.cli.common import services_from

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from actions.outbox import Deliverer
    from actions.services import Services
    from actions.settings import Settings

HELP = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token (xoxb-...): Slack app settings > OAuth & "
                       "Permissions, after 'Install to Workspace'",
    "SLACK_SIGNING_SECRET": "Slack app settings > Basic Information > App Credentials > "
                            "Signing Secret (HTTP mode)",
    "SLACK_APP_TOKEN": "an app-level token (xapp-...) with the connections:write scope: Basic "
                       "Information > App-Level Tokens (Socket Mode only)",
}


def register(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="start the Slack app (Socket Mode or HTTP) and the timers")
    run.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    run.add_argument("--host", default="0.0.0.0", help="HTTP bind address (default 0.0.0.0)")
    run.add_argument("--web", type=int, metavar="PORT",
                     help="also serve the web pages (dashboards, tickets) on this port")
    run.add_argument("--or-console", action="store_true",
                     help="without Slack credentials, start the console chat instead of failing")
    run.set_defaults(func=cmd_run)


def missing_credentials(settings: Settings) -> list[str]:
    """What the environment lacks for its mode (Socket Mode when an app token is set)."""
    missing = [] if settings.slack_bot_token else ["SLACK_BOT_TOKEN"]
    if not settings.slack_app_token and not settings.slack_signing_secret:
        missing.append("SLACK_SIGNING_SECRET")
    return missing


def explain(missing: list[str]) -> str:
    lines = ["deskbot run: Slack credentials missing: " + ", ".join(missing), ""]
    lines += [f"  {name}: {HELP[name]}" for name in missing]
    lines += [
        "",
        "Create the app in one paste from manifest.yml (https://api.slack.com/apps > Create New",
        "App > From an app manifest), install it, then export the variables. For Socket Mode",
        "(no public URL) also set SLACK_APP_TOKEN. Step by step: README.md, 'Connecting Slack'.",
        "To try the desk without Slack: deskbot chat, or deskbot run --or-console.",
    ]
    return "\n".join(lines)


def reach_slack(client: WebClient) -> str | None:
    """Ask Slack who we are (``auth.test``) before building the app: a network or token problem
    then reads as one line with its fix, not as Bolt's traceback. None when Slack answered."""
    from slack_sdk.errors import SlackApiError

    url = client.base_url
    quiet = logging.getLogger("slack_sdk")
    level, quiet.level = quiet.level, logging.CRITICAL  # its retry chatter is this line's job
    try:
        client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else str(exc)
        return (f"deskbot run: Slack refused the bot token ({error}); copy the Bot User OAuth "
                "Token (xoxb-...) again into SLACK_BOT_TOKEN (Slack app settings > OAuth & "
                "Permissions), reinstalling the app if it was revoked")
    except (OSError, ValueError) as exc:  # URLError, refused connection, DNS, bad URL
        reason = getattr(exc, "reason", None) or exc
        return (f"deskbot run: cannot reach the Slack API at {url} ({reason}); check the "
                "network or proxy (HTTPS_PROXY), or unset DESKBOT_SLACK_API_URL if it points "
                "to a test server")
    finally:
        quiet.setLevel(level)
    return None


def process_deliverers(services: Services, client: WebClient) -> dict[str, Deliverer]:
    """Every channel this process delivers the outbox to: Slack, and email unless turned off
    (``DESKBOT_SMTP_HOST=off``), so people without a Slack id are still told."""
    from bot.email import email_deliverer_from_env
    from bot.slack.deliver import deliverers

    found: dict[str, Deliverer] = dict(deliverers(services, client))
    email = email_deliverer_from_env(services)
    if email is not None:
        found["email"] = email
    return found


def ready(services: Services) -> bool:
    """Check the configuration and load the models before accepting traffic; False (after
    saying what is wrong) when the desk cannot serve."""
    from actions.readiness import problems, warm_up
    from kb.loader import KnowledgeBaseError

    found = problems(services)
    if not found:
        try:
            warm_up(services)
        except KnowledgeBaseError as exc:
            found = [f"faq.articles_dir: {exc}"]
    if found:
        print("deskbot run: cannot start, config.yml needs attention:\n"
              + "\n".join(f"  - {line}" for line in found), file=sys.stderr)
    return not found


def cmd_run(args: argparse.Namespace) -> int:
    services = services_from(args, migrate=True)
    settings = services.settings
    missing = missing_credentials(settings)
    if missing:
        if args.or_console:
            print(f"deskbot: no Slack credentials ({', '.join(missing)}): starting the console "
                  "instead. See README.md, 'Connecting Slack'.", file=sys.stderr)
            from bot.console import run_console

            return int(run_console(services, sys.stdin, sys.stdout) or 0)
        print(explain(missing), file=sys.stderr)
        return 2
    from actions.readiness import problems
    from bot.slack.client import make_client

    # config.yml first (said all at once by ready()), then Slack, then loading the models
    problem = None if problems(services) else reach_slack(
        make_client(settings.slack_bot_token, settings.slack_api_url))
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    if not ready(services):
        return 2
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # APScheduler logs every run of every job at INFO (the outbox runs every 2 s): its warnings
    # and errors (a missed run, a failed job) are what an operator needs from it.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Bolt logs a refused request's whole body at INFO: what employees wrote stays out of logs.
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)
    from bot.app import create_app
    from bot.scheduler import start_scheduler
    from bot.slack.client import make_client

    without = sorted(code for code, team in settings.teams.items() if not team.slack_channel)
    if without:
        logging.getLogger("deskbot").warning(
            "teams without a triage channel in config.yml (teams.<TEAM>.slack_channel): %s; "
            "their new tickets are only in App Home and /ticket queue", ", ".join(without))
    client = make_client(settings.slack_bot_token, settings.slack_api_url)
    socket_mode = bool(settings.slack_app_token)
    app = create_app(services, client=client, socket_mode=socket_mode)
    deliverers = process_deliverers(services, client)
    services.deliver_inline(deliverers)
    scheduler = start_scheduler(services, deliverers)
    web = _start_web(services, args) if args.web else None
    try:
        if socket_mode:
            from slack_bolt.adapter.socket_mode.builtin import SocketModeHandler

            print("deskbot: connected to Slack in Socket Mode", file=sys.stderr)
            SocketModeHandler(app, settings.slack_app_token).start()
        else:
            from bot.http import serve

            print(f"deskbot: listening on http://{args.host}:{args.port}/slack/events",
                  file=sys.stderr)
            serve(app, host=args.host, port=args.port)
    finally:
        if web is not None:
            web.should_exit = True
        if scheduler is not None:
            scheduler.shutdown(wait=False)
    return 0


def _start_web(services: Services, args: argparse.Namespace) -> Any:
    import os

    from bot.web.server import base_url, serve_in_thread

    url = base_url(args.host, args.web, os.environ.get("DESKBOT_WEB_URL"))
    server = serve_in_thread(services, args.host, args.web, url)
    print(f"deskbot: web pages on {url}/", file=sys.stderr)
    return server
