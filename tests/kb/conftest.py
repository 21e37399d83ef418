"""Fixtures for the knowledge-base tests: the real KB's matcher and tiny article folders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kb.loader import load_articles
from kb.matcher import Matcher

ROOT = Path(__file__).resolve().parents[2]
KB_DIR = ROOT / "kb" / "articles"


@pytest.fixture(scope="session")
def articles():
    return load_articles(KB_DIR)


@pytest.fixture(scope="session")
def matcher(articles) -> Matcher:
    return Matcher(articles)  # rejection calibrated on the articles, as the desk runs it


def article_text(
    id: str = "sample",
    title: str = "Sample title",
    language: str = "en",
    category: str = "other",
    tags: str = "[sample]",
    questions: str = "\n  - how does the sample work",
    body: str = "Do this, then that.",
) -> str:
    return (
        f"---\nid: {id}\ntitle: {title}\nlanguage: {language}\ncategory: {category}\n"
        f"tags: {tags}\nquestions:{questions}\n---\n{body}\n"
    )


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write one file under a temporary KB folder and return its path."""
    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path
    return _write
