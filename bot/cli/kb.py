"""``deskbot kb``: validate the knowledge base and try the FAQ matcher from a shell.

``kb check`` prints one ``path:line: message`` per problem (and exits 1), so it can gate CI.
``kb search --stdin`` answers one JSON line per input line, flushed at once, so another program
can keep one process open and feed it questions.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bot.cli.common import add_lang, say, tell


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("kb", help="check the knowledge base and search it")
    kb_sub = parser.add_subparsers(dest="kb_command", metavar="ACTION")
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--kb", default=None, metavar="DIR",
                        help="folder of articles (default: faq.articles_dir in config.yml)")

    check = kb_sub.add_parser("check", parents=[common],
                              help="validate every article file and saved reply")
    check.add_argument("--replies", default=None, metavar="DIR",
                       help="folder of saved replies (default: kb/replies beside the articles)")
    add_lang(check)
    check.set_defaults(func=_check)

    search = kb_sub.add_parser("search", parents=[common], help="suggest articles for a question")
    search.add_argument("text", nargs="?", help="the question (omit with --stdin)")
    search.add_argument("--top", type=int, default=None,
                        help="how many suggestions (default: faq.max_suggestions)")
    search.add_argument("--min-score", type=float, default=None,
                        help="threshold 0-100 (default: faq.min_score, or calibrated)")
    search.add_argument("--json", action="store_true", help="print a JSON list")
    search.add_argument("--stdin", action="store_true",
                        help="one question per input line, one JSON list per output line")
    add_lang(search)
    search.set_defaults(func=_search)

    learned = kb_sub.add_parser("learned", help="phrasings learned from confirmed answers")
    learned.add_argument("--article", default=None, metavar="ID", help="only this article's")
    learned.add_argument("--json", action="store_true", help="print a JSON list")
    add_lang(learned)
    learned.set_defaults(func=_learned)

    forget = kb_sub.add_parser("forget", help="remove a learned phrasing (its number)")
    forget.add_argument("id", type=int, help="the number shown by 'deskbot kb learned'")
    add_lang(forget)
    forget.set_defaults(func=_forget)

    drafts = kb_sub.add_parser("drafts", help="articles drafted from solved tickets (/ticket kb)")
    drafts.add_argument("--all", action="store_true", help="published ones too")
    drafts.add_argument("--show", type=int, metavar="ID", help="print one draft in full")
    add_lang(drafts)
    drafts.set_defaults(func=_drafts)

    publish = kb_sub.add_parser("publish", help="write a draft into the knowledge base")
    publish.add_argument("id", type=int)
    publish.add_argument("--kb", default=None, metavar="DIR",
                         help="folder of articles (default: faq.articles_dir in config.yml)")
    add_lang(publish)
    publish.set_defaults(func=_publish)


def _settings(args: argparse.Namespace) -> Any:
    from actions.settings import SettingsError, load_settings

    try:
        return load_settings(args.config)
    except SettingsError as exc:
        print(f"deskbot: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def _with_lang(args: argparse.Namespace, settings: Any) -> argparse.Namespace:
    """``args`` with the language to print in settled: these commands read config.yml without
    opening the database, so the desk's language comes from the settings already loaded."""
    return argparse.Namespace(**{**vars(args), "lang": getattr(args, "lang", None)
                                 or settings.language})


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _check(args: argparse.Namespace) -> int:
    from actions.replies import replies_dir
    from kb.loader import check_articles
    from kb.replies import check_replies

    settings = _settings(args)
    root = Path(args.kb) if args.kb else settings.faq.articles_dir
    articles, errors = check_articles(root, categories=tuple(settings.categories))
    replies_root = Path(args.replies) if args.replies else (
        root.parent / "replies" if args.kb else replies_dir(settings))
    replies, reply_errors = check_replies(replies_root, settings.languages,
                                          tuple(settings.teams))
    errors = [*errors, *reply_errors]
    for error in errors:
        print(f"{_shown(error.path)}:{error.line}: {error.message}")
    if errors:
        files = len({e.path for e in errors})
        tell(None, _with_lang(args, settings), "kb_problems", err=True, count=len(errors),
             files=files, articles=len(articles))
        return 1
    languages = Counter(a.language for a in articles)
    tell(None, _with_lang(args, settings), "kb_ok", articles=len(articles),
         languages=sorted(languages.items()), categories=len({a.category for a in articles}),
         root=_shown(root), saved=len(replies))
    return 0


def _search(args: argparse.Namespace) -> int:
    from kb.loader import check_articles
    from kb.matcher import Matcher

    if args.stdin == bool(args.text):
        tell(None, args, "kb_search_usage", err=True)
        return 2
    settings = _settings(args)
    args = _with_lang(args, settings)
    root = Path(args.kb) if args.kb else settings.faq.articles_dir
    articles, errors = check_articles(root, categories=tuple(settings.categories), lenient=True)
    if errors:
        tell(None, args, "kb_skipped", err=True, count=len(errors), root=_shown(root))
    matcher = Matcher(articles, min_score=settings.faq.min_score)
    top = settings.faq.max_suggestions if args.top is None else args.top

    def answer(text: str) -> list[dict[str, Any]]:
        found = matcher.search(text, top=top, min_score=args.min_score)
        return [{"id": m.article.id, "title": m.article.title, "score": m.score} for m in found]

    if args.stdin:
        for line in sys.stdin:
            print(json.dumps(answer(line.rstrip("\r\n")), ensure_ascii=False), flush=True)
        return 0
    results = answer(args.text)
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
    elif not results:
        threshold = matcher.min_score if args.min_score is None else args.min_score
        tell(None, args, "no_suggestions", threshold=f"{threshold:g}")
    else:
        for rank, item in enumerate(results, start=1):
            print(f"{rank}. {item['score']:5.1f}  {item['id']}  {item['title']}")
    return 0


def _learned(args: argparse.Namespace) -> int:
    from actions.learning import learned
    from bot.cli.common import print_json, print_table, services_from

    services = services_from(args, migrate=True)
    try:
        rows = learned(services.uow(), args.article)
    finally:
        services.close()
    if args.json:
        print_json([vars(r) | {"at": r.at.isoformat()} for r in rows])
        return 0
    if not rows:
        tell(services, args, "nothing_learned", article=args.article or "")
        return 0
    print_table([[str(r.id), r.article_id, r.source + (f" {r.ticket_key}" if r.ticket_key else ""),
                  f"{r.at:%Y-%m-%d}", r.text[:70]] for r in rows],
                say(services, args, "learned_headers").split("|"))
    return 0


def _forget(args: argparse.Namespace) -> int:
    from actions.learning import forget
    from bot.cli.common import fail, lang_of, services_from
    from store.errors import DeskError

    services = services_from(args, migrate=True)
    try:
        forget(services.uow(), args.id)
    except DeskError as exc:
        return fail(exc, services, lang_of(args, services))
    finally:
        services.close()
    tell(services, args, "forgot", number=args.id)
    return 0


def _drafts(args: argparse.Namespace) -> int:
    from actions.drafts import article_text, list_drafts
    from bot.cli.common import print_table, services_from

    services = services_from(args, migrate=True)
    try:
        drafts = list_drafts(services.uow(),
                             include_published=args.all or args.show is not None)
    finally:
        services.close()
    if args.show is not None:
        chosen = next((d for d in drafts if d.id == args.show), None)
        if chosen is None:
            tell(services, args, "no_draft", err=True, number=args.show)
            return 1
        print(article_text(chosen), end="")
        return 0
    if not drafts:
        tell(services, args, "no_drafts")
        return 0
    print_table([[str(d.id), d.ticket, d.language, d.category, d.status, d.title[:60]]
                 for d in drafts], say(services, args, "drafts_headers").split("|"))
    return 0


def _publish(args: argparse.Namespace) -> int:
    from actions.drafts import publish
    from bot.cli.common import fail, lang_of, services_from
    from store.errors import DeskError

    services = services_from(args, migrate=True)
    try:
        draft = publish(services.uow(), services.settings, draft_id=args.id,
                        directory=Path(args.kb) if args.kb else None)
    except DeskError as exc:
        return fail(exc, services, lang_of(args, services))
    finally:
        services.close()
    tell(services, args, "published", draft=draft, path=_shown(Path(draft.path or "")))
    return 0
