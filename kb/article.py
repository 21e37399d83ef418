"""The knowledge-base article: one Markdown file, one answer to one problem.

Frozen so that a loaded knowledge base can be shared by every request without copying; the
matcher keeps references to these objects and never needs to write to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Categories an article may declare when config.yml says nothing else (DESIGN.md's list).
DEFAULT_CATEGORIES: tuple[str, ...] = (
    "hardware", "software", "access", "email", "network", "os", "database", "security", "other",
)
#: Languages the desk speaks.
DEFAULT_LANGUAGES: tuple[str, ...] = ("es", "en")


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    language: str
    category: str
    tags: tuple[str, ...]
    questions: tuple[str, ...]
    body: str
    path: Path | None = None

    @property
    def phrasings(self) -> tuple[str, ...]:
        """Every way the article says what it answers: its title first, then its questions."""
        return (self.title, *self.questions)
