"""Saved replies ("respuestas predefinidas"): Markdown files with front matter in ``kb/replies/``.

A reply is what a technician sends again and again ("reset your VPN profile like this"), written
once by the desk and expanded into a ticket with ``/ticket reply INC-1 ::vpn-reset``. The body may
name a few facts of the ticket (``{{ requester }}``, ``{{ key }}``, ``{{ title }}``,
``{{ technician }}``, ``{{ team }}``); anything else is a mistake that ``deskbot kb check``
reports with its file and line, like the articles' mistakes.

The same id may exist once per language: the ticket's language picks the version.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from kb.article import DEFAULT_LANGUAGES
from kb.loader import ID_PATTERN, LoadError, _split_front_matter

#: The facts of a ticket a saved reply may use.
PLACEHOLDERS = ("requester", "key", "title", "technician", "team")
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
REQUIRED = ("id", "title", "language")


@dataclass(frozen=True)
class SavedReply:
    id: str
    title: str
    language: str
    body: str
    team: str | None = None
    source: str = "file"  # file | desk (added at run time by a lead)
    path: Path | None = None

    def expand(self, facts: Mapping[str, str]) -> str:
        """The body with its placeholders filled in (an unknown one is left as it was)."""

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            return str(facts.get(name, match.group(0)))

        return _PLACEHOLDER.sub(fill, self.body).strip()


def unknown_placeholders(body: str) -> list[tuple[int, str]]:
    """(line offset in ``body``, name) of every ``{{ ... }}`` that is not a known placeholder."""
    found = []
    for number, line in enumerate(body.splitlines()):
        for match in _PLACEHOLDER.finditer(line):
            if match.group(1) not in PLACEHOLDERS:
                found.append((number, match.group(1)))
    return found


def parse_reply(path: Path, text: str, languages: Iterable[str] = DEFAULT_LANGUAGES,
                teams: Iterable[str] | None = None) -> tuple[SavedReply | None, list[LoadError]]:
    """One file's saved reply (None when invalid) and every problem found, with its line."""
    split = _split_front_matter(path, text)
    if isinstance(split, LoadError):
        return None, [split]
    front, body, body_line = split
    try:
        node = yaml.compose(front)
        data = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, [LoadError(path, mark.line + 2 if mark else 1, "bad front matter")]
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        return None, [LoadError(path, 2, "bad front matter: expected 'key: value' lines")]
    lines = {k.value: v.start_mark.line + 2 for k, v in node.value if hasattr(k, "value")}
    closing = front.count("\n") + 3 if front else 2
    errors = [LoadError(path, lines.get(key, closing), f"missing field '{key}'")
              for key in REQUIRED if not isinstance(data.get(key), str) or not data[key].strip()]
    reply_id, language = data.get("id"), data.get("language")
    if isinstance(reply_id, str) and reply_id and not ID_PATTERN.match(reply_id):
        errors.append(LoadError(path, lines["id"],
                                f"bad id '{reply_id}': use lower case letters, digits, '-'"))
    allowed = tuple(languages)
    if isinstance(language, str) and language and language not in allowed:
        errors.append(LoadError(path, lines["language"],
                                f"unknown language '{language}' (expected one of: "
                                f"{', '.join(allowed)})"))
    team = data.get("team")
    known_teams = tuple(teams) if teams is not None else None
    if team is not None and (not isinstance(team, str) or (
            known_teams is not None and team.upper() not in known_teams)):
        errors.append(LoadError(path, lines.get("team", closing), f"unknown team '{team}'"))
    if not body.strip():
        errors.append(LoadError(path, closing, "the reply has no body after '---'"))
    for offset, name in unknown_placeholders(body):
        errors.append(LoadError(path, body_line + offset,
                                f"unknown placeholder '{{{{ {name} }}}}' (use: "
                                f"{', '.join(PLACEHOLDERS)})"))
    if errors:
        return None, sorted(errors, key=lambda e: e.line)
    return SavedReply(id=str(reply_id), title=str(data["title"]).strip(), language=str(language),
                      body=body.strip(), team=str(team).upper() if team else None,
                      path=path), []


def check_replies(root: str | Path, languages: Iterable[str] = DEFAULT_LANGUAGES,
                  teams: Iterable[str] | None = None,
                  ) -> tuple[list[SavedReply], list[LoadError]]:
    """Every valid saved reply under ``root`` and every error (a missing folder is no error:
    a desk may have no saved replies yet)."""
    root = Path(root)
    if not root.is_dir():
        return [], []
    replies: list[SavedReply] = []
    errors: list[LoadError] = []
    seen: dict[tuple[str, str], Path] = {}
    for path in sorted(root.rglob("*.md")):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(LoadError(path, 1, f"cannot read file: {exc}"))
            continue
        reply, found = parse_reply(path, text, languages, teams)
        errors.extend(found)
        if reply is None:
            continue
        first = seen.get((reply.id, reply.language))
        if first is not None:
            errors.append(LoadError(path, 2, f"duplicate id '{reply.id}' in '{reply.language}'"
                                             f" (first used in {first})"))
            continue
        seen[(reply.id, reply.language)] = path
        replies.append(reply)
    return replies, errors
