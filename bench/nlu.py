"""NLU benchmark: ``python -m bench.nlu [--verbose]``.

Prints intent accuracy and macro-F1 on
  1. a stratified held-out split of nlu/data (train on 80 %, test on the other 20 %);
  2. messages written apart from the training data and never trained on (the model is trained on
     all of nlu/data): ``bench/data/nlu_heldout.yml`` (the first set), ``nlu_unseen.yml`` (es+en
     as employees type in chat), ``nlu_helpdesk_en.yml`` (English help-desk ticket lines) and
     ``nlu_untouched.yml`` (kept for the final measure: its errors are never listed);
     A message identical to a training example (after normalising) measures nothing: it is
     left out, and the row says how many were;
  3. ticket references extracted from ``nlu_ticket_keys.yml`` (key or number, canonical form);
plus training time and parse latency (p50/p99). Figures only; the quality floor the desk relies
on is asserted in tests/nlu.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process
from sklearn.model_selection import train_test_split

from nlu.config import DEFAULT_DATA_DIR, load_nlu_config
from nlu.evaluation import Evaluation, evaluate, format_summary
from nlu.interpreter import Interpreter
from nlu.pipeline import Pipeline
from nlu.text import normalise
from nlu.training_data import Message, load_data

DATA = Path(__file__).resolve().parent / "data"
HELDOUT = DATA / "nlu_heldout.yml"
#: (label, file, errors may be listed): the untouched set is reported, never inspected.
SETS: tuple[tuple[str, str, bool], ...] = (
    ("unseen es+en", "nlu_unseen.yml", True),
    ("help-desk en", "nlu_helpdesk_en.yml", True),
    ("untouched (final measure)", "nlu_untouched.yml", False),
)
TICKET_KEYS = DATA / "nlu_ticket_keys.yml"


def _row(name: str, ev: Evaluation) -> str:
    s = ev.summary()
    return (f"{name:<34}{s['examples']:>6}{s['accuracy']:>10.3f}{s['macro_f1']:>10.3f}"
            f"{s['accuracy_without_fallback']:>11.3f}{s['fallback_rate']:>10.3f}")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _novel(messages: list[Message], training: list[Message], cutoff: float) -> list[Message]:
    """Held-out messages with no training example at least ``cutoff`` similar (0-100): the
    figure that says how the engine does on phrasing it has never seen anything close to."""
    known = [normalise(m.text) for m in training]
    return [m for m in messages
            if process.extractOne(normalise(m.text), known, scorer=fuzz.ratio)[1] < cutoff]


def _ticket_keys(interpreter: Interpreter, path: Path) -> tuple[int, int, list[str]]:
    """(right, total, misses): the expected key or number, and nothing else of that kind."""
    items: list[dict[str, Any]] = yaml.safe_load(path.read_text("utf-8")) or []
    right, misses = 0, []
    for item in items:
        parsed = interpreter.parse(item["text"])
        found = {e["entity"]: e["value"] for e in parsed["entities"]
                 if e["entity"] in ("ticket_key", "ticket_number")}
        wanted = {k: str(item[k]) for k in ("ticket_key", "ticket_number") if k in item}
        if found == wanted:
            right += 1
        else:
            misses.append(f"  {item['text']!r}: wanted {wanted}, got {found}")
    return right, len(items), misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nlu", description=__doc__)
    parser.add_argument("--config", default=None)
    parser.add_argument("--data", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--heldout", default=str(HELDOUT))
    parser.add_argument("--test-size", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", action="store_true", help="per-intent report and errors")
    args = parser.parse_args(argv)

    config = load_nlu_config(args.config)
    data = load_data(args.data)
    heldout = load_data(args.heldout)

    examples = [m for m in data.examples if m.intent]
    train, test = train_test_split(examples, test_size=args.test_size, random_state=args.seed,
                                   stratify=[m.intent for m in examples])
    split_model = Pipeline(config.pipeline).train(data.subset(train))
    split_eval = evaluate(split_model, test)

    started = time.perf_counter()
    full_model = Pipeline(config.pipeline).train(data)
    train_seconds = time.perf_counter() - started
    heldout_eval = evaluate(full_model, heldout.examples)
    novel = _novel(heldout.examples, examples, cutoff=80)
    novel_eval = evaluate(full_model, novel)
    trained = {normalise(m.text) for m in examples}
    others = []
    for label, name, listed in SETS:
        messages = load_data(DATA / name).examples
        fresh = [m for m in messages if normalise(m.text) not in trained]
        if len(fresh) < len(messages):
            label = f"{label} (-{len(messages) - len(fresh)} dup)"
        others.append((label, evaluate(full_model, fresh), listed))

    interpreter = Interpreter(full_model, language=config.language)
    texts = [m.text for m in heldout.examples] * 5
    for text in texts[:50]:
        interpreter.parse(text)
    latencies, cpu = [], []
    for text in texts:
        t0, c0 = time.perf_counter(), time.process_time()
        interpreter.parse(text)
        latencies.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    keys_right, keys_total, key_misses = _ticket_keys(interpreter, TICKET_KEYS)

    print("deskbot NLU benchmark")
    print(f"pipeline: {' > '.join(c['name'] for c in config.pipeline)}")
    print(f"training data: {len(examples)} examples, {len(data.intents)} intents\n")
    print(f"{'evaluation':<34}{'n':>6}{'accuracy':>10}{'macro F1':>10}"
          f"{'acc no-fb':>11}{'fallback':>10}")
    print(_row(f"split {1 - args.test_size:.0%}/{args.test_size:.0%} of nlu/data", split_eval))
    print(_row("nlu_heldout.yml", heldout_eval))
    print(_row("  of which unlike any training ex.", novel_eval))
    for label, ev, _ in others:
        print(_row(label, ev))
    print("  (unlike: no training example with similarity >= 80/100, rapidfuzz ratio)")
    print(f"\nticket references extracted: {keys_right}/{keys_total} = "
          f"{keys_right / max(keys_total, 1):.3f}")
    print(f"training time (all data): {train_seconds:.2f} s")
    print(f"parse latency over {len(latencies)} parses: p50 {_percentile(latencies, .5):.2f} ms, "
          f"p99 {_percentile(latencies, .99):.2f} ms, mean {statistics.fmean(latencies):.2f} ms")
    print(f"  CPU time per parse (what other processes on the machine do not inflate): "
          f"p50 {_percentile(cpu, .5):.2f} ms, p99 {_percentile(cpu, .99):.2f} ms")
    if args.verbose:
        for line in key_misses:
            print(line)
        for label, ev in [("nlu_heldout.yml", heldout_eval)] + [
                (label, ev) for label, ev, listed in others if listed]:
            print(f"\n{label} report\n" + format_summary(ev.summary()))
            print(f"\n{label} errors:")
            for err in ev.errors():
                print(f"  [{err['intent']} -> {err['predicted']}] {err['text']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
