"""The bilingual concept lexicon and the stop words, read from ``kb/data/*.yml``.

Spanish and English words for the same thing are mapped to one concept token ("#password"), so
that matching happens between meanings and a question finds an article written in the other
language. The data lives in YAML so the desk can extend it without touching code.
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


@dataclass(frozen=True)
class Lexicon:
    words: Mapping[str, tuple[str, ...]]  # exact folded word -> concept tokens
    prefixes: Mapping[str, tuple[str, ...]]  # folded prefix ("imprim") -> concept tokens
    phrases: Mapping[str, tuple[str, ...]]  # folded phrase -> concept tokens (() = filler)
    stopwords: frozenset[str]
    common: frozenset[str] = frozenset()  # everyday words never "corrected" into IT words

    @classmethod
    def from_mappings(
        cls,
        concepts: Mapping[str, Iterable[str]],
        stopwords: Iterable[str],
        common: Iterable[str] = (),
    ) -> Lexicon:
        words: dict[str, list[str]] = {}
        prefixes: dict[str, list[str]] = {}
        phrases: dict[str, list[str]] = {}
        for name, entries in concepts.items():
            token = concept_token(name)
            for raw in entries:
                entry = str(raw).strip()
                star = entry.endswith("*")
                folded = fold(entry)
                if not folded:
                    continue
                if " " in folded:
                    target = phrases
                elif star and len(folded) >= MIN_PREFIX:
                    target = prefixes
                else:
                    target = words
                bucket = target.setdefault(folded, [])
                if token not in bucket:
                    bucket.append(token)
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
