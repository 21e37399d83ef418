"""NLU benchmark: ``python -m bench.nlu``.

Prints intent accuracy and macro-F1 on
  1. a stratified held-out split of nlu/data (train on 80 %, test on the other 20 %), and
  2. bench/data/nlu_heldout.yml, messages written apart from the training data and never trained
     on (the model is trained on all of nlu/data),
plus training time and parse latency (p50/p99). Figures only; the quality floor the desk relies on
is asserted in tests/nlu.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from rapidfuzz import fuzz, process
from sklearn.model_selection import train_test_split

from nlu.config import DEFAULT_DATA_DIR, load_nlu_config
from nlu.evaluation import Evaluation, evaluate, format_summary
from nlu.interpreter import Interpreter
from nlu.pipeline import Pipeline
from nlu.text import normalise
from nlu.training_data import Message, load_data

HELDOUT = Path(__file__).resolve().parent / "data" / "nlu_heldout.yml"


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

    interpreter = Interpreter(full_model, language=config.language)
    texts = [m.text for m in heldout.examples] * 5
    interpreter.parse(texts[0])
    latencies = []
    for text in texts:
        t0 = time.perf_counter()
        interpreter.parse(text)
        latencies.append((time.perf_counter() - t0) * 1000)

    print("deskbot NLU benchmark")
    print(f"pipeline: {' > '.join(c['name'] for c in config.pipeline)}")
    print(f"training data: {len(examples)} examples, {len(data.intents)} intents; "
          f"held-out set: {len(heldout.examples)} messages\n")
    print(f"{'evaluation':<34}{'n':>6}{'accuracy':>10}{'macro F1':>10}"
          f"{'acc no-fb':>11}{'fallback':>10}")
    print(_row(f"split {1 - args.test_size:.0%}/{args.test_size:.0%} of nlu/data", split_eval))
    print(_row("bench/data/nlu_heldout.yml", heldout_eval))
    print(_row("  of which unlike any training ex.", novel_eval))
    print("  (unlike: no training example with similarity >= 80/100, rapidfuzz ratio)")
    print()
    print(f"training time (all data): {train_seconds:.2f} s")
    print(f"parse latency over {len(latencies)} parses: p50 {_percentile(latencies, .5):.2f} ms, "
          f"p99 {_percentile(latencies, .99):.2f} ms, mean {statistics.fmean(latencies):.2f} ms")
    if args.verbose:
        print("\nheld-out set report\n" + format_summary(heldout_eval.summary()))
        print("\nheld-out errors:")
        for err in heldout_eval.errors():
            print(f"  [{err['intent']} -> {err['predicted']}] {err['text']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
