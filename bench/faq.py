"""FAQ matcher benchmark: quality on several knowledge bases against baselines, then query time.

    python -m bench.faq                       every shipped knowledge base with its query sets
    python -m bench.faq --kb DIR --queries FILE [--queries FILE2 ...] [--misses]

Without ``--kb`` it measures the desk's own articles (``kb/articles``) on ``faq_queries.yml``
(tuning), ``faq_queries_holdout.yml`` (held out) and the double-meaning probe, then three knowledge
bases the matcher was never built for: ``bench/data/kb_acme`` (another company's style, tuning and
held-out query halves), ``bench/data/kb_globex`` (held out entirely) and ``bench/data/kb_initech``
(50 mostly plain articles, written before a later round of matcher changes and never tuned on).
``--kb DIR`` alone looks for ``DIR_queries*.yml`` beside the folder. Each set prints top-1,
top-3, MRR, answerable questions left unanswered, off-topic messages correctly met with silence,
and top-1 per language pair, for the matcher and for BM25 and rapidfuzz baselines in the same
run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from actions.settings import load_settings
from bench.faq_eval import (
    Query,
    Ranker,
    bm25_ranker,
    load_queries,
    matcher_ranker,
    report,
    wratio_ranker,
)
from kb.article import Article
from kb.lexicon import Lexicon
from kb.loader import check_articles
from kb.matcher import Matcher

DATA = Path(__file__).resolve().parent / "data"
OWN_SETS = ("faq_queries.yml", "faq_queries_holdout.yml", "faq_offtopic_probe.yml")
FOREIGN = ("kb_acme", "kb_globex", "kb_initech")


def queries_beside(kb_dir: Path) -> list[Path]:
    """``<folder>_queries*.yml`` next to a knowledge-base folder, tuning before held-out."""
    return sorted(kb_dir.parent.glob(f"{kb_dir.name}_queries*.yml"),
                  key=lambda p: ("tuning" not in p.name, p.name))


def measure(kb_dir: Path, query_files: Sequence[Path], min_score: float | None, lexicon: Lexicon,
            categories: tuple[str, ...], misses: bool) -> list[Query]:
    articles, errors = check_articles(kb_dir, categories=categories, lenient=True)
    if errors:
        print(f"  ({len(errors)} problem(s) in {kb_dir}; run deskbot kb check)")
    langs = sorted({a.language for a in articles})
    plain = sum(not a.questions for a in articles)
    matcher = Matcher(articles, min_score=min_score, lexicon=lexicon)
    print(f"\n=== {kb_dir}: {len(articles)} articles ({', '.join(langs)}; {plain} without"
          f" questions); matcher rejects below {matcher.min_score:.3g}"
          + (f" (calibrated: noise {matcher.calibration.noise:g}, found"
             f" {matcher.calibration.found:g})" if min_score is None and matcher.calibration
             else ""))
    systems: dict[str, tuple[Ranker, float | None]] = {
        "deskbot Matcher": (matcher_ranker(matcher), matcher.min_score),
        "BM25 title+questions+tags+body": (bm25_ranker(articles, lexicon.stopwords), None),
        "rapidfuzz WRatio on titles": (wratio_ranker(articles), None),
    }
    everything: list[Query] = []
    for path in query_files:
        queries = load_queries(path)
        everything += queries
        report(path.name, queries, systems, articles, misses)
    return everything


def synthesise(articles: Sequence[Article], size: int, seed: int = 7) -> list[Article]:
    """``size`` articles: the real ones plus variants (reworded, with invented product names)."""
    rng = random.Random(seed)
    extra = ["portal", "legacy", "v2", "new", "nuevo", "cliente", "region", "norte", "sur",
             "plant", "planta", "tienda", "store", "ops", "finance", "finanzas", "lab"]
    out = list(articles)[:size]
    i = 0
    while len(out) < size:
        base = articles[i % len(articles)]
        i += 1
        product = f"app{rng.randrange(size)}"

        def vary(text: str, product: str = product) -> str:
            ws = text.split()
            if len(ws) > 3:
                ws.pop(rng.randrange(len(ws)))
            ws.insert(rng.randrange(len(ws) + 1), rng.choice(extra))
            return " ".join(ws) + f" {product}"
        out.append(replace(
            base, id=f"{base.id}-{i}", title=vary(base.title),
            questions=tuple(vary(q) for q in rng.sample(base.questions,
                                                        min(3, len(base.questions)))),
            tags=(*base.tags, product),
        ))
    return out


def latency(articles: Sequence[Article], queries: Sequence[Query], sizes: Sequence[int],
            min_score: float | None, lexicon: Lexicon) -> None:
    print("\nQuery time of Matcher.search (each query once, fresh matcher per size); wall clock,"
          " and CPU time\n(what the matcher itself costs when other processes share the cores)")
    print(f"  {'articles':>8} {'build s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
          f" {'cpu p50':>8} {'cpu p99':>8}")
    for size in sizes:
        corpus = synthesise(articles, size)
        start = time.perf_counter()
        matcher = Matcher(corpus, min_score=min_score, lexicon=lexicon)
        built = time.perf_counter() - start
        matcher.search("warm up numpy and rapidfuzz", top=3)  # first-call costs are not queries
        times, cpu = [], []
        for q in queries:
            t0, c0 = time.perf_counter(), time.process_time()
            matcher.search(q.text, top=3)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        times.sort()
        cpu.sort()
        print(f"  {size:>8} {built:8.2f} {statistics.median(times):8.2f} {_p99(times):8.2f}"
              f" {times[-1]:8.2f} {statistics.median(cpu):8.2f} {_p99(cpu):8.2f}")


def _p99(values: Sequence[float]) -> float:
    return values[min(len(values) - 1, int(round(0.99 * (len(values) - 1))))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faq", description=__doc__.split("\n")[0])
    parser.add_argument("--config", default=None, help="config.yml (threshold, articles dir)")
    parser.add_argument("--kb", default=None, help="measure only this articles folder")
    parser.add_argument("--queries", action="append", default=None, metavar="FILE",
                        help="query set for --kb (repeatable; default: DIR_queries*.yml)")
    parser.add_argument("--misses", action="store_true", help="list the matcher's misses")
    parser.add_argument("--sizes", default="100,1000,10000",
                        help="KB sizes for the latency table ('' to skip)")
    args = parser.parse_args(argv)
    settings = load_settings(args.config)
    categories = tuple(settings.categories)
    lexicon = Lexicon.load()
    min_score = settings.faq.min_score
    if args.kb:
        kb_dir = Path(args.kb)
        files = [Path(q) for q in args.queries] if args.queries else queries_beside(kb_dir)
        if not files:
            parser.error(f"no --queries given and no {kb_dir.name}_queries*.yml beside {kb_dir}")
        runs = [(kb_dir, files)]
    else:
        runs = [(settings.faq.articles_dir, [DATA / name for name in OWN_SETS])]
        runs += [(DATA / name, queries_beside(DATA / name)) for name in FOREIGN]
    timed: list[Query] = []
    for kb_dir, files in runs:
        found = measure(kb_dir, files, min_score, lexicon, categories, args.misses)
        timed = timed or found
    print("\n  unansw = answerable queries given no suggestion; silent = off-topic queries given"
          " none;\n  overall = correct top-1 or correct silence. Baselines use the oracle"
          " threshold t that\n  maximises their overall score on that set; the matcher its own.")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if sizes:
        articles, _ = check_articles(runs[0][0], categories=categories, lenient=True)
        latency(articles, timed, sizes, min_score, lexicon)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
