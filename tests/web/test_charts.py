"""Dashboard charts keep every label inside the drawing (the last month was cut in half)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from webapp.charts import bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"
CHAR_W = 7.5      # an ASCII character at the charts' 12px font, generously; CJK glyphs counted twice


def text_extents(svg: str) -> tuple[float, list[tuple[float, float, str]]]:
    root = ET.fromstring(str(svg))
    width = float(root.get("viewBox").split()[2])
    spans = []
    for node in root.iter(f"{SVG}text"):
        label = node.text or ""
        w = sum(CHAR_W * (2 if ord(ch) > 0x2E80 else 1) for ch in label)
        x, anchor = float(node.get("x")), node.get("text-anchor", "start")
        left = {"start": x, "middle": x - w / 2, "end": x - w}[anchor]
        spans.append((left, left + w, label))
    return width, spans


def test_line_chart_labels_fit_including_the_last_month():
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    width, spans = text_extents(line_chart(months, {"收件": list(range(12)), "办结": list(range(12))}, "趋势"))
    assert "2026-12" in [label for *_, label in spans]
    for left, right, label in spans:
        assert 0 <= left and right <= width, label


def test_bar_chart_labels_and_values_fit():
    width, spans = text_extents(bar_chart([("食品生产许可", 120), ("特种设备使用登记", 644)], "按事项"))
    for left, right, label in spans:
        assert 0 <= left and right <= width, label
