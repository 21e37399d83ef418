"""Charts drawn on the server as SVG: no script, no CDN, and readable without colour.

Every bar carries its value as text, every series has its own fill pattern as well as its own
shade, and the legend shows the pattern beside the name, so the charts read the same printed in
grey or by someone who does not tell colours apart. Labels are data (categories, channels, days)
and are XML-escaped here; titles and words come from the templates around the chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from markupsafe import Markup

#: (pattern id, shade): solid, diagonal hatch, dots, cross-hatch, horizontal, vertical lines.
SERIES = (("solid", "#1f5f99"), ("hatch", "#b3541e"), ("dots", "#2e7d32"),
          ("cross", "#6a3d9a"), ("hlines", "#8c6d1f"), ("vlines", "#555555"))

def _pattern(name: str, body: str, rotate: bool = False) -> str:
    turn = ' patternTransform="rotate(45)"' if rotate else ""
    return (f'<pattern id="p-{name}" width="6" height="6" patternUnits="userSpaceOnUse"{turn}>'
            f"{body}</pattern>")


_DEFS = "<defs>" + "".join((
    _pattern("solid", '<rect width="6" height="6" fill="#1f5f99"/>'),
    _pattern("hatch", '<rect width="6" height="6" fill="#f3d9c9"/><line x1="0" y1="0" x2="0" '
                      'y2="6" stroke="#b3541e" stroke-width="3"/>', rotate=True),
    _pattern("dots", '<rect width="6" height="6" fill="#d8ecd9"/><circle cx="3" cy="3" r="1.6" '
                     'fill="#2e7d32"/>'),
    _pattern("cross", '<rect width="6" height="6" fill="#e6dcf0"/><path d="M0 0L6 6M6 0L0 6" '
                      'stroke="#6a3d9a" stroke-width="1.2"/>'),
    _pattern("hlines", '<rect width="6" height="6" fill="#f1e9cf"/><line x1="0" y1="3" x2="6" '
                       'y2="3" stroke="#8c6d1f" stroke-width="2"/>'),
    _pattern("vlines", '<rect width="6" height="6" fill="#e4e4e4"/><line x1="3" y1="0" x2="3" '
                       'y2="6" stroke="#555555" stroke-width="2"/>'),
)) + "</defs>"


def _fill(i: int) -> str:
    return f"url(#p-{SERIES[i % len(SERIES)][0]})"


def _num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[:size - 1] + "…"


def bars(items: Sequence[tuple[str, float]], *, label: str, width: int = 520,
         unit: str = "") -> Markup:
    """Horizontal bars, one per item, the label on the left and the value after the bar."""
    if not items:
        return Markup("")
    row, left, right = 24, 190, 60
    top = max((v for _, v in items), default=0) or 1
    height = row * len(items) + 8
    parts = [f'<svg class="chart" role="img" aria-label="{escape(label, {chr(34): "&quot;"})}" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg">', _DEFS]
    span = width - left - right
    for i, (name, value) in enumerate(items):
        y = 4 + i * row
        w = max(1.0, span * float(value) / top) if value else 0
        text = escape(str(name))
        parts.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" font-size="12">'
                     f'{escape(_short(str(name), 28))}</text>')
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" '
                     f'fill="{_fill(0)}" stroke="#1f5f99"><title>{text}: {_num(value)}{unit}'
                     f'</title></rect>')
        parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 15}" font-size="12">'
                     f'{_num(value)}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_days(rows: Sequence[tuple[str, str, int]], *, label: str, other: str = "…",
                 width: int = 760, height: int = 220) -> Markup:
    """Tickets per day, one stacked column per day, one pattern per series, with a legend."""
    if not rows:
        return Markup("")
    days = sorted({d for d, _, _ in rows})
    totals: dict[str, int] = {}
    for _, s, n in rows:
        totals[s] = totals.get(s, 0) + n
    ranked = sorted(totals, key=lambda s: (-totals[s], s))
    overflow = len(ranked) > len(SERIES)
    other_label = other
    series = ranked[:len(SERIES) - 1] if overflow else ranked
    names = [*series, other_label] if overflow else series
    per_day: dict[str, list[int]] = {d: [0] * len(names) for d in days}
    for d, s, n in rows:
        idx = series.index(s) if s in series else len(series)
        per_day[d][idx] += n
    top = max(sum(v) for v in per_day.values()) or 1
    left, bottom, legend = 34, 22, 18 * ((len(names) + 3) // 4)
    plot_h = height - bottom - legend - 8
    step = (width - left - 4) / len(days)
    parts = [f'<svg class="chart" role="img" aria-label="{escape(label, {chr(34): "&quot;"})}" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg">', _DEFS,
             f'<text x="{left - 4}" y="12" text-anchor="end" font-size="10">{top}</text>',
             f'<line x1="{left}" y1="{8 + plot_h}" x2="{width - 4}" y2="{8 + plot_h}" '
             f'stroke="#333"/>']
    for i, d in enumerate(days):
        x, y = left + i * step, float(8 + plot_h)
        for j, n in enumerate(per_day[d]):
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            parts.append(f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" '
                         f'height="{h:.1f}" fill="{_fill(j)}" stroke="#333" stroke-width="0.3">'
                         f'<title>{escape(d)} {escape(names[j])}: {n}</title></rect>')
        if i % max(1, round(len(days) / 10)) == 0:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{8 + plot_h + 14}" font-size="9" '
                         f'text-anchor="middle">{escape(d[5:])}</text>')
    for j, name in enumerate(names):
        lx = left + (j % 4) * 180
        ly = height - legend + 18 * (j // 4) + 4
        parts.append(f'<rect x="{lx}" y="{ly}" width="14" height="12" fill="{_fill(j)}" '
                     f'stroke="#333"/><text x="{lx + 18}" y="{ly + 10}" font-size="11">'
                     f'{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
