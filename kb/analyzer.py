"""Turns a question or an article phrasing into the tokens the matcher compares.

Steps: fold the text, correct typos against the known vocabulary, replace lexicon phrases and
words by concept tokens, drop stop words and stem what is left (Snowball, es and en). The same
analyser reads the articles (without typo correction) and the questions, so both agree.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

from kb.dictionary import everyday_words, inflection
from kb.lexicon import Lexicon
from kb.text import fold, singular, stem

MIN_CORRECTABLE = 4  # shorter words have too many one-edit neighbours to correct safely
CACHE_LIMIT = 50_000
LONG_WORD = 8


def _max_edits(word: str) -> int:
    """How many typing slips (insert, delete, replace, swap) a correction may undo.

    One slip for short words, two from eight letters on ("contrasela", "sincronisar"). More
    than that turns unrelated words into vocabulary ("contar" is not "conectar").
    """
    return 2 if len(word) >= LONG_WORD else 1


class Analyzer:
    """Lexicon + vocabulary, built once; ``analyze`` is then pure and cached per word."""

    def __init__(self, lexicon: Lexicon, vocabulary: Iterable[str] = ()) -> None:
        self.lexicon = lexicon
        known = lexicon.surface_words() | {w for w in vocabulary if w}
        self._known = frozenset(known)
        # Typos almost never hit the first letter: looking only at words that start like the
        # typed one avoids silly corrections and makes each look-up several times cheaper.
        # Stop words are no targets: "perro" is not a slip of "pero", and a word corrected into
        # a stop word would vanish, leaving the message's one IT word to speak for all of it.
        # Bucketed by length too: a correction undoes at most two slips, so only words within two
        # letters of the typed one can be it (a large knowledge base has thousands per letter).
        self._choices: dict[tuple[str, int], list[str]] = {}
        for w in sorted(known - lexicon.stopwords):
            if len(w) >= MIN_CORRECTABLE - 1:
                self._choices.setdefault((w[0], len(w)), []).append(w)
        self._corrections: dict[str, str] = {}  # every word corrected so far, known ones too
        self._groups: dict[str, tuple[str, ...]] = {}
        self._everyday = everyday_words()
        # Phrases indexed by their first word, longest first: most words start no phrase, so
        # the common case costs one dictionary look-up per word.
        starts: dict[str, list[tuple[int, str]]] = {}
        for phrase in lexicon.phrases:
            parts = phrase.split()
            starts.setdefault(parts[0], []).append((len(parts), phrase))
        self._phrase_starts = {w: sorted(c, reverse=True) for w, c in starts.items()}

    def correct(self, word: str) -> str:
        """The vocabulary word ``word`` was probably meant to be (itself when known)."""
        fixed = self._corrections.get(word)
        if fixed is None:
            known = (len(word) < MIN_CORRECTABLE or word in self._known or word.isdigit()
                     or self.lexicon.lookup(word) is not None)
            fixed = word if known else self._nearest(word)
            if len(self._corrections) < CACHE_LIMIT:
                self._corrections[word] = fixed
        return fixed

    def _nearest(self, word: str) -> str:
        """An unknown word's correction: its singular, or the nearest known spelling."""
        fixed = word
        base = singular(word)
        if base in self._known:
            fixed = base
        else:
            edits = _max_edits(word)
            # A real word is only ever turned into one of its own inflections ("stole" ->
            # "stolen"), so only those compete: a nearer-sorted neighbour ("store") must not
            # hide the inflection the vocabulary has.
            everyday = word in self._everyday
            choices = self._near(word, edits, word if everyday else None)
            best = process.extractOne(word, choices, scorer=OSA.distance, score_cutoff=edits)
            if best is not None and best[1] > 1 and len(best[0]) < LONG_WORD:
                # two slips only between long words: "contract" is not a typo of "contra"
                best = process.extractOne(word, self._near(word, 1, word if everyday else None),
                                          scorer=OSA.distance, score_cutoff=1)
            if best is not None:
                fixed = best[0]
        return fixed

    def _near(self, word: str, edits: int, inflected: str | None = None) -> list[str]:
        """Known words that start like ``word`` and are at most ``edits`` letters longer or
        shorter, in a stable order (shortest first, then alphabetical); only inflections of
        ``inflected`` when it is given."""
        return [w for size in range(len(word) - edits, len(word) + edits + 1)
                for w in self._choices.get((word[0], size), ())
                if inflected is None or inflection(inflected, w)]

    def analyze(self, text: str, *, correct: bool = True) -> list[str]:
        """Concept tokens and plain content words of ``text``, in order, stop words removed."""
        return [token for group in self.analyze_words(text, correct=correct) for token in group]

    def analyze_words(self, text: str, *, correct: bool = True) -> list[tuple[str, ...]]:
        """The tokens of ``text`` grouped by the word they come from, in order.

        A word with several meanings ("office": the building or the suite) gives one group of
        several concept tokens, so the matcher can count that word once however many concepts
        it stands for. A lexicon phrase gives one group per concept it names ("windows update"
        is about Windows and about updates), a plain word a group of one.
        """
        return self.analyze_folded(fold(text).split(), correct=correct)

    def analyze_folded(self, tokens: list[str], *, correct: bool = True
                       ) -> list[tuple[str, ...]]:
        """``analyze_words`` for a text already folded into words (``kb.text.words``)."""
        if correct:
            # the words already seen straight from the cache, without a call each
            seen = self._corrections.get
            tokens = [seen(w) or self.correct(w) for w in tokens]
        out: list[tuple[str, ...]] = []
        phrases, starts = self.lexicon.phrases, self._phrase_starts
        groups = self._groups.get
        i = 0
        while i < len(tokens):
            for size, phrase in starts.get(tokens[i], ()):
                if " ".join(tokens[i:i + size]) == phrase:
                    out.extend(phrases[phrase])
                    i += size
                    break
            else:
                group = groups(tokens[i])
                if group is None:
                    group = self._word(tokens[i])
                if group:
                    out.append(group)
                i += 1
        return out

    def _word(self, word: str) -> tuple[str, ...]:
        """The tokens of one word that starts no phrase (remembered: words recur)."""
        group = self._word_tokens(word)
        if len(self._groups) < CACHE_LIMIT:
            self._groups[word] = group
        return group

    def _word_tokens(self, word: str) -> tuple[str, ...]:
        if word in self.lexicon.stopwords:
            return ()
        concepts = None if word in self.lexicon.common else self.lexicon.lookup(word)
        if concepts is not None:
            return concepts
        if len(word) > 1 and not (word.isdigit() and len(word) < 3):
            return (stem(word),)
        return ()
