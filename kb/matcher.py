"""Finds the articles that answer a free-text question, in either language, despite typos.

Built once from the loaded articles (indices, IDF weights, typo vocabulary); ``search`` does no
I/O. A question is analysed into concept tokens and Snowball stems (``kb/analyzer.py``), an
inverted index shortlists the articles that share a token with it (title, questions, tags, body
or learned messages), and each shortlisted article is scored from four signals:

* phrasing recall: how much (IDF-weighted) of the article's best title/question the message
  contains, so a long rambling message still matches a short phrasing;
* question coverage: how much of the message the article accounts for, so an article that only
  shares a common word ("problem", "new") scores low. Each message word counts once, however
  many concepts it stands for ("office" is the building and the suite), so a double-meaning
  word does not weigh twice;
* a rapidfuzz similarity between the analysed message and the best phrasing;
* BM25F over all the article's fields (``kb/bm25.py``), so repetition and focus count and an
  article without questions is found through its body.

An article without written questions (a plain import: a title and a body) also offers its
body's sentences, list items and headings as phrasings (``kb.signals.passages``), each counting
``PASSAGE_FACTOR`` of a question: a message that paraphrases one step of a how-to finds it, and
calibration sees such articles found as well as they can be, so rejection does not fall to the
noise floor on a knowledge base of plain articles.

A word of a grouping concept ("citrix" in RDP, ``kb/lexicon.py``) carries an item token beside its
concept token. Phrasing recall and coverage count it, so the article naming the same product
leads its sibling about another product of the group, whatever their languages; a message word
naming the concept itself ("vpn") reaches every item of it in a phrasing. BM25F reads only the
concepts, so one incidental product name does not outweigh the message's topic.

Learned phrasings (messages an article turned out to answer, ``set_learned``) count like the
article's own questions. The threshold below which nothing is suggested is calibrated on the
articles themselves (``kb/calibration.py``) unless a fixed ``min_score`` is given.

When an article accounts for only one of the message's words and the message also has words no
article knows ("can i bring my dog to the office"), the score is scaled down by how little of
the message that one word is (``kb.signals.evidence``). The score is 0-100; below ``min_score`` the
matcher honestly suggests nothing. When the message's language is clear and an article has a
twin in the other language (the same answer, found as each other's closest article across
languages), the twin in the asker's language is ranked first when it trails by at most
``SAME_LANGUAGE_MARGIN`` points. Other articles are never reordered by language, so a better
answer that only exists in the other language still leads.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from kb.analyzer import Analyzer
from kb.article import Article
from kb.bm25 import FieldBM25
from kb.calibration import DEFAULT_SCORE, calibrate
from kb.language import LanguageGuesser
from kb.lexicon import Lexicon, is_item_token
from kb.signals import NearStems, evidence, is_code, passages, unique_groups
from kb.text import words
from kb.twins import twins

SHORTLIST = 40
_ARRAY_POSTINGS = 400  # articles a message's tokens touch past which the shortlist adds in numpy
BODY_WORD = 6  # least length of a body word that typos are corrected towards
UNKNOWN_WEIGHT = 1.5  # IDF given to a message word no article knows (off-topic or filler)
W_RECALL, W_COVERAGE, W_FUZZY, W_BM25 = 0.35, 0.30, 0.10, 0.25
FIELD_WEIGHTS = {"title": 3.0, "question": 2.0, "tags": 2.0, "body": 1.0}  # BM25F
BODY_FACTOR = 0.5  # a message word found only in an article's body counts half
PASSAGE_FACTOR = 0.8  # a body sentence matched as a phrasing counts this much of a question
PASSAGE_TOKENS = 3  # least tokens of a body sentence used as a phrasing ("Red X." says too little)
SAME_LANGUAGE_MARGIN = 10.0  # points a twin in the asker's language may trail and still lead

# Ceilings of the signals, to skip the costly ones for an article that cannot reach the threshold
# whatever they turn out to be (see ``_ceiling``). rapidfuzz scores at most 100, so the fuzzy term
# is at most this very expression; recall is a share of the phrasing's own weight (the slack covers
# summing the same weights in another order); BM25F's focus is below 1 (each word's term is its
# idf * (K1 + 1) times tf / (tf + norm) < 1, the best an article could get).
_FUZZY_MAX = W_FUZZY * 100.0 / 100.0
_VALUE_MAX = W_RECALL * (1.0 + 1e-9) + _FUZZY_MAX
_FOCUS_MAX = 1.0


@dataclass(frozen=True)
class Match:
    article: Article
    score: float
    field: str  # "title", "question", "tags", "learned", "passage" or "body": what matched best
    matched: str  # that phrasing's text


@dataclass(frozen=True)
class _Field:
    article: int
    kind: str
    text: str
    tokens: frozenset[str]
    weight: float
    analysed: str


@dataclass(frozen=True)
class _Phrasings:
    """One article's phrasings as ``_rank`` reads them, prepared once instead of per message.

    Column by column, in the order ``_fields`` (then its learned messages) lists them, which
    decides which of two equally good phrasings is reported. ``texts`` are their distinct
    analysed texts (a title and a question often analyse alike), so rapidfuzz compares each
    once; ``slots`` give each phrasing's place there. ``tokens`` is every token of every
    phrasing: a message sharing none has no recall on any of them. ``where`` names, for each
    of those tokens, the phrasings that have it, so a message's few tokens find the phrasings
    they share instead of every phrasing being intersected with the message.
    """

    fields: tuple[_Field, ...]
    weighed: tuple[tuple[frozenset[str], float], ...]  # each phrasing's tokens and weight
    slots: tuple[int, ...]
    passages: tuple[bool, ...] | None  # which are body passages; None when none is
    texts: tuple[str, ...]
    tokens: frozenset[str]
    where: Mapping[str, tuple[int, ...]]

    @classmethod
    def of(cls, fields: Iterable[_Field]) -> _Phrasings:
        fields = tuple(fields)
        texts: dict[str, int] = {}
        slots = tuple(texts.setdefault(f.analysed, len(texts)) for f in fields)
        passages = tuple(f.kind == "passage" for f in fields)
        where: dict[str, list[int]] = {}
        for number, f in enumerate(fields):
            for token in f.tokens:
                where.setdefault(token, []).append(number)
        return cls(fields, tuple((f.tokens, f.weight) for f in fields), slots,
                   passages if any(passages) else None, tuple(texts),
                   frozenset(where), {t: tuple(n) for t, n in where.items()})


def _ceiling(value: float, coverage: float, factor: float, focus: float = _FOCUS_MAX) -> float:
    """Above the score an article could get with phrasing value at most ``value`` and BM25F
    focus at most ``focus`` (by default whatever its focus): the final formula of ``_rank``
    before rounding to a tenth, plus the most that rounding adds. Each rounded operation is
    monotonic, so a score computed from smaller terms never exceeds it."""
    return 100.0 * min(value + W_COVERAGE * coverage + W_BM25 * focus, 1.0) * factor + 0.1


def _recalls(phrasings: _Phrasings, reach: frozenset[str], weight_of: Mapping[str, float]
             ) -> tuple[list[float], float]:
    """``W_RECALL`` times each phrasing's recall (the weight of the message tokens, and the
    items they reach, it has, over the phrasing's own weight), and the best of them.

    Only the phrasings that share a token are visited, through ``where``. The shared weights
    are summed in the order of the set ``reach & tokens``, as the full computation does: one
    or two terms give the same sum in any order, three or more are summed over that set.
    """
    sums: dict[int, float] = {}
    counts: dict[int, int] = {}
    where = phrasings.where
    for token in reach & phrasings.tokens:
        weight = weight_of[token]
        for number in where[token]:
            if number in sums:
                sums[number] += weight
                counts[number] += 1
            else:
                sums[number] = weight
                counts[number] = 1
    recalls = [0.0] * len(phrasings.fields)
    top = 0.0
    weighed = phrasings.weighed
    for number, total in sums.items():
        field_tokens, weight = weighed[number]
        if weight:
            if counts[number] > 2:
                total = sum(map(weight_of.__getitem__, reach & field_tokens))
            recall = recalls[number] = W_RECALL * (total / weight)
            if recall > top:
                top = recall
    return recalls, top


def _named(group: frozenset[str]) -> list[str]:
    """The concepts a word names as such: those it reaches without naming one of their items
    ("vpn" names VPN; "globalprotect" names one thing of it)."""
    items = {t.split(":", 1)[0] for t in group if is_item_token(t)}
    return [t for t in group if t.startswith("#") and not is_item_token(t) and t not in items]


class Matcher:
    """Bilingual fuzzy FAQ matcher over a fixed list of articles."""

    def __init__(
        self,
        articles: Iterable[Article],
        *,
        min_score: float | None = None,
        lexicon: Lexicon | None = None,
    ) -> None:
        self.articles: tuple[Article, ...] = tuple(articles)
        self.lexicon = lexicon or Lexicon.load()
        vocabulary: set[str] = set()
        for article in self.articles:
            for text in (*article.phrasings, *article.tags):
                vocabulary.update(words(text))
            # body words too (long ones: short ones are too close to everyday words), so an
            # article without questions still has its own words to correct typos towards
            vocabulary.update(w for w in words(article.body) if len(w) >= BODY_WORD)
        self.analyzer = Analyzer(self.lexicon, vocabulary)
        self._learned: dict[int, list[_Field]] = {}
        self._learned_postings: dict[str, list[int]] = {}
        self._learned_postings_of: dict[str, tuple[int, ...]] = {}
        self.learned_version: object = None
        self._build()
        self.calibration = calibrate(self) if self.articles else None
        self.min_score = (float(min_score) if min_score is not None
                          else self.calibration.threshold if self.calibration else DEFAULT_SCORE)

    def _build(self) -> None:
        raw_fields: list[tuple[int, str, str, list[str]]] = []
        bags: list[frozenset[str]] = []
        bodies: list[frozenset[str]] = []
        body_tokens: list[list[str]] = []
        passage_fields: list[tuple[int, str, str, list[str]]] = []
        for index, article in enumerate(self.articles):
            bag: set[str] = set()
            entries = [("title", article.title)]
            entries += [("question", q) for q in article.questions]
            entries.append(("tags", ", ".join(article.tags)))
            for kind, text in entries:
                tokens = self.analyzer.analyze(text, correct=False)
                bag.update(tokens)
                if tokens:
                    raw_fields.append((index, kind, text, tokens))
            bags.append(frozenset(bag))
            if not article.questions:  # with written questions, its sentences added nothing
                for sentence in passages(article.body):
                    tokens = self.analyzer.analyze(sentence, correct=False)
                    if len(set(tokens)) >= PASSAGE_TOKENS:
                        passage_fields.append((index, "passage", sentence, tokens))
            body_tokens.append(self.analyzer.analyze(article.body, correct=False))
            bodies.append(frozenset(body_tokens[-1]) - bag)
        total = max(len(self.articles), 1)
        self._idf = self._weights(bags, total)
        self._body_idf = self._weights(bodies, total)
        self._bodies = bodies
        self._bags = bags
        documents: list[list[tuple[Sequence[str], float]]] = [[] for _ in self.articles]
        for i, kind, _text, toks in raw_fields:
            documents[i].append((toks, FIELD_WEIGHTS[kind]))
        for i, words_of_body in enumerate(body_tokens):
            documents[i].append((words_of_body, FIELD_WEIGHTS["body"]))
        self._bm25 = FieldBM25(documents)
        self._fields = [
            _Field(i, kind, text, frozenset(toks), sum(self._token_weight(t) for t in set(toks)),
                   " ".join(sorted(set(toks))))
            for i, kind, text, toks in (*raw_fields, *passage_fields)
        ]
        by_article: list[list[int]] = [[] for _ in self.articles]
        for number, field in enumerate(self._fields):
            by_article[field.article].append(number)
        self._article_fields = by_article
        self._phrasings = [_Phrasings.of(self._fields[f] for f in numbers)
                           for numbers in by_article]
        postings: dict[str, list[int]] = {}
        for index, article_bag in enumerate(bags):
            for token in article_bag:
                postings.setdefault(token, []).append(index)
        self._postings = {t: np.asarray(ids, dtype=np.int64) for t, ids in postings.items()}
        body_postings: dict[str, list[int]] = {}
        for index, body in enumerate(bodies):
            for token in body:
                body_postings.setdefault(token, []).append(index)
        self._body_postings = {
            t: np.asarray(ids, dtype=np.int64) for t, ids in body_postings.items()
        }
        self._postings_of = {t: tuple(ids) for t, ids in postings.items()}
        self._body_postings_of = {t: tuple(ids) for t, ids in body_postings.items()}
        self._languages = LanguageGuesser(self.articles)
        # Twins are translations of one answer: two articles about the same product (Citrix
        # slow, Citrix won't start) share its item token without being the same answer.
        self._twins = twins(self.articles,
                            [frozenset(t for t in b if not is_item_token(t)) for b in bags],
                            self._postings)
        self._index = {article.id: i for i, article in enumerate(self.articles)}
        self._title_tokens = [
            frozenset(t for f in fs if self._fields[f].kind == "title"
                      for t in self._fields[f].tokens)
            for fs in by_article
        ]
        self._learned_bags: dict[int, frozenset[str]] = {}
        self._learned_phrasings: dict[int, _Phrasings] = {}
        self._phrase_bags: dict[int, frozenset[str]] = {}
        items: dict[str, set[str]] = {}
        for token in (*self._idf, *self._body_idf):
            if is_item_token(token):
                items.setdefault(token.split(":", 1)[0], set()).add(token)
        self._items = {concept: frozenset(found) for concept, found in items.items()}
        self._spellings = NearStems(t for t in (*self._idf, *self._body_idf)
                                    if not t.startswith("#"))

    @staticmethod
    def _weights(bags: Sequence[frozenset[str]], total: int) -> dict[str, float]:
        """IDF of every token over ``bags`` (one set of tokens per article)."""
        df: dict[str, int] = {}
        for bag in bags:
            for token in bag:
                df[token] = df.get(token, 0) + 1
        return {t: 1.0 + math.log(total / n) for t, n in df.items()}

    def search(
        self, query: str, top: int = 3, min_score: float | None = None
    ) -> list[Match]:
        """Best articles for ``query``, best first, none below the threshold."""
        threshold = self.min_score if min_score is None else float(min_score)
        if top <= 0 or not self.articles:
            return []
        folded = words(query)  # one folding for the analysis and the language guess
        results = self._rank(query, threshold, folded=folded)
        if not results:  # nothing to order by language ("hola", "gracias", off-topic)
            return results
        language = self._languages.guess_words(folded)
        results.sort(key=lambda m: (-m.score, m.article.language != language, m.article.id))
        if language is not None:
            results = self._prefer_language(results, language)
        return results[:top]

    def _rank(self, query: str, threshold: float, hide: int | None = None,
              folded: list[str] | None = None) -> list[Match]:
        """Every shortlisted article scoring ``threshold`` or more, unsorted.

        ``hide`` scores as if that article had no title (calibration asks how an article is
        found from its title when the title itself is not there to match). ``folded``: the
        query's ``kb.text.words``, when the caller has them already.

        This runs for every message a desk answers, so the signals are taken cheapest first:
        coverage, then each phrasing's recall, then BM25F, each only for the articles whose
        score could still reach ``threshold`` whatever the signals still to come turn out to be
        (``_ceiling``), and the costliest, rapidfuzz over the phrasings, last, for the articles
        whose score could reach it with the best fuzzy similarity. Every value is computed by
        the same expressions, with sums in the same order, as scoring every phrasing of every
        candidate in full, so the scores, and the phrasing reported, are exactly those.
        """
        groups = unique_groups(
            # a one-token word no article uses may be a near spelling of one
            (self._spellings.nearest(g[0]),) if len(g) == 1 and not self._knows(g) else g
            for g in (self.analyzer.analyze_words(query) if folded is None
                      else self.analyzer.analyze_folded(folded))
        )
        tokens = frozenset(t for g in groups for t in g)
        if not self._knows(tokens):
            return []
        candidates = self._shortlist(tokens)
        token_weight = self._token_weight
        weights = [max(token_weight(t) for t in g) for g in groups]
        q_weight = sum(weights)
        unknown = sum(
            w for g, w in zip(groups, weights, strict=True)
            if not self._knows(g) and not is_code(g)
        )
        q_text = " ".join(sorted(tokens))
        # A word naming a grouping concept itself ("cel", "vpn") is met by a phrasing that names
        # one of its things ("android", "globalprotect"); a word naming one thing is not met by
        # a phrasing naming another ("citrix" against "escritorio virtual").
        reach = tokens.union(*(self._items.get(t, ()) for g in groups for t in _named(g)))
        reach_weight = {t: token_weight(t) for t in reach}
        # each message word's tokens, with the weight they carry in a phrasing and in a body
        weighted = [tuple((t, w, BODY_FACTOR * w) for t in g for w in (token_weight(t),))
                    for g in groups]

        # Coverage and phrasing recall of every candidate, then its BM25F focus; the phrasings'
        # texts of those that can still reach the threshold go to rapidfuzz together.
        kept: list[tuple[int, float, float, float, _Phrasings, list[float] | None, int]] = []
        texts: list[str] = []
        bm25_query = None
        for article, coverage, factor in self._coverage(candidates, weighted, q_weight, unknown,
                                                        hide):
            if _ceiling(_VALUE_MAX, coverage, factor) < threshold:
                continue
            phrasings = self._learned_phrasings.get(article) or self._phrasings[article]
            if article == hide:  # its title is not there to match
                phrasings = _Phrasings.of(f for f in phrasings.fields if f.kind != "title")
            if reach.isdisjoint(phrasings.tokens):
                recalls = None  # no phrasing shares a token: every recall is 0.0
                top = 0.0
            else:
                recalls, top = _recalls(phrasings, reach, reach_weight)
            if _ceiling(top + _FUZZY_MAX, coverage, factor) < threshold:
                continue
            if bm25_query is None:
                # BM25F reads each word by its concepts only: an item's rarity would otherwise
                # make one incidental product name ("... when I open chrome") outweigh the
                # message's topic.
                bm25_query = self._bm25.query(
                    [frozenset(t for t in g if not is_item_token(t)) or g for g in groups])
            focus = self._bm25.score(article, bm25_query)
            # with the best phrasing value the article could have: below the threshold,
            # rapidfuzz need not compare its phrasings at all
            if _ceiling(top + _FUZZY_MAX, coverage, factor, focus) < threshold:
                continue
            kept.append((article, coverage, factor, focus, phrasings, recalls, len(texts)))
            texts.extend(phrasings.texts)
        if not kept:
            return []
        fuzzy: list[float] = []
        if texts:
            scores = process.cdist([q_text], texts, scorer=fuzz.token_set_ratio, workers=1)[0]
            # W_FUZZY * score / 100.0 in doubles, as Python floats (round() must not see numpy's)
            fuzzy = (W_FUZZY * scores.astype(np.float64) / 100.0).tolist()

        results: list[Match] = []
        for article, coverage, factor, focus, phrasings, recalls, offset in kept:
            # each phrasing's W_RECALL * recall + W_FUZZY * fuzzy (0.0 + x is x), a passage's
            # times PASSAGE_FACTOR; the first of equally good phrasings is the one reported
            fz = fuzzy[offset:offset + len(phrasings.texts)]
            values = ([fz[slot] for slot in phrasings.slots] if recalls is None
                      else [r + fz[slot] for r, slot in zip(recalls, phrasings.slots, strict=True)])
            if phrasings.passages:
                values = [v * PASSAGE_FACTOR if passage else v
                          for v, passage in zip(values, phrasings.passages, strict=True)]
            value, matched = 0.0, None
            if values:
                value = max(values)
                matched = phrasings.fields[values.index(value)]
            base = min(value + W_COVERAGE * coverage + W_BM25 * focus, 1.0)
            score = round(100.0 * base * factor, 1)
            if score >= threshold:
                kind, text = (matched.kind, matched.text) if matched else ("body", "")
                results.append(Match(self.articles[article], score, kind, text))
        return results

    def _coverage(self, articles: Iterable[int],
                  weighted: Sequence[tuple[tuple[str, float, float], ...]], q_weight: float,
                  unknown: float, hide: int | None) -> list[tuple[int, float, float]]:
        """Each article with how much of the message it accounts for (0-1), and the share of
        the score it keeps (``kb.signals.evidence``).

        Each message word counts its best concept, once. A word found in a phrasing (title,
        question, tag, learned message) counts fully, one found only in the body counts
        ``BODY_FACTOR``: the body explains the answer, not the question, but an article without
        questions has little else to be found by. ``weighted`` holds each word's tokens with
        both weights; ``hide`` moves that article's title words to its body. All candidates in
        one call: this runs for every shortlisted article of every message.
        """
        out: list[tuple[int, float, float]] = []
        phrase_bags, bags, bodies = self._phrase_bags, self._bags, self._bodies
        for article in articles:
            bag = phrase_bags.get(article) or bags[article]
            body = bodies[article]
            if article == hide and (hidden := self._title_tokens[article]):
                bag = (bags[article] - hidden) | self._learned_bags.get(article, frozenset())
                body = body | hidden
            explained = 0.0  # the words' sum, in their order (as sum() over them adds)
            matched = 0
            for group in weighted:
                best = 0.0  # every weight is positive: max(..., default=0.0)
                for token, weight, in_body in group:
                    if token in bag:
                        here = weight
                    elif token in body:
                        here = in_body
                    else:
                        continue
                    if here > best:
                        best = here
                explained += best
                matched += best > 0
            out.append((article, explained / q_weight, evidence(explained, unknown, matched)))
        return out

    def _knows(self, tokens: Iterable[str]) -> bool:
        """Whether any article (phrasing, body or learned message) uses any of these tokens
        (a word's, or a whole message's) at all."""
        idf, body_idf, learned = self._idf, self._body_idf, self._learned_postings
        return any(t in idf or t in body_idf or t in learned for t in tokens)

    def _prefer_language(self, results: list[Match], language: str) -> list[Match]:
        """Lift an article in ``language`` to tie with its close twin; then it wins the tie."""
        index = self._index
        scores = {index[m.article.id]: m.score for m in results}
        lifted: dict[int, float] = {}
        for m in results:
            i = index[m.article.id]
            twin = self._twins.get(i)
            if (
                m.article.language == language
                and twin in scores
                and 0 < scores[twin] - m.score <= SAME_LANGUAGE_MARGIN
            ):
                lifted[i] = scores[twin]
        return sorted(results, key=lambda m: (
            -lifted.get(index[m.article.id], m.score),
            m.article.language != language, -m.score, m.article.id,
        ))

    def _token_weight(self, token: str) -> float:
        return self._idf.get(token) or self._body_idf.get(token) or UNKNOWN_WEIGHT

    def set_learned(self, phrasings: Mapping[str, Sequence[str]], version: object = None) -> None:
        """Replace the learned phrasings: messages employees confirmed an article answered.

        They count like the article's own questions from the next search on. Only this small
        overlay is rebuilt, so a desk can refresh it whenever its store says it changed.
        """
        learned: dict[int, list[_Field]] = {}
        postings: dict[str, list[int]] = {}
        for article_id, texts in phrasings.items():
            index = self._index.get(article_id)
            if index is None:
                continue
            for text in texts:
                toks = frozenset(self.analyzer.analyze(text))
                if not toks:
                    continue
                weight = sum(self._token_weight(t) for t in toks)
                learned.setdefault(index, []).append(
                    _Field(index, "learned", text, toks, weight, " ".join(sorted(toks))))
                for token in toks:
                    postings.setdefault(token, []).append(index)
        self._learned = learned
        self._learned_bags = {i: frozenset(t for f in fs for t in f.tokens)
                              for i, fs in learned.items()}
        # what ``_rank`` reads for an article with learned messages: its phrasings followed by
        # them, and its phrasing tokens with theirs (both count fully)
        self._learned_phrasings = {
            i: _Phrasings.of((*(self._fields[f] for f in self._article_fields[i]), *fs))
            for i, fs in learned.items()
        }
        self._phrase_bags = {i: self._bags[i] | bag for i, bag in self._learned_bags.items()}
        self._learned_postings = postings
        # each article once per token, as the shortlist adds a token's weight to it
        self._learned_postings_of = {t: tuple(dict.fromkeys(ids)) for t, ids in postings.items()}
        self.learned_version = version

    def _shortlist(self, tokens: Iterable[str]) -> list[int]:
        """Articles sharing the most IDF weight with the message (inverted index).

        A message's few tokens usually touch a few dozen articles: plain dictionaries add their
        weights for less than an array over every article costs. A token common in a large
        knowledge base touches thousands, which an array adds faster: past ``_ARRAY_POSTINGS``
        in all, the array. Either adds each article's weights in the same order, and the
        shortlist is the same, in ascending article order.
        """
        tokens = tuple(tokens)
        postings, body_postings = self._postings_of, self._body_postings_of
        learned_postings = self._learned_postings_of
        empty: tuple[int, ...] = ()
        touched = sum(len(postings.get(t, empty)) + len(body_postings.get(t, empty))
                      + len(learned_postings.get(t, empty)) for t in tokens)
        if touched > _ARRAY_POSTINGS:
            weights = np.zeros(len(self.articles))
            for token in tokens:
                if token in postings:
                    weights[self._postings[token]] += self._idf[token]
                if token in body_postings:
                    weights[self._body_postings[token]] += BODY_FACTOR * self._token_weight(token)
                if token in learned_postings:
                    weights[self._learned_postings[token]] += self._token_weight(token)
            hits = np.flatnonzero(weights)
            if len(hits) > SHORTLIST:
                hits = hits[np.argpartition(-weights[hits], SHORTLIST)[:SHORTLIST]]
            return [int(i) for i in hits]
        scores: dict[int, float] = {}
        get = scores.get
        for token in tokens:
            ids = postings.get(token)
            if ids is not None:
                weight = self._idf[token]
                for i in ids:
                    scores[i] = get(i, 0.0) + weight
            ids = body_postings.get(token)
            if ids is not None:
                weight = BODY_FACTOR * self._token_weight(token)
                for i in ids:
                    scores[i] = get(i, 0.0) + weight
            ids = learned_postings.get(token)
            if ids is not None:
                weight = self._token_weight(token)
                for i in ids:
                    scores[i] = get(i, 0.0) + weight
        found = sorted(i for i, score in scores.items() if score)
        if len(found) <= SHORTLIST:
            return found
        ranked = np.asarray(found, dtype=np.int64)
        weights = np.asarray([scores[i] for i in found], dtype=np.float64)
        return [int(i) for i in ranked[np.argpartition(-weights, SHORTLIST)[:SHORTLIST]]]
