"""``deskbot report [summary|volume|sla|technicians|satisfaction|frequent]``: service metrics.

Readable tables for people, ``--json`` for scripts, ``--csv`` for spreadsheets. The period is
``[--since, --until)``; a bare ``--until`` date includes that day. Default: the last 30 days.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from typing import Any

from actions.reports import duration
from actions.services import Services
from bot.cli.common import (
    add_lang,
    fail,
    lang_of,
    print_json,
    print_table,
    say,
    services_from,
    tell,
)
from bot.cli.dates import since_arg, until_arg

REPORTS = ("summary", "volume", "sla", "technicians", "satisfaction", "frequent", "kb-gaps",
           "digest")


def register(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="service metrics: volume, SLA, technicians, ...",
                            description=__doc__)
    report.add_argument("what", nargs="?", choices=REPORTS, default="summary")
    add_period_args(report)
    report.add_argument("--team", help="only tickets of this team (a code from config.yml)")
    out = report.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="machine-readable output")
    out.add_argument("--csv", action="store_true", help="comma-separated rows")
    add_lang(report)
    report.add_argument("--top", type=int, default=10, help="rows of frequent problems")
    report.add_argument("--dry-run", action="store_true",
                        help="digest: print it and write its chart to --out instead of sending")
    report.add_argument("--out", default="digest.png", metavar="FILE",
                        help="digest --dry-run: where the chart image goes (default digest.png)")
    report.set_defaults(func=cmd_report)


def add_period_args(parser: argparse.ArgumentParser, *, default: str = "last 30 days") -> None:
    parser.add_argument("--since", type=since_arg, metavar="DATE",
                        help=f"ISO date or date-time, UTC unless zoned (default: {default})")
    parser.add_argument("--until", type=until_arg, metavar="DATE",
                        help="end of the period, exclusive; a bare date includes that day")


def cmd_report(args: argparse.Namespace) -> int:
    from actions import reports
    from actions.kb_gaps import kb_gaps
    from actions.kb_gaps import to_dict as gaps_to_dict
    from store.errors import DeskError

    if args.what == "digest":
        return cmd_digest(args)
    period = reports.Period.last_days(until=args.until, team=args.team)
    if args.since:
        period = reports.Period(args.since, period.until, period.team)
    if period.since >= period.until:
        tell(None, args, "period_backwards", err=True, since=f"{period.since:%Y-%m-%d %H:%M}",
             until=f"{period.until:%Y-%m-%d %H:%M}")
        return 2
    services = services_from(args, migrate=True)
    try:
        if args.team:
            with services.uow() as uow:
                uow.teams.get(args.team)
        build: dict[str, Callable[[], Any]] = {
            "summary": lambda: reports.summary(services.uow(), period),
            "volume": lambda: reports.volume(services.uow(), period),
            "sla": lambda: reports.sla(services.uow(), period),
            "technicians": lambda: reports.technicians(services.uow(), period),
            "satisfaction": lambda: reports.satisfaction(services.uow(), period),
            "frequent": lambda: reports.frequent(services.uow(), period, top=args.top),
            "kb-gaps": lambda: kb_gaps(services.uow(), services.matcher, period),
        }
        result = build[args.what]()
    except DeskError as exc:
        return fail(exc, services, lang_of(args, services))
    finally:
        services.close()
    if args.what == "kb-gaps":
        return _print_gaps(gaps_to_dict(result), args, period, services)
    if args.json:
        print_json(reports.to_dict(result))
    elif args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerows(csv_rows(args.what, reports.to_dict(result)))
    elif args.what == "summary":
        print(services.plain.render("reports.summary", lang_of(args, services),
                                    r=reports.to_dict(result)))
    elif args.what == "satisfaction":
        print(say(services, args, "satisfaction", r=reports.to_dict(result)))
    else:
        PRINTERS[args.what](reports.to_dict(result),
                            lambda key: say(services, args, "word", key=key),
                            lambda code: say(services, args, "category", code=code))
    return 0


def _print_gaps(gaps: list[dict[str, Any]], args: argparse.Namespace, period: Any,
                services: Services) -> int:
    """Largest gaps first: what nothing answered, and articles that were suggested in vain."""
    gaps = gaps[: args.top]
    if args.json:
        print_json(gaps)
        return 0
    if args.csv:
        rows = [[g["kind"], g["article_id"] or "", str(g["count"]), " ".join(g["words"]),
                 ", ".join(g["tickets"]), g["examples"][0][:60] if g["examples"] else "",
                 str(g["from_shown"]), str(g["rerun"])] for g in gaps]
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerows([["gap", "article", "tickets", "words", "keys", "example", "from_shown",
                           "rerun"], *rows])
        return 0
    print(say(services, args, "kb_gaps", gaps=gaps, since=f"{period.since:%Y-%m-%d %H:%M}",
              until=f"{period.until:%Y-%m-%d %H:%M}").strip())
    return 0


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


Words = Callable[[str], str]


def _heading(r: dict[str, Any], title: str, w: Words) -> None:
    p = r["period"]
    team = f"  {w('team')} {p['team']}" if p.get("team") else ""
    print(f"{w(title)}: {p['since'][:16].replace('T', ' ')} .. {p['until'][:16].replace('T', ' ')}"
          f" UTC{team}")


def _counts(title: str, rows: list[dict[str, Any]], w: Words,
            label: Callable[[str], str] = str) -> None:
    print()
    if not rows:
        print(f"{w(title)}: {w('none')}")
        return
    print_table([[label(c["label"]), str(c["count"])] for c in rows],
                [w(title).upper(), w("tickets")])


def print_volume(r: dict[str, Any], w: Words, category: Callable[[str], str]) -> None:
    _heading(r, "volume", w)
    print("   ".join(f"{w(k)} {r[k]}" for k in ("opened", "resolved", "closed", "cancelled",
                                                 "still_open")))
    for name in ("category", "priority", "channel", "day"):
        _counts(name, r[f"by_{name}"], w, category if name == "category" else str)


def print_sla(r: dict[str, Any], w: Words, category: Callable[[str], str]) -> None:
    _heading(r, "sla", w)
    rows = [*r["rows"], r["total"]] if r["rows"] else []
    print_table([[x["priority"], str(x["tickets"]), str(x["first_response_met"]),
                  str(x["first_response_breached"]), str(x["first_response_running"]),
                  _pct(x["first_response_pct"]), str(x["resolution_met"]),
                  str(x["resolution_breached"]), str(x["resolution_running"]),
                  _pct(x["resolution_pct"])] for x in rows],
                w("sla_headers").split("|"))
    if not rows:
        print(w("no_sla"))


def print_technicians(r: dict[str, Any], w: Words, category: Callable[[str], str]) -> None:
    _heading(r, "technicians", w)
    print_table([[x["name"], x["team"] or "-", str(x["claimed"]), str(x["replies"]),
                  str(x["notes"]), str(x["resolved"]), duration(x["mean_resolution_seconds"])]
                 for x in r["rows"]],
                w("technician_headers").split("|"))
    if not r["rows"]:
        print(w("no_technicians"))


def print_frequent(r: dict[str, Any], w: Words, category: Callable[[str], str]) -> None:
    _heading(r, "frequent", w)
    _counts("category", r["categories"], w, category)
    _counts("title word", r["words"], w)
    print()
    if r["articles"]:
        print_table([[c["label"], str(c["count"])] for c in r["articles"]],
                    w("article_headers").split("|"))
    else:
        print(f"{w('faq_article')}: {w('none')}")


PRINTERS: dict[str, Callable[[dict[str, Any], Words, Callable[[str], str]], None]] = {
    "volume": print_volume, "sla": print_sla, "technicians": print_technicians,
    "frequent": print_frequent,
}


def csv_rows(what: str, r: dict[str, Any]) -> list[list[Any]]:
    """One flat table per report: what a spreadsheet can chart."""
    if what == "sla":
        cols = [k for k in r["total"]]
        return [cols, *[[x[k] for k in cols] for x in [*r["rows"], r["total"]]]]
    if what == "technicians":
        cols = ["person_id", "name", "team", "role", "claimed", "replies", "notes", "resolved",
                "mean_resolution_seconds"]
        return [cols, *[[x[k] for k in cols] for x in r["rows"]]]
    if what == "satisfaction":
        return [["rating", "answers"], *[[k, v] for k, v in r["distribution"].items()]]
    if what == "volume":
        rows: list[list[Any]] = [["group", "label", "count"]]
        rows += [["total", k, r[k]] for k in ("opened", "resolved", "closed", "cancelled",
                                               "still_open")]
        for name in ("category", "priority", "channel", "day"):
            rows += [[name, c["label"], c["count"]] for c in r[f"by_{name}"]]
        return rows
    if what == "frequent":
        rows = [["kind", "label", "count"]]
        for kind in ("categories", "words", "articles"):
            rows += [[kind, c["label"], c["count"]] for c in r[kind]]
        return rows
    return [["metric", "value"], *_flatten(r)]


def _flatten(value: Any, prefix: str = "") -> list[list[Any]]:
    """``summary`` as ``metric,value`` rows (``sla.total.resolution_pct,50.0``)."""
    if isinstance(value, dict):
        out: list[list[Any]] = []
        for k, v in value.items():
            if k != "period" or not prefix:  # each part repeats the period: once is enough
                out += _flatten(v, f"{prefix}{k}.")
        return out
    if isinstance(value, list):
        if prefix.endswith("rows.") or prefix.startswith("period"):
            return []
        out = []
        for item in value:
            if isinstance(item, dict) and "label" in item:
                out.append([f"{prefix}{item['label']}", item["count"]])
        return out
    return [[prefix.rstrip("."), value]]


def cmd_digest(args: argparse.Namespace) -> int:
    """The leads' weekly digest (last week by default): queued for Slack, or with ``--dry-run``
    printed in ``--lang`` with its chart written to ``--out``."""
    from datetime import timedelta
    from pathlib import Path

    from actions.digest import digest_figures, last_week, queue_digests
    from actions.reports import Period

    until = args.until or last_week().until
    period = Period(args.since or until - timedelta(days=7), until)
    if period.since >= period.until:
        tell(None, args, "period_backwards", err=True)
        return 2
    services = services_from(args, migrate=True)
    try:
        if not args.dry_run:
            queued = queue_digests(services.uow(), period)
            tell(services, args, "digest_queued", count=queued)
            return 0
        from bot.digest_chart import render_png

        figures = digest_figures(services.uow(), period)
        out = Path(args.out)
        lang = lang_of(args, services)  # --lang, else the desk's language
        out.write_bytes(render_png(figures, lang, services.plain))
        print(services.plain.render("reports.digest", lang, d=figures).strip())
        tell(services, args, "chart_written", err=True, file=out)
        return 0
    finally:
        services.close()
