"""``deskbot run``: the configured channels (Slack, email, or both) with the timed jobs.

Slack runs in Socket Mode when ``SLACK_APP_TOKEN`` is set (no public URL needed), over HTTP
otherwise (``POST /slack/events`` on ``--port``, ``GET /healthz``). Email runs when
``DESKBOT_EMAIL_LISTEN`` (SMTP) or ``DESKBOT_IMAP_URL`` (a mailbox) is set; an email-only desk
needs no Slack variables at all. With no channel it says exactly what to set and where to get
it, and exits 2; ``--or-console`` starts the console channel instead (``make run`` does that,
so the desk can be tried without a Slack workspace or a mail server).

``--processes N`` (HTTP mode, PostgreSQL) serves the port from N processes, one core each:
``bot.processes``. The first binds the port and starts the others; the timers, email and the
web pages run in it alone.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

from bot.cli.common import services_from

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from actions.outbox import Deliverer
    from actions.services import Services
    from actions.settings import Settings

EMAIL_HELP = """\
  DESKBOT_EMAIL_LISTEN: host:port to receive mail by SMTP (e.g. 0.0.0.0:2525), and/or
  DESKBOT_IMAP_URL + DESKBOT_IMAP_PASSWORD: a mailbox to read (imaps://user@host/INBOX);
  DESKBOT_SMTP_HOST, DESKBOT_SMTP_PORT, DESKBOT_SMTP_FROM: where answers and notices go out"""

HELP = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token (xoxb-...): Slack app settings > OAuth & "
                       "Permissions, after 'Install to Workspace'",
    "SLACK_SIGNING_SECRET": "Slack app settings > Basic Information > App Credentials > "
                            "Signing Secret (HTTP mode)",
    "SLACK_APP_TOKEN": "an app-level token (xapp-...) with the connections:write scope: Basic "
                       "Information > App-Level Tokens (Socket Mode only)",
}


def register(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="start the configured channels (Slack, email) and the timers")
    run.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    run.add_argument("--host", default="0.0.0.0", help="HTTP bind address (default 0.0.0.0)")
    run.add_argument("--web", type=int, metavar="PORT",
                     help="also serve the web pages (dashboards, tickets) on this port")
    run.add_argument("--or-console", action="store_true",
                     help="without Slack credentials, start the console chat instead of failing")
    # One interpreter lock, and the replies are sent by delivery threads of their own: a turn
    # is CPU and a few database round trips, so past two workers the turns mostly wait for
    # each other and for the door (bench.slack: 1-3 threads answer as many DMs a second;
    # with 4 the acknowledgements' p99 is 3-4 times longer).
    run.add_argument("--inbox-threads", type=int, default=2,
                     help="inbox workers in this process (default 2)")
    # One process answers about one core's worth of requests (one interpreter lock); more
    # processes on one port use the other cores (bench.slack --processes).
    run.add_argument("--processes", type=_at_least_one, default=1, metavar="N",
                     help="processes serving the HTTP port, for a machine with more cores "
                          "(default 1; more needs PostgreSQL, and Slack over HTTP)")
    run.add_argument("--listen-fd", type=int, default=None, help=argparse.SUPPRESS)
    run.add_argument("--secondary", action="store_true", help=argparse.SUPPRESS)
    run.add_argument("--drain-seconds", type=float, default=20.0,
                     help="on SIGTERM, how long running requests may finish (default 20)")
    run.add_argument("--grace-seconds", type=float, default=0.0,
                     help="on SIGTERM, how long health checks say 503 before new requests are "
                          "refused, for a load balancer to notice (default 0)")
    run.set_defaults(func=cmd_run)


def _at_least_one(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


def missing_credentials(settings: Settings) -> list[str]:
    """What the environment lacks for its mode (Socket Mode when an app token is set)."""
    missing = [] if settings.slack_bot_token else ["SLACK_BOT_TOKEN"]
    if not settings.slack_app_token and not settings.slack_signing_secret:
        missing.append("SLACK_SIGNING_SECRET")
    return missing


def explain(missing: list[str]) -> str:
    lines = ["deskbot run: no channel configured. Slack credentials missing: "
             + ", ".join(missing), ""]
    lines += [f"  {name}: {HELP[name]}" for name in missing]
    lines += [
        "",
        "Or run the desk by email only (no Slack variables needed):",
        EMAIL_HELP,
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


def process_deliverers(services: Services, client: WebClient | None) -> dict[str, Deliverer]:
    """Every channel this process delivers the outbox to: Slack when it runs, and email unless
    turned off (``DESKBOT_SMTP_HOST=off``), so people without a Slack id are still told."""
    from bot.email import email_deliverer_from_env

    found: dict[str, Deliverer] = {}
    if client is not None:
        from bot.slack.deliver import deliverers

        found.update(deliverers(services, client))
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
    from bot.email.channel import EmailChannel

    if args.secondary:
        return _run_secondary(args)
    services = services_from(args, migrate=True)
    settings = services.settings
    missing = missing_credentials(settings)
    try:
        email = EmailChannel.from_env(services)
    except ValueError as exc:
        print(f"deskbot run: email settings: {exc}", file=sys.stderr)
        return 2
    refusal = processes_refusal(args.processes, services.engine.dialect.name,
                                socket_mode=bool(settings.slack_app_token),
                                slack=not missing)
    if refusal is not None:
        print(refusal, file=sys.stderr)
        return 2
    if missing and email is None:
        if args.or_console:
            print(f"deskbot: no Slack credentials ({', '.join(missing)}) and no email channel: "
                  "starting the console instead. See README.md, 'Connecting Slack'.",
                  file=sys.stderr)
            from bot.console import run_console

            return int(run_console(services, sys.stdin, sys.stdout) or 0)
        print(explain(missing), file=sys.stderr)
        return 2
    from actions.readiness import problems
    from bot.slack.client import make_client

    # config.yml first (said all at once by ready()), then Slack when it runs, then the models
    problem = None if missing or problems(services) else reach_slack(
        make_client(settings.slack_bot_token, settings.slack_api_url))
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    if not ready(services):  # the models load here, before any channel takes traffic
        return 2
    _quiet_logs()
    from bot.scheduler import start_scheduler

    client = None if missing else _slack_client(settings)
    deliverers = _deliver_as_running_desk(services, client)
    scheduler = start_scheduler(services, deliverers)
    web = _start_web(services, args) if args.web else None
    try:
        if email is not None:
            try:
                for line in email.start():
                    print(line, file=sys.stderr, flush=True)
            except OSError as exc:
                print(f"deskbot run: cannot receive mail: {exc}", file=sys.stderr)
                return 1
        if client is not None:
            _run_slack(services, client, args, scheduler)
        else:
            print("deskbot: email only (no Slack variables); Ctrl-C or SIGTERM stops it",
                  file=sys.stderr, flush=True)
            _wait_for_stop()
    finally:
        if email is not None:
            email.stop()
        if web is not None:
            web.should_exit = True
        _stop_scheduler(scheduler)
    return 0


def _deliver_as_running_desk(services: Services, client: WebClient | None
                             ) -> dict[str, Deliverer]:
    """How every process of a running desk sends and looks: its channels' deliverers right
    after each commit, from delivery threads, with "delivered" marked in batches (many replies
    a second), and the article folder looked at once a second. Returns the deliverers."""
    deliverers = process_deliverers(services, client)
    services.deliver_inline(deliverers)
    services.mark_delivered_in_batches()
    services.deliver_in_background()  # inbox workers never wait on Slack's servers
    services.look_for_article_changes_every(1.0)
    return deliverers


def processes_refusal(processes: int, dialect: str, *, socket_mode: bool,
                      slack: bool) -> str | None:
    """Why ``--processes`` above 1 cannot work with this desk (None when it can): SQLite lets
    one process write at a time, and Socket Mode is one connection to Slack."""
    if processes <= 1:
        return None
    if dialect == "sqlite":
        return ("deskbot run: --processes needs PostgreSQL (SQLite lets one process write at a "
                "time); set DESKBOT_DATABASE_URL to a PostgreSQL database, or run one process")
    if socket_mode:
        return ("deskbot run: --processes serves Slack over HTTP; Socket Mode (SLACK_APP_TOKEN "
                "is set) is one connection to Slack, served by one process")
    if not slack:
        return ("deskbot run: --processes serves Slack over HTTP, and Slack is not configured "
                "(SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET)")
    return None


def _run_secondary(args: argparse.Namespace) -> int:
    """One more process on the primary's socket (``--listen-fd``): its own door, inbox workers
    and delivery threads; the timers, email and the web pages stay with the primary."""
    import os
    import socket

    from bot.app import create_app
    from bot.http import Desk, serve
    from bot.processes import PrimaryWatch
    from bot.slack.client import make_client

    services = services_from(args)  # the primary migrated before starting this process
    settings = services.settings
    missing = missing_credentials(settings)
    if missing or settings.slack_app_token or args.listen_fd is None:
        print("deskbot run: a secondary process serves Slack over HTTP on its primary's socket "
              "(--listen-fd), with Slack credentials", file=sys.stderr)
        return 2
    watch = PrimaryWatch().start()  # started first: a primary killed while this one loads
    if not ready(services):
        return 2
    _quiet_logs()
    client = make_client(settings.slack_bot_token, settings.slack_api_url)
    _deliver_as_running_desk(services, client)
    app = create_app(services, client=client, socket_mode=False)
    desk = Desk(app, services, threads=args.inbox_threads, drain_seconds=args.drain_seconds,
                grace_seconds=args.grace_seconds)
    desk.workers.on_lag = None  # the log says it here; the triage channel hears the primary
    sock = socket.socket(fileno=args.listen_fd)
    print(f"deskbot: process {os.getpid()} (of primary {watch.parent}) serving the same port",
          file=sys.stderr, flush=True)
    serve(desk, sock=sock)
    return 0


def _secondary_command(args: argparse.Namespace, fd: int) -> list[str]:
    """How a secondary is started: the same program (``bench.slack_app`` starts itself again)
    with this process's options, on the socket ``fd``."""
    from bot.processes import main_module

    command = [sys.executable, "-m", main_module()]
    if getattr(args, "config", None):
        command += ["--config", str(args.config)]
    return command + [
        "run", "--host", args.host, "--port", str(args.port),
        "--inbox-threads", str(args.inbox_threads), "--drain-seconds", str(args.drain_seconds),
        "--grace-seconds", str(args.grace_seconds), "--listen-fd", str(fd), "--secondary"]


def _quiet_logs() -> None:
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # APScheduler logs every run of every job at INFO (the outbox runs every 2 s): its warnings
    # and errors (a missed run, a failed job) are what an operator needs from it.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Bolt logs a refused request's whole body at INFO: what employees wrote stays out of logs.
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: one line per command


def _slack_client(settings: Settings) -> WebClient:
    from bot.slack.client import make_client

    without = sorted(code for code, team in settings.teams.items() if not team.slack_channel)
    if without:
        logging.getLogger("deskbot").warning(
            "teams without a triage channel in config.yml (teams.<TEAM>.slack_channel): %s; "
            "their new tickets are only in App Home and /ticket queue", ", ".join(without))
    return make_client(settings.slack_bot_token, settings.slack_api_url)


def _run_slack(services: Services, client: WebClient, args: argparse.Namespace,
               scheduler: Any) -> None:
    """The Slack app in the foreground until it is stopped (SIGTERM drains the inbox first,
    then stops the timers)."""
    from bot.app import create_app

    settings = services.settings
    socket_mode = bool(settings.slack_app_token)
    app = create_app(services, client=client, socket_mode=socket_mode)
    if socket_mode:
        from bot.socket_mode import serve as serve_socket_mode

        serve_socket_mode(app, settings.slack_app_token or "", services,
                          threads=args.inbox_threads, drain_seconds=args.drain_seconds,
                          on_drained=lambda: _stop_scheduler(scheduler))
    else:
        from bot.http import Desk, serve

        if args.processes > 1:
            _serve_processes(services, app, args, scheduler)
            return
        desk = Desk(app, services, threads=args.inbox_threads,
                    drain_seconds=args.drain_seconds, grace_seconds=args.grace_seconds,
                    on_drained=lambda: _stop_scheduler(scheduler))
        print(f"deskbot: listening on http://{args.host}:{args.port}/slack/events",
              file=sys.stderr)
        serve(desk, host=args.host, port=args.port)


def _serve_processes(services: Services, app: Any, args: argparse.Namespace,
                     scheduler: Any) -> None:
    """The primary of ``--processes N``: bind the port, start the N-1 others on it, serve it
    too; on SIGTERM/SIGINT they all drain together, and this one waits for them."""
    from bot.http import Desk, serve
    from bot.processes import Secondaries, listening_socket

    try:
        sock = listening_socket(args.host, args.port)
    except OSError as exc:
        print(f"deskbot run: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc
    port = sock.getsockname()[1]
    args.port = port  # the secondaries say the port that was given, 0 or not

    def drained() -> None:
        # their drain ran beside this one's; bounded, so the primary always exits
        others.stop(args.grace_seconds + args.drain_seconds + 10)
        _stop_scheduler(scheduler)

    desk = Desk(app, services, threads=args.inbox_threads,
                drain_seconds=args.drain_seconds, grace_seconds=args.grace_seconds,
                on_drained=drained)

    # The rows a dead secondary held are due at once: this process's workers take them
    # instead of waiting out their lease.
    others = Secondaries(_secondary_command(args, sock.fileno()), args.processes - 1,
                         sock.fileno(), on_death=lambda pid: desk.workers.release_orphans())
    print(f"deskbot: listening on http://{args.host}:{port}/slack/events "
          f"({args.processes} processes)", file=sys.stderr, flush=True)
    others.start()
    try:
        serve(desk, sock=sock, on_signal=lambda sig: others.signal(signal.SIGTERM))
    finally:
        others.stop(args.grace_seconds + args.drain_seconds + 10)


def _stop_scheduler(scheduler: Any) -> None:
    """Let a delivery under way finish (its rows would otherwise wait out their lease)."""
    from apscheduler.schedulers import SchedulerNotRunningError

    if scheduler is not None:
        with contextlib.suppress(SchedulerNotRunningError):
            scheduler.shutdown(wait=True)


def _start_web(services: Services, args: argparse.Namespace) -> Any:
    import os

    from bot.web.server import base_url, serve_in_thread

    url = base_url(args.host, args.web, os.environ.get("DESKBOT_WEB_URL"))
    server = serve_in_thread(services, args.host, args.web, url)
    print(f"deskbot: web pages on {url}/", file=sys.stderr)
    return server


def _wait_for_stop() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
