"""Reads a folder of Markdown articles and reports every problem with its file and line.

Articles are written by hand by the desk; a mistake should be reported the way a compiler does
(``path:line: message``) so that ``deskbot kb check`` can run in CI and point at the exact line.
All errors of all files are collected in one pass instead of stopping at the first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from kb.article import DEFAULT_CATEGORIES, DEFAULT_LANGUAGES, Article

FENCE = "---"
REQUIRED = ("id", "title", "language", "category")
#: ``tags`` and ``questions`` are optional: many desks import plain articles (a title and a body),
#: and the matcher finds those from their title and body alone.
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class LoadError:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class KnowledgeBaseError(ValueError):
    """The knowledge base has invalid articles; ``errors`` lists every one of them."""

    def __init__(self, errors: list[LoadError]) -> None:
        self.errors = errors
        shown = "\n".join(str(e) for e in errors[:20])
        more = f"\n... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} error(s) in the knowledge base:\n{shown}{more}")


def _split_front_matter(path: Path, text: str) -> tuple[str, str, int] | LoadError:
    """(front matter, body, line number of the body's first line) or why it cannot be split."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != FENCE:
        return LoadError(path, 1, "missing front matter: the file must start with '---'")
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == FENCE:
            return "\n".join(lines[1:number - 1]), "\n".join(lines[number:]), number + 1
    return LoadError(path, 1, "front matter is not closed by a '---' line")


def _string_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def parse_article(
    path: Path,
    text: str,
    categories: Iterable[str] = DEFAULT_CATEGORIES,
    languages: Iterable[str] = DEFAULT_LANGUAGES,
    *,
    lenient: bool = False,
) -> tuple[Article | None, list[LoadError], int]:
    """One file's article (None when invalid), its errors, and the line of its ``id``.

    ``lenient`` still reports every error but keeps an article that only lacks optional detail
    (tags, questions, a known category or language, a body): searching someone else's folder
    should find what it can, while ``kb check`` stays strict.
    """
    split = _split_front_matter(path, text)
    if isinstance(split, LoadError):
        return None, [split], 1
    front, body, _body_line = split
    try:
        node = yaml.compose(front)
        data = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [LoadError(path, line, f"bad front matter: {problem}")], 1
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        return None, [LoadError(path, 2, "bad front matter: expected 'key: value' lines")], 1
    key_lines = {k.value: k.start_mark.line + 2 for k, _ in node.value if hasattr(k, "value")}
    value_lines = {k.value: v.start_mark.line + 2 for k, v in node.value if hasattr(k, "value")}
    errors: list[LoadError] = []
    closing_line = front.count("\n") + 3 if front else 2
    for key in REQUIRED:
        if data.get(key) in (None, ""):
            where = key_lines.get(key, closing_line)
            errors.append(LoadError(path, where, f"missing field '{key}'"))
    for key in ("id", "title", "language", "category"):
        value = data.get(key)
        if value not in (None, "") and not isinstance(value, str):
            errors.append(LoadError(path, value_lines[key], f"'{key}' must be a string"))
    for key in ("tags", "questions"):
        value = data.get(key)
        if value not in (None, "") and not _string_list(value):
            errors.append(
                LoadError(path, value_lines[key], f"'{key}' must be a list of non-empty strings")
            )
    article_id = data.get("id")
    if isinstance(article_id, str) and article_id and not ID_PATTERN.match(article_id):
        errors.append(LoadError(
            path, value_lines["id"], f"bad id '{article_id}': use lower case letters, digits, '-'"
        ))
    language = data.get("language")
    allowed_languages = tuple(languages)
    if isinstance(language, str) and language and language not in allowed_languages:
        errors.append(LoadError(
            path, value_lines["language"],
            f"unknown language '{language}' (expected one of: {', '.join(allowed_languages)})",
        ))
    category = data.get("category")
    allowed_categories = tuple(categories)
    if isinstance(category, str) and category and category not in allowed_categories:
        errors.append(LoadError(
            path, value_lines["category"],
            f"unknown category '{category}' (expected one of: {', '.join(allowed_categories)})",
        ))
    if not body.strip():
        errors.append(LoadError(path, closing_line, "the article has no body after '---'"))
    id_line = key_lines.get("id", 1)
    errors.sort(key=lambda e: e.line)
    usable = isinstance(article_id, str) and article_id.strip() and isinstance(
        data.get("title"), str) and data["title"].strip()
    if errors and not (lenient and usable):
        return None, errors, id_line
    article = Article(
        id=str(article_id).strip(),
        title=data["title"].strip(),
        language=language if language in allowed_languages else allowed_languages[0],
        category=category if isinstance(category, str) and category else "other",
        tags=_strings(data.get("tags")),
        questions=_strings(data.get("questions")),
        body=body.strip(),
        path=path,
    )
    return article, errors, id_line


def _strings(value: object) -> tuple[str, ...]:
    """The non-empty strings of a list field (a lone string counts as a list of one)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    kept = (str(v).strip() for v in value if isinstance(v, str | int | float))
    return tuple(v for v in kept if v)


def check_articles(
    root: str | Path,
    categories: Iterable[str] = DEFAULT_CATEGORIES,
    languages: Iterable[str] = DEFAULT_LANGUAGES,
    *,
    lenient: bool = False,
) -> tuple[list[Article], list[LoadError]]:
    """Every valid article under ``root`` (recursively, ``*.md``) and every error found
    (``lenient``: also the articles that only lack optional detail, see ``parse_article``)."""
    root = Path(root)
    categories, languages = tuple(categories), tuple(languages)
    if not root.is_dir():
        return [], [LoadError(root, 0, "knowledge base folder not found")]
    articles: list[Article] = []
    errors: list[LoadError] = []
    first_seen: dict[str, tuple[Path, int]] = {}
    for path in sorted(root.rglob("*.md")):
        try:
            text = path.read_text(encoding="utf-8-sig")  # tolerate a BOM
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(LoadError(path, 1, f"cannot read file: {exc}"))
            continue
        article, found, id_line = parse_article(path, text, categories, languages,
                                                lenient=lenient)
        errors.extend(found)
        if article is None:
            continue
        if article.id in first_seen:
            other, other_line = first_seen[article.id]
            errors.append(LoadError(
                path, id_line, f"duplicate id '{article.id}' (first used in {other}:{other_line})"
            ))
            continue
        first_seen[article.id] = (path, id_line)
        articles.append(article)
    return articles, errors


def load_articles(
    root: str | Path,
    categories: Iterable[str] = DEFAULT_CATEGORIES,
    languages: Iterable[str] = DEFAULT_LANGUAGES,
) -> list[Article]:
    """The articles under ``root``; raises ``KnowledgeBaseError`` listing all problems."""
    articles, errors = check_articles(root, categories, languages)
    if errors:
        raise KnowledgeBaseError(errors)
    return articles
