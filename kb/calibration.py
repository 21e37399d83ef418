"""Where a knowledge base's own articles score, so rejection fits the articles it was given.

One fixed threshold cannot serve every desk: articles with many written questions are found
with high scores, plain imported articles (a title and a body) with lower ones, and how high
an unrelated message scores depends on how much everyday vocabulary the articles use. Two
measurements on the loaded articles set the threshold instead:

* *found*: each article's title asked as a question while that title is hidden, so the article
  can only be found through its questions, tags and body, the way a paraphrase finds it;
* *noise*: the best score of everyday messages no IT article answers (``data/calibration.yml``).

The threshold sits between the noise's high end and the found scores' low end. No figure of an
evaluation set takes part, so it is the same procedure on any knowledge base.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from kb.matcher import Matcher

DATA = Path(__file__).resolve().parent / "data" / "calibration.yml"
DEFAULT_SCORE = 62.0  # when there is nothing to calibrate on (an empty knowledge base)
SAMPLE = 120  # articles asked by their title; more adds build time, not precision
FLOOR, CEILING = 30.0, 70.0  # the threshold stays in this range whatever the articles
NOISE_QUANTILE, FOUND_QUANTILE = 0.9, 0.2
NOISE_SHARE = 0.4  # where between the noise's high end and the found's low end to cut


@dataclass(frozen=True)
class Calibration:
    threshold: float
    noise: float  # NOISE_QUANTILE of the everyday messages' best scores
    found: float  # FOUND_QUANTILE of the hidden-title scores of the right article


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def everyday_messages(path: Path = DATA) -> list[str]:
    data = yaml.safe_load(path.read_text("utf-8")) or {}
    return [str(m) for m in data.get("messages") or []]


def calibrate(matcher: Matcher) -> Calibration:
    """The rejection threshold for ``matcher``'s articles (see the module docstring)."""
    articles = matcher.articles
    step = max(1, len(articles) // SAMPLE)
    found: list[float] = []
    for index in range(0, len(articles), step):
        ranked = matcher._rank(articles[index].title, 0.0, hide=index)
        found.append(max((m.score for m in ranked if m.article is articles[index]), default=0.0))
    noise = [max((m.score for m in matcher._rank(text, 0.0)), default=0.0)
             for text in everyday_messages()]
    high_noise = _quantile(noise, NOISE_QUANTILE)
    low_found = _quantile(found, FOUND_QUANTILE)
    cut = high_noise + NOISE_SHARE * max(low_found - high_noise, 0.0)
    return Calibration(round(min(max(cut, FLOOR), CEILING), 1), high_noise, low_found)
