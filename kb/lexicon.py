"""The bilingual concept lexicon and the stop words, read from ``kb/data/*.yml``.

Spanish and English words for the same thing are mapped to one concept token ("#password"), so
that matching happens between meanings and a question finds an article written in the other
language. The data lives in YAML so the desk can extend it without touching code.

Some concepts group different things under one meaning (VPN: forticlient, anyconnect,
globalprotect; CODE: sms, push, token). Folding such a word into its concept alone would lose
which thing was named, and "citrix" would find an article that only says "escritorio remoto" as
well as one about Citrix. In ``lexicon.yml`` such a *grouping* concept writes each thing's
spellings and translations as a nested list, beside the plain entries that name the concept
itself. A nested item also gives its words an *item token* ("#rdp:citrix") beside the concept
token, in the same word group: the concept still meets every member in either language, and the
item token is extra evidence for the article that names the same thing (see the header of
``lexicon.yml`` for when a concept is written this way).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from kb.text import fold

DATA_DIR = Path(__file__).resolve().parent / "data"
MIN_PREFIX = 3


def concept_token(name: str) -> str:
    """The token a concept becomes in analysed text; '#' keeps it apart from plain words."""
    return "#" + name.lower()


def item_token(concept: str, first_entry: str) -> str:
    """The token of one item of a grouping concept ("#rdp:citrix"), named by its first entry."""
    return f"{concept}:{fold(first_entry.rstrip('*')).replace(' ', '_')}"


def is_item_token(token: str) -> bool:
    """Whether ``token`` names one item of a grouping concept rather than the concept."""
    return token.startswith("#") and ":" in token


def _items(entries: Iterable[object]) -> list[tuple[list[str], bool]]:
    """A concept's entries as items: each a list of spellings, and whether it is one grouped
    thing (a nested list, which gets an item token) or names the concept itself (plain)."""
    return [([str(x) for x in e], True) if isinstance(e, list) else ([str(e)], False)
            for e in entries]


@dataclass(frozen=True)
class Lexicon:
    words: Mapping[str, tuple[str, ...]]  # exact folded word -> concept (and item) tokens
    prefixes: Mapping[str, tuple[str, ...]]  # folded prefix ("imprim") -> concept (and item) tokens
    # folded phrase -> one token group per concept it names (() = filler)
    phrases: Mapping[str, tuple[tuple[str, ...], ...]]
    stopwords: frozenset[str]
    common: frozenset[str] = frozenset()  # everyday words never "corrected" into IT words

    @classmethod
    def from_mappings(
        cls,
        concepts: Mapping[str, Iterable[object]],
        stopwords: Iterable[str],
        common: Iterable[str] = (),
    ) -> Lexicon:
        words: dict[str, list[str]] = {}
        prefixes: dict[str, list[str]] = {}
        phrases: dict[str, list[tuple[str, ...]]] = {}
        for name, entries in concepts.items():
            token = concept_token(name)
            for item, thing in _items(entries):
                group = (token, item_token(token, item[0])) if thing and item else (token,)
                for raw in item:
                    entry = raw.strip()
                    star = entry.endswith("*")
                    folded = fold(entry)
                    if not folded:
                        continue
                    if " " in folded:
                        found = phrases.setdefault(folded, [])
                        if group not in found:
                            found.append(group)
                        continue
                    target = prefixes if star and len(folded) >= MIN_PREFIX else words
                    bucket = target.setdefault(folded, [])
                    bucket.extend(t for t in group if t not in bucket)
        stop: set[str] = set()
        for raw in stopwords:
            folded = fold(str(raw))
            if " " in folded:
                phrases.setdefault(folded, [])
            elif folded:
                stop.add(folded)
        return cls(
            words={k: tuple(v) for k, v in words.items()},
            prefixes={k: tuple(v) for k, v in prefixes.items()},
            phrases={k: tuple(v) for k, v in phrases.items()},
            stopwords=frozenset(stop - set(words)),
            common=frozenset(fold(str(w)) for w in common) - set(words),
        )

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR) -> Lexicon:
        """Read ``lexicon.yml``, ``stopwords.yml`` and ``common_words.yml`` from ``data_dir``."""
        def read(name: str) -> dict:
            path = data_dir / name
            return yaml.safe_load(path.read_text("utf-8")) or {} if path.exists() else {}

        return cls.from_mappings(
            read("lexicon.yml").get("concepts") or {},
            read("stopwords.yml").get("words") or [],
            read("common_words.yml").get("words") or [],
        )

    def lookup(self, word: str) -> tuple[str, ...] | None:
        """Concepts of a folded word: exact entry first, else the longest matching prefix."""
        hit = self.words.get(word)
        if hit is not None:
            return hit
        for end in range(len(word), MIN_PREFIX - 1, -1):
            hit = self.prefixes.get(word[:end])
            if hit is not None:
                return hit
        return None

    def surface_words(self) -> set[str]:
        """Every whole word the lexicon spells out (targets for typo correction)."""
        found = set(self.words) | self.stopwords | self.common
        for phrase in self.phrases:
            found.update(phrase.split())
        return found
