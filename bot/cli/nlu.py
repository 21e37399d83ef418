"""``deskbot nlu``: train the embedded engine, parse messages, and measure it.

``parse --json`` and ``parse --stdin`` print exactly what Rasa's ``POST /model/parse`` answers
(one JSON object per line), so scripts written against a Rasa server work unchanged.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from bot.cli.common import add_lang, say, tell


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("nlu", help="train, try and measure the language understanding")
    nlu_sub = parser.add_subparsers(dest="nlu_command", metavar="ACTION")
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", default=None, help="training data dir (default: nlu/data)")
    common.add_argument("--cache", default=None, help="model cache dir (default: nlu/.model)")
    add_lang(common)

    train = nlu_sub.add_parser("train", parents=[common], help="train (or reuse) the model")
    train.add_argument("--force", action="store_true", help="retrain even if the cache is fresh")
    train.set_defaults(func=_train)

    parse = nlu_sub.add_parser("parse", parents=[common], help="parse a message")
    parse.add_argument("text", nargs="?", help="the message (omit with --stdin)")
    parse.add_argument("--json", action="store_true", help="print the Rasa /model/parse JSON")
    parse.add_argument("--stdin", action="store_true",
                       help="parse each input line, print one JSON object per line")
    parse.add_argument("--rasa-url", default=None,
                       help="parse with a Rasa server instead (default: $DESKBOT_RASA_URL)")
    parse.set_defaults(func=_parse)

    test = nlu_sub.add_parser("test", parents=[common], help="cross-validated intent report")
    test.add_argument("--folds", type=int, default=5)
    test.add_argument("--json", action="store_true", help="print the report as JSON")
    test.add_argument("--errors", action="store_true", help="also list misclassified messages")
    test.set_defaults(func=_test)


def _train(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nlu.config import DEFAULT_CACHE_DIR, DEFAULT_DATA_DIR, load_nlu_config
    from nlu.model_cache import train_or_load
    from nlu.training_data import load_data

    config = load_nlu_config(args.config)
    data_dir = Path(args.data) if args.data else DEFAULT_DATA_DIR
    cache_dir = Path(args.cache) if args.cache else DEFAULT_CACHE_DIR
    started = time.perf_counter()
    _, key, trained = train_or_load(config, data_dir, cache_dir, force=args.force)
    elapsed = time.perf_counter() - started
    data = load_data(data_dir)
    sizes = {"examples": len(data.examples), "intents": len(data.intents),
             "synonyms": len(data.entity_synonyms), "lookups": len(data.lookup_tables),
             "regexes": len(data.regex_features)}
    tell(None, args, "nlu_trained", key=key, trained=trained, seconds=elapsed, sizes=sizes,
         cache=cache_dir)
    return 0


def _human(result: dict[str, Any], args: argparse.Namespace) -> str:
    """The parse for a person: intent, language, runners-up and entities (with what was said)."""
    intent = result.get("intent") or {}
    parsed = {
        "intent": intent.get("name"), "confidence": float(intent.get("confidence") or 0),
        "language": result.get("language", "?"),
        "next": (result.get("intent_ranking") or [])[1:4],
        "entities": [ent | {"said": repr(result["text"][ent["start"]:ent["end"]])}
                     for ent in result.get("entities") or []],
    }
    return say(None, args, "nlu_parsed", parsed=parsed)


def _parse(args: argparse.Namespace) -> int:
    from nlu import load_interpreter
    from nlu.rasa_http import RasaConnectionError

    if not args.stdin and args.text is None:
        tell(None, args, "nlu_parse_usage", err=True)
        return 2
    interpreter = load_interpreter(args.config, args.data, args.rasa_url, cache_dir=args.cache)
    try:
        if args.stdin:
            for line in sys.stdin:
                text = line.rstrip("\r\n")
                print(json.dumps(interpreter.parse(text), ensure_ascii=False), flush=True)
            return 0
        result = interpreter.parse(args.text)
    except RasaConnectionError as exc:
        tell(None, args, "rasa_error", err=True, error=exc)
        return 1
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json
          else _human(result, args))
    return 0


def _test(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nlu.config import DEFAULT_DATA_DIR, load_nlu_config
    from nlu.evaluation import cross_validate, format_summary
    from nlu.training_data import load_data

    if args.folds < 2:
        tell(None, args, "folds_too_few", err=True)
        return 2
    config = load_nlu_config(args.config)
    data = load_data(Path(args.data) if args.data else DEFAULT_DATA_DIR)
    started = time.perf_counter()
    evaluation = cross_validate(data, config.pipeline, folds=args.folds)
    summary = evaluation.summary()
    if args.json:
        summary["errors"] = evaluation.errors() if args.errors else []
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return 0
    tell(None, args, "nlu_evaluation", folds=args.folds, examples=len(data.examples),
         seconds=time.perf_counter() - started)
    print(format_summary(summary))
    if args.errors:
        print()
        tell(None, args, "misclassified")
        for err in evaluation.errors():
            print(f"  [{err['intent']} -> {err['predicted']}] {err['text']}")
    return 0
