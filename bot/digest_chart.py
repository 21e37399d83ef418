"""The weekly digest's chart as a PNG, drawn without a browser (matplotlib's Agg backend).

Tickets opened per day, stacked by channel; each channel has its own hatch pattern as well as
its own shade and every column carries its total, so it reads in grey too. Words come from the
``reports`` templates in the lead's language.
"""

from __future__ import annotations

import io
from typing import Any

from actions.messages import Messages

HATCHES = ("", "//", "..", "xx", "--", "||")
SHADES = ("#1f5f99", "#e5a17a", "#8fc792", "#b9a2d3", "#d9c27c", "#aaaaaa")


def render_png(digest: dict[str, Any], language: str, messages: Messages) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    days: list[str] = list(digest["days"])
    channels = sorted({row[1] for row in digest["per_day"]})
    counts = {(d, c): n for d, c, n in digest["per_day"]}
    fig = Figure(figsize=(8, 4), dpi=110)
    ax = fig.subplots()
    bottoms = [0] * len(days)
    for i, channel in enumerate(channels):
        values = [counts.get((d, channel), 0) for d in days]
        ax.bar(range(len(days)), values, bottom=bottoms, label=channel,
               color=SHADES[i % len(SHADES)], hatch=HATCHES[i % len(HATCHES)],
               edgecolor="#222222", linewidth=0.6)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    for x, total in enumerate(bottoms):
        ax.annotate(str(total), (x, total), ha="center", va="bottom", fontsize=9,
                    xytext=(0, 2), textcoords="offset points")
    ax.set_xticks(range(len(days)), [d[5:] for d in days])
    ax.set_ylabel(messages.render("reports.digest_chart_axis", language))
    ax.set_title(messages.render("reports.digest_chart_title", language))
    ax.set_ylim(0, max([*bottoms, 1]) * 1.15)
    ax.spines[["top", "right"]].set_visible(False)
    if channels:
        ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=min(len(channels), 4))
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
