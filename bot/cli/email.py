"""``deskbot email serve``: the inbound mail server (requests by email become tickets).

Point the help desk's mailbox at it (an MX or a forwarding rule to this host and port). Answers
and notifications are sent by ``deskbot run`` through the outbox (``DESKBOT_SMTP_*``), which
also receives mail itself when ``DESKBOT_EMAIL_LISTEN`` or ``DESKBOT_IMAP_URL`` is set.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from bot.cli.common import add_lang, services_from, tell


def register(sub: argparse._SubParsersAction) -> None:
    email = sub.add_parser("email", help="the email channel: inbound SMTP server",
                           description=__doc__)
    e_sub = email.add_subparsers(dest="email_command", metavar="ACTION", required=True)
    serve = e_sub.add_parser("serve", help="receive mail: new messages open tickets, replies "
                                           "become comments")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=2525)
    serve.add_argument("--max-bytes", type=int, default=10 * 1024 * 1024,
                       help="largest message accepted (default 10 MB)")
    add_lang(serve)
    serve.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.email.inbound import EmailIntake
    from bot.email.outbound import SmtpConfig
    from bot.email.server import DeskHandler, EmailServer

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("bot.email").setLevel(logging.INFO)  # one line per message received
    services = services_from(args, migrate=True)
    outbound = SmtpConfig.from_env()
    intake = EmailIntake(services, own_addresses=(outbound.sender,) if outbound else ())
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        server = EmailServer(DeskHandler(intake, max_bytes=args.max_bytes), args.host,
                             args.port, max_bytes=args.max_bytes).start()
    except OSError as exc:
        tell(services, args, "cannot_listen", err=True, host=args.host, port=args.port,
             error=exc)
        return 1
    tell(services, args, "email_listening", host=args.host, port=server.port)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        services.close()
    return 0
