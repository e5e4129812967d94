"""The fault's rate before and after the deploy as a small picture: an SVG bar chart for
trackers that hold files, a Mermaid chart for those that render it inline (GitHub).

Hand-written SVG (a few rectangles and lines): no plotting library for one small chart.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 36, 40
BEFORE, AFTER, REGRESSED = "#c0392b", "#27ae60", "#e67e22"


def buckets(points: list[tuple[datetime, float]], start: datetime, end: datetime,
            deploy: datetime, *, mean: bool = False,
            bins: int = 24) -> tuple[list[tuple[datetime, float]], float]:
    """Per-hour rates in equal buckets over [start, end], one edge on the deploy so that no
    bucket mixes before and after. `points` are sightings (time, 1) summed per bucket, or with
    `mean`, samples of a per-second rate averaged per bucket. Returns (bucket start, per hour)
    and the bucket width in seconds."""
    width = max((end - start).total_seconds(), 60.0) / bins
    offset = (deploy - start).total_seconds() % width
    first = start + timedelta(seconds=offset - width if offset else 0)
    edges = [first + timedelta(seconds=width * i) for i in range(bins + 2)]
    edges = [e for e in edges if e < end]
    sums, counts = [0.0] * len(edges), [0] * len(edges)
    for when, value in points:
        index = int((when - first).total_seconds() // width)
        if 0 <= index < len(edges):
            sums[index] += value
            counts[index] += 1
    rates = [(s / c if c else 0.0) * 3600 if mean else s * 3600 / width
             for s, c in zip(sums, counts, strict=True)]
    return list(zip(edges, rates, strict=True)), width


def _nice(value: float) -> float:
    """A round axis maximum at or above `value`."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return value


def _label(seconds: float) -> str:
    hours = seconds / 3600
    if abs(hours) < 2:
        return f"{seconds / 60:+.0f} min"
    if abs(hours) < 10:
        return f"{hours:+.1f} h"
    return f"{hours:+.0f} h" if abs(hours) < 48 else f"{hours / 24:+.1f} d"


def render_svg(series: list[tuple[datetime, float]], width_s: float, deploy: datetime,
               title: str, caption: str, regressed: bool = False) -> str:
    """The chart as an SVG document (a UTF-8 string)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice(max((rate for _, rate in series), default=0.0))
    slot = plot_w / max(len(series), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title><desc>{escape(caption)}</desc>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="18" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        'stroke="#555"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#555"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{top:g}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>',
        f'<text x="12" y="{TOP + plot_h / 2}" transform="rotate(-90 12 {TOP + plot_h / 2})" '
        'text-anchor="middle">per hour</text>',
    ]
    deploy_x = next((LEFT + i * slot for i, (start, _) in enumerate(series) if start >= deploy),
                    LEFT + plot_w)
    # The span after the deploy is shaded, so that "no bars" reads as "none seen".
    parts.append(f'<rect x="{deploy_x:.1f}" y="{TOP}" width="{LEFT + plot_w - deploy_x:.1f}" '
                 f'height="{plot_h}" fill="{"#fdf2e9" if regressed else "#eafaf1"}"/>')
    for index, (start, rate) in enumerate(series):
        x = LEFT + index * slot
        after = start >= deploy
        height = plot_h * rate / top
        colour = (REGRESSED if regressed else AFTER) if after else BEFORE
        parts.append(f'<rect x="{x + 1:.1f}" y="{TOP + plot_h - height:.1f}" '
                     f'width="{max(slot - 2, 1):.1f}" height="{height:.1f}" fill="{colour}">'
                     f"<title>{start:%Y-%m-%d %H:%M} UTC: {rate:.3g}/h</title></rect>")
    parts += [
        f'<line x1="{deploy_x:.1f}" y1="{TOP - 6}" x2="{deploy_x:.1f}" y2="{TOP + plot_h}" '
        'stroke="#2c3e50" stroke-dasharray="4 3"/>',
        f'<text x="{deploy_x:.1f}" y="{TOP - 9}" text-anchor="middle">deploy</text>',
        f'<text x="{LEFT}" y="{TOP + plot_h + 14}">'
        f"{_label((series[0][0] - deploy).total_seconds()) if series else ''}</text>",
        f'<text x="{LEFT + plot_w}" y="{TOP + plot_h + 14}" text-anchor="end">'
        f"{_label((series[-1][0] - deploy).total_seconds() + width_s) if series else ''}"
        "</text>",
        f'<text x="{LEFT}" y="{HEIGHT - 8}" fill="#333">{escape(caption)}</text>',
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def render_mermaid(series: list[tuple[datetime, float]], deploy: datetime, title: str) -> str:
    """The same chart as a Mermaid `xychart-beta` block, which GitHub draws in a comment."""
    labels = ", ".join(f'"{_label((start - deploy).total_seconds())}"' for start, _ in series)
    bars = ", ".join(f"{rate:.3g}" for _, rate in series)
    safe_title = title.replace('"', "'")
    return (f'```mermaid\nxychart-beta\n  title "{safe_title}"\n  x-axis [{labels}]\n'
            f'  y-axis "per hour"\n  bar [{bars}]\n```')
