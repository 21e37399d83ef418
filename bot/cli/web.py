"""``deskbot web``: the web pages (dashboards, tickets, FAQ); ``deskbot web link --as NAME``
prints a one-time sign-in link for a registered person.

The link works once and for ``--minutes`` (15 by default); the address comes from
``DESKBOT_WEB_URL`` (default ``http://HOST:PORT``). Set ``DESKBOT_WEB_SECRET`` so sessions
survive a restart and several processes accept each other's cookies; ``SLACK_CLIENT_ID`` and
``SLACK_CLIENT_SECRET`` add "Sign in with Slack".
"""

from __future__ import annotations

import argparse
import os

from bot.cli.common import add_lang, fail, lang_of, services_from, tell


def register(sub: argparse._SubParsersAction) -> None:
    web = sub.add_parser("web", help="the web pages: dashboards, tickets, FAQ; sign-in links",
                         description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    web.add_argument("action", nargs="?", choices=("serve", "link"), default="serve",
                     help="serve the pages (default) or print a sign-in link")
    web.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    web.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    web.add_argument("--as", dest="person", metavar="NAME",
                     help="link: who signs in (name, email or Slack id)")
    web.add_argument("--minutes", type=int, default=15, help="link: minutes it stays valid")
    add_lang(web)
    web.set_defaults(func=cmd_web)


def base_url(host: str, port: int) -> str:
    from bot.web.server import base_url as url

    return url(host, port, os.environ.get("DESKBOT_WEB_URL"))


def cmd_web(args: argparse.Namespace) -> int:
    if args.action == "link":
        return _link(args)
    services = services_from(args, migrate=True)
    import logging

    from bot.web.server import serve_forever

    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    url = base_url(args.host, args.port)
    tell(services, args, "web_serving", err=True, url=url)
    serve_forever(services, args.host, args.port, url)
    return 0


def _link(args: argparse.Namespace) -> int:
    if not args.person:
        tell(None, args, "link_who", err=True)
        return 2
    if not 1 <= args.minutes <= 24 * 60:
        tell(None, args, "link_minutes", err=True)
        return 2
    from actions.signin import issue_link
    from store.errors import DeskError

    services = services_from(args, migrate=True)
    try:
        token, person = issue_link(services.uow(), person=args.person, minutes=args.minutes)
    except DeskError as exc:
        return fail(exc, services, lang_of(args, services))
    finally:
        services.close()
    print(f"{base_url(args.host, args.port)}/signin/link/{token}")
    tell(services, args, "link_for", err=True, person=person, minutes=args.minutes)
    return 0
