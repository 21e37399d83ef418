"""FAQ matcher benchmark: quality against two baselines, then query latency as the KB grows.

    python -m bench.faq [--kb DIR] [--sizes 100,1000,10000]

Quality is measured on two labelled sets: ``faq_queries.yml`` (used while tuning the matcher)
and ``faq_queries_holdout.yml`` (written before tuning and never tuned on), reported apart, then
on ``faq_offtopic_probe.yml``: off-topic messages built on double-meaning words ("office",
"cuenta", "licencia") that must get no suggestion, and controls using the same words in their IT
sense that must still find their article. ``--misses`` lists the matcher's misses on the probe.
Baselines: rapidfuzz ``extractOne``/``extract`` with ``fuzz.WRatio`` over titles, and BM25
(rank-bm25) over title + questions + tags + body. Baselines get their best possible rejection
threshold on each set (an oracle), the matcher runs with the threshold from config.yml.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from rank_bm25 import BM25Okapi
from rapidfuzz import fuzz, process

from actions.settings import load_settings
from kb.article import Article
from kb.lexicon import Lexicon
from kb.loader import load_articles
from kb.matcher import Matcher
from kb.text import words

DATA = Path(__file__).resolve().parent / "data"
Ranker = Callable[[str], list[tuple[str, float]]]  # query -> [(article id, score)], best first


@dataclass(frozen=True)
class Query:
    text: str
    expect: frozenset[str]


@dataclass(frozen=True)
class Figures:
    top1: float
    top3: float
    mrr: float
    rejection: float
    overall: float  # share of all queries answered right: correct top-1, or silence off-topic


def load_queries(path: Path) -> list[Query]:
    raw = yaml.safe_load(path.read_text("utf-8"))["queries"]
    return [Query(str(q["q"]), frozenset(q.get("expect") or ())) for q in raw]


def evaluate(results: Sequence[list[tuple[str, float]]], queries: Sequence[Query],
             threshold: float) -> Figures:
    on = off = hit1 = hit3 = rejected = right = 0
    rr = 0.0
    for ranked, query in zip(results, queries, strict=True):
        kept = [rid for rid, score in ranked if score >= threshold]
        if not query.expect:
            off += 1
            rejected += not kept
            right += not kept
            continue
        on += 1
        ranks = [i for i, rid in enumerate(kept[:3]) if rid in query.expect]
        hit1 += bool(ranks and ranks[0] == 0)
        hit3 += bool(ranks)
        rr += 1.0 / (ranks[0] + 1) if ranks else 0.0
        right += bool(ranks and ranks[0] == 0)
    return Figures(hit1 / max(on, 1), hit3 / max(on, 1), rr / max(on, 1),
                   rejected / max(off, 1), right / max(len(queries), 1))


def best_threshold(results: Sequence[list[tuple[str, float]]], queries: Sequence[Query]) -> float:
    """The rejection threshold that gives a baseline its highest overall accuracy (an oracle)."""
    candidates = {0.0} | {s for ranked in results for _, s in ranked[:1]}
    return max(sorted(candidates), key=lambda t: evaluate(results, queries, t).overall)


def matcher_ranker(matcher: Matcher) -> Ranker:
    def rank(query: str) -> list[tuple[str, float]]:
        return [(m.article.id, m.score) for m in matcher.search(query, top=3, min_score=0)]
    return rank


def wratio_ranker(articles: Sequence[Article]) -> Ranker:
    titles = [a.title for a in articles]

    def rank(query: str) -> list[tuple[str, float]]:
        found = process.extract(query, titles, scorer=fuzz.WRatio, limit=3,
                                processor=lambda s: " ".join(words(s)))
        return [(articles[i].id, float(score)) for _, score, i in found]
    return rank


def bm25_ranker(articles: Sequence[Article], stopwords: frozenset[str]) -> Ranker:
    def tokens(text: str) -> list[str]:
        return [w for w in words(text) if w not in stopwords]

    corpus = [tokens(" ".join([a.title, *a.questions, *a.tags, a.body])) for a in articles]
    bm25 = BM25Okapi(corpus)

    def rank(query: str) -> list[tuple[str, float]]:
        scores = bm25.get_scores(tokens(query))
        order = sorted(range(len(articles)), key=lambda i: -scores[i])[:3]
        return [(articles[i].id, float(scores[i])) for i in order if scores[i] > 0]
    return rank


def quality(name: str, queries: list[Query], systems: dict[str, tuple[Ranker, float | None]]
            ) -> None:
    on = sum(bool(q.expect) for q in queries)
    print(f"\n{name}: {len(queries)} queries ({on} answerable, {len(queries) - on} off-topic)")
    print(f"  {'system':<42} {'top-1':>6} {'top-3':>6} {'MRR':>6} {'reject':>7} {'overall':>8}")
    for label, (rank, threshold) in systems.items():
        results = [rank(q.text) for q in queries]
        used = best_threshold(results, queries) if threshold is None else threshold
        f = evaluate(results, queries, used)
        shown = f"{label} (t={used:.3g})"
        print(f"  {shown:<42} {f.top1:6.1%} {f.top3:6.1%} {f.mrr:6.3f} {f.rejection:7.1%}"
              f" {f.overall:8.1%}")


def probe_misses(queries: Sequence[Query], rank: Ranker, threshold: float) -> None:
    """Every probe message the matcher got wrong, with what it suggested (to read, not tune)."""
    print("\n  matcher misses on the probe:")
    for query in queries:
        kept = [(rid, score) for rid, score in rank(query.text) if score >= threshold]
        right = (not kept) if not query.expect else bool(kept and kept[0][0] in query.expect)
        if not right:
            shown = ", ".join(f"{rid} {score:g}" for rid, score in kept) or "(nothing)"
            wanted = "/".join(sorted(query.expect)) or "nothing"
            print(f"    [{wanted}] {query.text}\n        got: {shown}")


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
            min_score: float) -> None:
    print("\nQuery time of Matcher.search (each query once, fresh matcher per size)")
    print(f"  {'articles':>8} {'build s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    lexicon = Lexicon.load()
    for size in sizes:
        corpus = synthesise(articles, size)
        start = time.perf_counter()
        matcher = Matcher(corpus, min_score=min_score, lexicon=lexicon)
        built = time.perf_counter() - start
        matcher.search("warm up numpy and rapidfuzz", top=3)  # first-call costs are not queries
        times = []
        for q in queries:
            t0 = time.perf_counter()
            matcher.search(q.text, top=3)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
        print(f"  {size:>8} {built:8.2f} {statistics.median(times):8.2f} {p99:8.2f}"
              f" {times[-1]:8.2f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faq", description=__doc__.split("\n")[0])
    parser.add_argument("--config", default=None, help="config.yml (threshold, articles dir)")
    parser.add_argument("--kb", default=None, help="articles folder (default: from config.yml)")
    parser.add_argument("--queries", default=str(DATA / "faq_queries.yml"))
    parser.add_argument("--holdout", default=str(DATA / "faq_queries_holdout.yml"))
    parser.add_argument("--probe", default=str(DATA / "faq_offtopic_probe.yml"))
    parser.add_argument("--misses", action="store_true", help="list the matcher's probe misses")
    parser.add_argument("--sizes", default="100,1000,10000",
                        help="KB sizes for the latency table ('' to skip)")
    args = parser.parse_args(argv)
    settings = load_settings(args.config)
    kb_dir = Path(args.kb) if args.kb else settings.faq.articles_dir
    articles = load_articles(kb_dir, categories=tuple(settings.categories))
    langs = sorted({a.language for a in articles})
    print(f"Knowledge base: {len(articles)} articles from {kb_dir} ({', '.join(langs)});"
          f" matcher threshold faq.min_score = {settings.faq.min_score:g}")
    lexicon = Lexicon.load()
    matcher = Matcher(articles, min_score=settings.faq.min_score, lexicon=lexicon)
    systems: dict[str, tuple[Ranker, float | None]] = {
        "deskbot Matcher": (matcher_ranker(matcher), settings.faq.min_score),
        "rapidfuzz WRatio on titles": (wratio_ranker(articles), None),
        "BM25 title+questions+tags+body": (bm25_ranker(articles, lexicon.stopwords), None),
    }
    tuning = load_queries(Path(args.queries))
    holdout = load_queries(Path(args.holdout))
    quality(f"Tuning set {Path(args.queries).name}", tuning, systems)
    quality(f"Held-out set {Path(args.holdout).name} (never tuned on)", holdout, systems)
    probe = load_queries(Path(args.probe))
    quality(f"Double-meaning probe {Path(args.probe).name} (controls = answerable)", probe,
            systems)
    if args.misses:
        probe_misses(probe, matcher_ranker(matcher), settings.faq.min_score)
    print("\n  reject = off-topic queries answered with nothing; overall = correct top-1 or"
          " correct silence.\n  Baselines use the oracle threshold t that maximises their"
          " overall score on that set.")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if sizes:
        latency(articles, tuning + holdout, sizes, settings.faq.min_score)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
