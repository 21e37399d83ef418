"""Reader for Rasa 3.x NLU training data (``version: "3.1"``, ``nlu:`` items).

The same files train a real Rasa server, so this module accepts what Rasa accepts and nothing
looser: ``- intent:`` / ``- synonym:`` / ``- regex:`` / ``- lookup:`` items whose ``examples`` is
a ``|`` block of ``- `` lines (or a list of ``{text: ...}``), and entity annotations written
``[text](entity)``, ``[text](entity:value)`` or ``[text]{"entity": "e", "value": "v"}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nlu.text import fold

# Rasa's own annotation pattern: [entity text](entity[:value]) or [entity text]{json}.
_ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]+?)\]"
    r"(?:\((?P<entity>[^:)]+?)(?::(?P<value>[^)]+))?\)|\{(?P<json>[^}]+?)\})"
)


class TrainingDataError(ValueError):
    """A training file is not valid Rasa NLU YAML; the message names the file and the item."""


@dataclass
class Message:
    """One example: the plain text (annotations removed), its intent and its entity spans."""

    text: str
    intent: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class TrainingData:
    examples: list[Message] = field(default_factory=list)
    #: folded surface form -> canonical value (Rasa keys synonyms by lowercase text)
    entity_synonyms: dict[str, str] = field(default_factory=dict)
    regex_features: list[dict[str, str]] = field(default_factory=list)
    lookup_tables: list[dict[str, Any]] = field(default_factory=list)

    @property
    def intents(self) -> list[str]:
        return sorted({m.intent for m in self.examples if m.intent})

    @property
    def entities(self) -> set[str]:
        return {e["entity"] for m in self.examples for e in m.entities}

    def merge(self, other: TrainingData) -> TrainingData:
        return TrainingData(
            examples=self.examples + other.examples,
            entity_synonyms={**self.entity_synonyms, **other.entity_synonyms},
            regex_features=self.regex_features + other.regex_features,
            lookup_tables=self.lookup_tables + other.lookup_tables,
        )

    def subset(self, examples: Iterable[Message]) -> TrainingData:
        """Same synonyms/regexes/lookups, other examples (cross-validation folds)."""
        return TrainingData(
            list(examples), dict(self.entity_synonyms), self.regex_features, self.lookup_tables
        )


def parse_annotated(annotated: str) -> Message:
    """Strip entity annotations from one example, recording each entity's span in the plain text."""
    entities: list[dict[str, Any]] = []
    plain: list[str] = []
    pos = 0
    length = 0
    for match in _ANNOTATION.finditer(annotated):
        before = annotated[pos : match.start()]
        plain.append(before)
        length += len(before)
        surface = match.group("text")
        if match.group("json"):
            try:
                spec = json.loads("{" + match.group("json") + "}")
            except json.JSONDecodeError as exc:
                raise TrainingDataError(f"bad entity annotation {match.group(0)!r}: {exc}") from exc
            if not isinstance(spec, dict) or "entity" not in spec:
                raise TrainingDataError(f"entity annotation without 'entity': {match.group(0)!r}")
            name, value = str(spec["entity"]), str(spec.get("value", surface))
        else:
            name, value = match.group("entity").strip(), match.group("value") or surface
        entities.append({"start": length, "end": length + len(surface), "value": value,
                         "entity": name})
        plain.append(surface)
        length += len(surface)
        pos = match.end()
    plain.append(annotated[pos:])
    return Message(text="".join(plain).strip(), entities=entities)


def _example_lines(item: dict[str, Any], where: str) -> list[str]:
    raw = item.get("examples")
    if isinstance(raw, str):
        lines = []
        for line in raw.splitlines():
            line = line.strip()
            if not line:
                continue
            if not line.startswith("- "):
                raise TrainingDataError(f"{where}: example line must start with '- ': {line!r}")
            lines.append(line[2:].strip())
        return lines
    if isinstance(raw, list):
        return [str(e["text"] if isinstance(e, dict) else e).strip() for e in raw]
    raise TrainingDataError(f"{where}: 'examples' must be a '|' block or a list")


def _read_item(item: Any, data: TrainingData, where: str) -> None:
    if not isinstance(item, dict):
        raise TrainingDataError(f"{where}: each nlu item must be a mapping")
    if "intent" in item:
        intent = str(item["intent"])
        for line in _example_lines(item, f"{where} intent {intent}"):
            message = parse_annotated(line)
            message.intent = intent
            data.examples.append(message)
            for ent in message.entities:
                surface = message.text[ent["start"] : ent["end"]]
                if fold(surface) != fold(ent["value"]):  # Rasa learns these as synonyms
                    data.entity_synonyms[fold(surface)] = ent["value"]
    elif "synonym" in item:
        value = str(item["synonym"])
        for line in _example_lines(item, f"{where} synonym {value}"):
            data.entity_synonyms[fold(line)] = value
    elif "regex" in item:
        name = str(item["regex"])
        for line in _example_lines(item, f"{where} regex {name}"):
            try:
                re.compile(line)
            except re.error as exc:
                raise TrainingDataError(f"{where} regex {name}: {exc}: {line!r}") from exc
            data.regex_features.append({"name": name, "pattern": line})
    elif "lookup" in item:
        name = str(item["lookup"])
        elements = _example_lines(item, f"{where} lookup {name}")
        data.lookup_tables.append({"name": name, "elements": elements})
    else:
        raise TrainingDataError(f"{where}: unknown nlu item with keys {sorted(item)}")


def load_file(path: Path) -> TrainingData:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise TrainingDataError(f"{path}: not valid YAML: {exc}") from exc
    data = TrainingData()
    for index, item in enumerate(doc.get("nlu") or []):
        _read_item(item, data, f"{path}: nlu[{index}]")
    return data


def data_files(path: Path) -> list[Path]:
    """The YAML files under ``path`` (or ``path`` itself), sorted so the hash is stable."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise TrainingDataError(f"no training data at {path}")
    return sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())


def load_data(path: Path | str) -> TrainingData:
    """Everything under a data directory (or one file), merged as Rasa merges its data files."""
    data = TrainingData()
    for file in data_files(Path(path)):
        data = data.merge(load_file(file))
    return data
