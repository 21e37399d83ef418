"""``deskbot people add|list|set``: who may use the desk and in which role."""

from __future__ import annotations

import argparse
import sys

from actions.access import ROLES
from actions.people import NewPerson, add_person, list_people, update_person
from actions.views import PersonView
from bot.cli.common import add_lang, fail, lang_of, print_json, print_table, say, services_from
from store.errors import DeskError


def register(sub: argparse._SubParsersAction) -> None:
    people = sub.add_parser("people", help="people, roles and teams")
    p_sub = people.add_subparsers(dest="people_command", metavar="ACTION", required=True)

    add = p_sub.add_parser("add", help="register a person")
    add.add_argument("--name", required=True)
    add.add_argument("--role", choices=ROLES, default="requester")
    add.add_argument("--team", help="L1, L2 or L3 (required for technicians and leads)")
    add.add_argument("--slack-id", help="Slack user id, e.g. U0123ABCD")
    add.add_argument("--email")
    add.add_argument("--address", action="append", default=[], metavar="CHANNEL=ADDRESS",
                     type=_channel_address,
                     help="an address on another channel (repeatable), e.g. teams=29:1abc")
    add.add_argument("--language", choices=("es", "en"), default="es")
    add.add_argument("--timezone", default=None, help="IANA zone (default: config.yml's)")
    add.add_argument("--vip", action="store_true", help="raise this person's ticket priority")
    add_lang(add)
    add.set_defaults(func=cmd_add)

    ls = p_sub.add_parser("list", help="list people")
    ls.add_argument("--role", choices=ROLES)
    ls.add_argument("--team")
    ls.add_argument("--json", action="store_true")
    add_lang(ls)
    ls.set_defaults(func=cmd_list)

    st = p_sub.add_parser("set", help="change a person's role, team, language, VIP or active "
                          "flag, or their addresses")
    st.add_argument("ref", help="id, Slack id, email or exact name")
    st.add_argument("--role", choices=ROLES)
    st.add_argument("--team")
    st.add_argument("--language", choices=("es", "en"))
    st.add_argument("--timezone")
    st.add_argument("--vip", choices=("yes", "no"))
    st.add_argument("--active", choices=("yes", "no"))
    st.add_argument("--slack-id", help="their Slack user id ('' forgets it)")
    st.add_argument("--email", help="their email address ('' forgets it)")
    st.add_argument("--address", action="append", default=[], metavar="CHANNEL=ADDRESS",
                    type=_channel_address,
                    help="their address on a channel (repeatable; CHANNEL= forgets it)")
    add_lang(st)
    st.set_defaults(func=cmd_set)

    sync = p_sub.add_parser("sync", help="import and refresh people from the Slack workspace")
    sync.add_argument("--dry-run", action="store_true", help="show the changes, write nothing")
    sync.set_defaults(func=cmd_sync)


def cmd_add(args: argparse.Namespace) -> int:
    services = services_from(args, migrate=True)
    addresses = _addresses_of(args)
    try:
        person = add_person(services.uow(), NewPerson(
            name=args.name, role=args.role, team=args.team, addresses=addresses,
            language=args.language,
            timezone=args.timezone or services.settings.default_timezone, vip=args.vip))
    except DeskError as exc:
        return fail(exc, services, lang_of(args, services))
    print(say(services, args, "person_saved", person=person, added=True))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    services = services_from(args, migrate=True)
    people = list_people(services.uow(), role=args.role, team=args.team)
    if args.json:
        print_json([_json(p) for p in people])
        return 0
    if not people:
        print(say(services, args, "nobody"))
        return 0
    print_table(
        [[str(p.id), p.name, say(services, args, "role", code=p.role), p.team or "-",
          p.address("slack") or "-", p.address("email") or "-", p.language,
          "vip" if p.vip else ""]
         for p in people],
        say(services, args, "people_headers").split("|"),
    )
    return 0


def _channel_address(text: str) -> tuple[str, str]:
    """``teams=29:1abc`` -> ``("teams", "29:1abc")`` (argparse says so when ``=`` is missing)."""
    channel, sep, address = text.partition("=")
    if not sep or not channel.strip():
        raise argparse.ArgumentTypeError(f"expected CHANNEL=ADDRESS, got {text!r}")
    return channel.strip(), address.strip()


def _addresses_of(args: argparse.Namespace) -> dict[str, str]:
    """The addresses given on the command line: ``--address`` pairs, then the two built-in
    channels' own options (an empty value is kept: ``set`` forgets that address)."""
    addresses = dict(args.address)
    for channel, value in (("slack", args.slack_id), ("email", args.email)):
        if value is not None:
            addresses[channel] = value
    return addresses


def _json(person: PersonView) -> dict[str, object]:
    """A person as ``people list --json`` has always shown them (``slack_id``, ``email``), with
    every channel's address besides."""
    shown: dict[str, object] = dict(person.__dict__)
    addresses = shown.pop("addresses")
    shown.update(slack_id=person.address("slack"), email=person.address("email"),
                 vip=shown.pop("vip"), addresses=addresses)
    return shown


def cmd_set(args: argparse.Namespace) -> int:
    services = services_from(args, migrate=True)
    changes: dict[str, object] = {}
    if args.role:
        changes["role"] = args.role
    if args.team:
        changes["team_code"] = args.team
    if args.language:
        changes["language"] = args.language
    if args.timezone:
        changes["timezone"] = args.timezone
    if args.vip:
        changes["vip"] = args.vip == "yes"
    if args.active:
        changes["active"] = args.active == "yes"
    try:
        person = update_person(services.uow(), args.ref, addresses=_addresses_of(args),
                               **changes)
    except DeskError as exc:
        return fail(exc, services, lang_of(args, services))
    print(say(services, args, "person_saved", person=person))
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    """``users.list`` -> the desk's people: added, refreshed, never demoted."""
    from actions import people_sync
    from bot.slack.client import make_client
    from bot.slack.directory import directory

    services = services_from(args, migrate=True)
    settings = services.settings
    if not settings.slack_bot_token:
        print("deskbot: SLACK_BOT_TOKEN is not set: people sync reads the Slack workspace",
              file=sys.stderr)
        return 2
    client = make_client(settings.slack_bot_token, settings.slack_api_url)
    entries = list(directory(client, default_language=settings.language))
    run = people_sync.plan if args.dry_run else people_sync.apply
    report = run(services.uow(), entries, channel="slack", default_language=settings.language,
                 default_timezone=settings.default_timezone)
    verb = {"add": "would add" if args.dry_run else "added",
            "update": "would update" if args.dry_run else "updated"}
    for change in report.changes:
        detail = ", ".join(f"{k}: {old or '-'} -> {new}" for k, (old, new) in
                           sorted(change.fields.items()))
        print(f"{verb[change.action]:<12} {change.address:<12} {change.name}  {detail}")
    print(f"{'dry run: ' if args.dry_run else ''}{report.added} added, {report.updated} updated, "
          f"{report.unchanged} unchanged, {report.skipped_deactivated} deactivated and "
          f"{report.skipped_bots} bots skipped")
    return 0
