"""Scoring a ranker on a labelled query set: the figures ``python -m bench.faq`` prints.

A query set is a YAML file ``queries: [{q, lang?, expect: [article ids]}]``; ``expect: []`` means
no article answers it (off-topic) and the right answer is silence. Every system is a *ranker*
(query -> best article ids with scores) plus a rejection threshold: the deskbot matcher brings its
own (calibrated per knowledge base), the baselines get an oracle (the threshold that maximises
their overall score on that very set), so they are compared at their best.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from rank_bm25 import BM25Okapi
from rapidfuzz import fuzz, process

from kb.article import Article
from kb.matcher import Matcher
from kb.text import words

Ranker = Callable[[str], list[tuple[str, float]]]  # query -> [(article id, score)], best first

_SPANISH = frozenset("que de la el no me mi en los las se por para con una un como mis q xq "
                     "esta sale puedo tengo del al es lo le su".split())
_ENGLISH = frozenset("the my i is to a in on it of for and can cant how not with do does dont "
                     "wont doesnt im me".split())


@dataclass(frozen=True)
class Query:
    text: str
    expect: frozenset[str]
    lang: str


@dataclass(frozen=True)
class Figures:
    answerable: int
    offtopic: int
    top1: float
    top3: float
    mrr: float
    unanswered: float  # answerable queries given no suggestion at all
    silent: float  # off-topic queries correctly given no suggestion
    overall: float  # share of all queries answered right: correct top-1, or silence off-topic


def guess_language(text: str) -> str:
    """es or en from function words (sets without a ``lang`` field; ties go to es)."""
    ws = words(text)
    return "en" if sum(w in _ENGLISH for w in ws) > sum(w in _SPANISH for w in ws) else "es"


def load_queries(path: Path) -> list[Query]:
    raw = yaml.safe_load(path.read_text("utf-8"))["queries"]
    return [Query(str(q["q"]), frozenset(q.get("expect") or ()),
                  str(q.get("lang") or guess_language(str(q["q"])))) for q in raw]


def evaluate(results: Sequence[list[tuple[str, float]]], queries: Sequence[Query],
             threshold: float) -> Figures:
    on = off = hit1 = hit3 = rejected = right = empty = 0
    rr = 0.0
    for ranked, query in zip(results, queries, strict=True):
        kept = [rid for rid, score in ranked if score >= threshold]
        if not query.expect:
            off += 1
            rejected += not kept
            right += not kept
            continue
        on += 1
        empty += not kept
        ranks = [i for i, rid in enumerate(kept[:3]) if rid in query.expect]
        hit1 += bool(ranks and ranks[0] == 0)
        hit3 += bool(ranks)
        rr += 1.0 / (ranks[0] + 1) if ranks else 0.0
        right += bool(ranks and ranks[0] == 0)
    return Figures(on, off, hit1 / max(on, 1), hit3 / max(on, 1), rr / max(on, 1),
                   empty / max(on, 1), rejected / max(off, 1), right / max(len(queries), 1))


def best_threshold(results: Sequence[list[tuple[str, float]]], queries: Sequence[Query]) -> float:
    """The rejection threshold that gives a baseline its highest overall accuracy (an oracle)."""
    candidates = {0.0} | {s for ranked in results for _, s in ranked[:1]}
    return max(sorted(candidates), key=lambda t: evaluate(results, queries, t).overall)


def matcher_ranker(matcher: Matcher) -> Ranker:
    """The matcher's ranking; scores below its own threshold come back as -1 (rejected)."""
    def rank(query: str) -> list[tuple[str, float]]:
        found = matcher.search(query, top=3, min_score=0)
        return [(m.article.id, m.score if m.score >= matcher.min_score else -1.0)
                for m in found]
    return rank


def wratio_ranker(articles: Sequence[Article]) -> Ranker:
    titles = [a.title for a in articles]

    def rank(query: str) -> list[tuple[str, float]]:
        found = process.extract(query, titles, scorer=fuzz.WRatio, limit=3,
                                processor=lambda s: " ".join(words(s)))
        return [(articles[i].id, float(score)) for _, score, i in found]
    return rank


def bm25_ranker(articles: Sequence[Article], stopwords: frozenset[str]) -> Ranker:
    """Okapi BM25 over each article's title, questions, tags and body (folded words)."""
    def tokens(text: str) -> list[str]:
        return [w for w in words(text) if w not in stopwords]

    corpus = [tokens(" ".join([a.title, *a.questions, *a.tags, a.body])) for a in articles]
    bm25 = BM25Okapi(corpus)

    def rank(query: str) -> list[tuple[str, float]]:
        scores = bm25.get_scores(tokens(query))
        order = sorted(range(len(articles)), key=lambda i: -scores[i])[:3]
        return [(articles[i].id, float(scores[i])) for i in order if scores[i] > 0]
    return rank


def pair_of(query: Query, languages: dict[str, str]) -> str:
    """"es->en": the query's language and the expected articles' language(s)."""
    found = sorted({languages[a] for a in query.expect if a in languages})
    return f"{query.lang}->{'+'.join(found) or '?'}"


def report(name: str, queries: list[Query], systems: dict[str, tuple[Ranker, float | None]],
           articles: Sequence[Article], misses: bool = False) -> dict[str, Figures]:
    """Print one set's table (and its per-language-pair top-1); return each system's figures."""
    on = sum(bool(q.expect) for q in queries)
    print(f"\n{name}: {len(queries)} queries ({on} answerable, {len(queries) - on} off-topic)")
    print(f"  {'system':<40} {'top-1':>6} {'top-3':>6} {'MRR':>6} {'unansw':>7} {'silent':>7}"
          f" {'overall':>8}")
    languages = {a.id: a.language for a in articles}
    pairs = sorted({pair_of(q, languages) for q in queries if q.expect})
    per_pair: dict[str, list[str]] = {}
    figures: dict[str, Figures] = {}
    for label, (rank, threshold) in systems.items():
        results = [rank(q.text) for q in queries]
        used = best_threshold(results, queries) if threshold is None else threshold
        f = evaluate(results, queries, used)
        figures[label] = f
        shown = f"{label} (t={used:.3g})" if threshold is None else label
        print(f"  {shown:<40} {f.top1:6.1%} {f.top3:6.1%} {f.mrr:6.3f} {f.unanswered:7.1%}"
              f" {f.silent:7.1%} {f.overall:8.1%}")
        for pair in pairs:
            chosen = [(r, q) for r, q in zip(results, queries, strict=True)
                      if q.expect and pair_of(q, languages) == pair]
            p = evaluate([r for r, _ in chosen], [q for _, q in chosen], used)
            per_pair.setdefault(pair, []).append(f"{p.top1:6.1%}")
        if misses and threshold is not None:
            _misses(queries, results, used)
    if pairs:
        print(f"  top-1 per language pair (query->article): {' / '.join(systems)}")
        for pair, cells in per_pair.items():
            count = sum(1 for q in queries if q.expect and pair_of(q, languages) == pair)
            print(f"    {pair:<10} n={count:<4} " + " ".join(cells))
    return figures


def _misses(queries: Sequence[Query], results: Sequence[list[tuple[str, float]]],
            threshold: float) -> None:
    """Every query the system got wrong, with what it suggested (to read, never to tune on)."""
    for query, ranked in zip(queries, results, strict=True):
        kept = [(rid, s) for rid, s in ranked if s >= threshold]
        right = (not kept) if not query.expect else bool(kept and kept[0][0] in query.expect)
        if not right:
            shown = ", ".join(f"{rid} {s:g}" for rid, s in ranked) or "(nothing)"
            wanted = "/".join(sorted(query.expect)) or "nothing"
            print(f"      miss [{wanted}] {query.text}\n          ranked: {shown}")
