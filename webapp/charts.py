"""Tiny inline-SVG charts (bars and lines) for the dashboard: no JavaScript, print-friendly."""
from __future__ import annotations

from xml.sax.saxutils import escape

from markupsafe import Markup

COLOURS = ("#1d4e89", "#c05621", "#2f8132", "#6b46c1")


def bar_chart(items: list[tuple[str, float]], title: str, unit: str = "") -> Markup:
    """Horizontal bars, one per label; works for any number of items, including none."""
    width, label_w, bar_h, gap = 560, 200, 20, 8
    height = max(1, len(items)) * (bar_h + gap) + 30
    top = max([v for _l, v in items] or [0]) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    if not items:
        parts.append('<text x="10" y="24" class="muted">—</text>')
    for i, (label, value) in enumerate(items):
        y = 10 + i * (bar_h + gap)
        w = (width - label_w - 70) * (value / top)
        short = label if len(label) <= 14 else label[:13] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end">{escape(short)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{COLOURS[0]}" rx="2">'
                     f'<title>{escape(label)}: {value}{escape(unit)}</title></rect>'
                     f'<text x="{label_w + w + 6:.1f}" y="{y + bar_h * 0.7:.1f}">{value}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(labels: list[str], series: dict[str, list[float]], title: str) -> Markup:
    """One line per series over the labels (months), with a legend."""
    width, height, left, bottom, top_pad = 600, 240, 40, 40, 30
    top = max([v for values in series.values() for v in values] or [0]) or 1
    n = max(1, len(labels) - 1)
    plot_w, plot_h = width - left - 20, height - bottom - top_pad

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + plot_w * i / n, top_pad + plot_h * (1 - v / top)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - 20}" y2="{top_pad + plot_h}" stroke="#9aa5b1"/>',
             f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end">{top:g}</text>',
             f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end">0</text>']
    for i, label in enumerate(labels):
        step = max(1, len(labels) // 6)
        if (len(labels) - 1 - i) % step == 0:  # always the latest month, then every step-th back
            x, _y = xy(i, 0)
            anchor = "end" if i == len(labels) - 1 and i > 0 else "middle"   # the last label ends at the edge
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 18}" text-anchor="{anchor}">{escape(label)}</text>')
    for k, (name, values) in enumerate(series.items()):
        colour = COLOURS[k % len(COLOURS)]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in enumerate(values)))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{points}"/>')
        for i, v in enumerate(values):
            x, y = xy(i, v)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                         f'<title>{escape(labels[i])}: {v}</title></circle>')
        parts.append(f'<rect x="{left + k * 120}" y="6" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{left + k * 120 + 16}" y="16">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
