"""A BPMN diagram as inline SVG, drawn from the file's own ``bpmndi`` layout.

:func:`render_svg` is a pure function of the XML: pools and lanes become
bands with their names, tasks rounded rectangles, events circles, gateways
diamonds, sequence flows polylines with arrows. Elements whose ids are in
``done`` or ``current`` get the classes ``done`` / ``current`` so the page can
show where a case stands. Nothing in the XML is executed or fetched (no
entities, no network), and every text is escaped.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from xml.sax.saxutils import escape

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"

EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}
GATEWAY_MARKS = {"exclusiveGateway": "×", "parallelGateway": "+", "inclusiveGateway": "○", "eventBasedGateway": "⬠"}

STYLE = """
.bpmn text{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC","Microsoft YaHei",sans-serif;font-size:12px;fill:#1f2933}
.bpmn .pool{fill:#fff;stroke:#52606d;stroke-width:1.5}
.bpmn .lane{fill:#f8fafc;stroke:#9aa5b1}
.bpmn .lane.alt{fill:#eef2f7}
.bpmn .lane-name{font-size:13px;font-weight:bold;fill:#334e68}
.bpmn .node{fill:#fff;stroke:#334e68;stroke-width:1.5}
.bpmn .end .node{stroke-width:4}
.bpmn .boundary .node{stroke-dasharray:4 2}
.bpmn .flow{fill:none;stroke:#52606d;stroke-width:1.3}
.bpmn .done .node{fill:#e3f9e5;stroke:#2f8132}
.bpmn .current .node{fill:#fff3c4;stroke:#c05621;stroke-width:3}
.bpmn .mark{font-size:22px;text-anchor:middle;dominant-baseline:central}
.bpmn .icon{fill:#52606d}
.bpmn .icon.ring{fill:none;stroke:#52606d;stroke-width:2.5;stroke-dasharray:2 1.5}
.bpmn .flow-name{font-size:11px;fill:#52606d}
"""


def _float(element, name: str) -> float:
    try:
        return float(element.get(name, "0"))
    except ValueError:
        return 0.0


def _width(text: str) -> float:
    """Approximate width in px at 12px: CJK characters are square, Latin ones narrower."""
    return sum(12.0 if ord(ch) > 0x2E80 else 6.8 for ch in text)


def wrap(text: str, width: float, max_lines: int = 4) -> list[str]:
    lines, current = [], ""
    for ch in text or "":
        if ch == "\n" or (_width(current + ch) > width and current):
            cut = max(current.rfind(" "), current.rfind("-") + 1 if current.rfind("-") > 0 else -1)
            if ch not in ("\n", " ") and cut > 0 and current[:cut].strip():   # English: break between words
                lines.append(current[:cut].rstrip())
                current = current[cut:].lstrip() + ch
            else:
                lines.append(current)
                current = "" if ch in ("\n", " ") else ch
        else:
            current += ch
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return lines


def _text_block(lines: list[str], cx: float, cy: float, css: str = "") -> str:
    if not lines:
        return ""
    top = cy - (len(lines) - 1) * 7.5
    spans = "".join(f'<tspan x="{cx:.1f}" y="{top + i * 15:.1f}">{escape(line)}</tspan>' for i, line in enumerate(lines))
    return f'<text text-anchor="middle" dominant-baseline="central"{css}>{spans}</text>'


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


LABEL_MAX_WIDTH = 90.0   # bpmn-js wraps an outside label at this width


def relabelled(xml: str, name_label: Callable[[str], str]) -> str:
    """The BPMN with every element's ``name`` as ``name_label`` gives it (step names in the page's
    language), for drawing only; the XML unchanged if it cannot be read. Outside labels (flows,
    gateways, events) are laid out for the Chinese name, two characters wide, and bpmn-js breaks a
    word that does not fit its box, so a renamed element's label box is widened to its words."""
    try:
        root = etree.fromstring(xml.encode("utf-8"), _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return xml
    renamed: dict[str, str] = {}
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{" + BPMN + "}") and el.get("name"):
            shown = name_label(el.get("name"))
            if shown != el.get("name") and el.get("id"):
                renamed[el.get("id")] = shown
            el.set("name", shown)
    for di in root.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge"):
        bounds = di.find(f"{{{BPMNDI}}}BPMNLabel/{{{DC}}}Bounds")
        if bounds is not None and di.get("bpmnElement") in renamed:
            _widen(bounds, renamed[di.get("bpmnElement")], centred=di.tag.endswith("BPMNShape"))
    return etree.tostring(root, encoding="unicode")


def _widen(bounds, text: str, centred: bool) -> None:
    """Make the label box wide enough for ``text``'s longest word (and the whole text up to the wrap
    width); a shape's label stays centred under it, a flow's keeps its left edge."""
    width = _float(bounds, "width")
    wanted = max(width, min(LABEL_MAX_WIDTH, _width(text)), max(map(_width, text.split() or [""])))
    if wanted > width:
        if centred:
            bounds.set("x", f"{_float(bounds, 'x') - (wanted - width) / 2:.0f}")
        bounds.set("width", f"{wanted:.0f}")


def render_svg(xml: str | bytes, done: Iterable[str] = (), current: Iterable[str] = (),
               lane_label: Callable[[str], str] | None = None, title: str | None = None) -> str:
    """The diagram as an ``<svg>`` string; an unreadable file gives a short notice instead."""
    done, current = set(done), set(current)
    try:
        root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return '<p class="diagram-missing">—</p>'
    elements: dict[str, tuple[str, str]] = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or not el.tag.startswith("{" + BPMN + "}"):
            continue
        if el.get("id"):
            elements[el.get("id")] = (etree.QName(el).localname, el.get("name") or "")
    plane = root.find(f".//{{{BPMNDI}}}BPMNPlane")
    if plane is None:
        return '<p class="diagram-missing">—</p>'
    shapes, edges, xs, ys = [], [], [], []
    for shape in plane.iter(f"{{{BPMNDI}}}BPMNShape"):
        bounds = shape.find(f"{{{DC}}}Bounds")
        ref = shape.get("bpmnElement")
        if bounds is None or ref not in elements:
            continue
        x, y, w, h = (_float(bounds, k) for k in ("x", "y", "width", "height"))
        label = shape.find(f"{{{BPMNDI}}}BPMNLabel/{{{DC}}}Bounds")
        label_box = None if label is None else tuple(_float(label, k) for k in ("x", "y", "width", "height"))
        shapes.append((ref, x, y, w, h, label_box))
        xs += [x, x + w]
        ys += [y, y + h]
    for edge in plane.iter(f"{{{BPMNDI}}}BPMNEdge"):
        points = [(_float(p, "x"), _float(p, "y")) for p in edge.findall(f"{{{DI}}}waypoint")]
        if len(points) < 2:
            continue
        edges.append((edge.get("bpmnElement"), points))
        xs += [p[0] for p in points]
        ys += [p[1] for p in points]
    if not xs:
        return '<p class="diagram-missing">—</p>'
    pad = 20
    min_x, min_y, max_x, max_y = min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="bpmn" role="img" '
           f'viewBox="{min_x:.0f} {min_y:.0f} {max_x - min_x:.0f} {max_y - min_y:.0f}" '
           f'width="{max_x - min_x:.0f}" height="{max_y - min_y:.0f}" preserveAspectRatio="xMinYMin meet">',
           f"<title>{escape(title or 'BPMN')}</title><style>{STYLE}</style>",
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#52606d"/></marker></defs>']
    pools = [s for s in shapes if elements[s[0]][0] == "participant"]
    lanes = [s for s in shapes if elements[s[0]][0] == "lane"]
    for ref, x, y, w, h, _l in pools:
        out.append(f'<g class="pool-group" data-id="{escape(ref)}"><rect class="pool" x="{x}" y="{y}" width="{w}" height="{h}"/>')
        out.append(_vertical_label(elements[ref][1], x + 15, y + h / 2) + "</g>")
    for index, (ref, x, y, w, h, _l) in enumerate(lanes):
        name = elements[ref][1]
        shown = lane_label(name) if lane_label else name
        out.append(f'<g class="lane-group" data-lane="{escape(name)}"><rect class="lane{" alt" if index % 2 else ""}" '
                   f'x="{x}" y="{y}" width="{w}" height="{h}"/>'
                   f'{_vertical_label(shown, x + 15, y + h / 2, " lane-name")}</g>')
    for ref, points in edges:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        out.append(f'<polyline class="flow" data-id="{escape(ref or "")}" points="{path}" marker-end="url(#arrow)"/>')
        name = elements.get(ref, ("", ""))[1]
        if name:
            (ax, ay), (bx, by) = points[0], points[1]
            out.append(f'<text class="flow-name" x="{(ax + bx) / 2 + 4:.1f}" y="{(ay + by) / 2 - 4:.1f}">{escape(name)}</text>')
    for ref, x, y, w, h, label_box in shapes:
        kind, name = elements[ref]
        if kind in ("participant", "lane"):
            continue
        state = " current" if ref in current else (" done" if ref in done else "")
        out.append(_node(ref, kind, name, x, y, w, h, label_box, state))
    out.append("</svg>")
    return "".join(out)


def _vertical_label(text: str, x: float, y: float, css: str = "") -> str:
    if not text:
        return ""
    return (f'<text class="{css.strip()}" x="{x:.1f}" y="{y:.1f}" text-anchor="middle" dominant-baseline="central" '
            f'transform="rotate(-90 {x:.1f} {y:.1f})">{escape(text)}</text>')


def _node(ref: str, kind: str, name: str, x: float, y: float, w: float, h: float, label_box, state: str) -> str:
    cx, cy = x + w / 2, y + h / 2
    extra = " end" if kind == "endEvent" else (" boundary" if kind == "boundaryEvent" else "")
    head = f'<g class="shape {kind}{extra}{state}" data-id="{escape(ref)}">'
    if kind in EVENTS:
        body = f'<circle class="node" cx="{cx:.1f}" cy="{cy:.1f}" r="{min(w, h) / 2:.1f}"/>'
        body += _outside_label(name, cx, y + h, label_box)
    elif kind in GATEWAYS:
        body = (f'<polygon class="node" points="{cx:.1f},{y:.1f} {x + w:.1f},{cy:.1f} {cx:.1f},{y + h:.1f} '
                f'{x:.1f},{cy:.1f}"/>')
        mark = GATEWAY_MARKS.get(kind, "")
        if mark:
            body += f'<text class="mark" x="{cx:.1f}" y="{cy:.1f}">{mark}</text>'
        body += _outside_label(name, cx, y + h, label_box)
    else:
        body = f'<rect class="node" x="{x}" y="{y}" width="{w}" height="{h}" rx="10" ry="10"/>'
        if kind == "userTask":  # a small person: head and shoulders
            body += (f'<circle class="icon" cx="{x + 10:.1f}" cy="{y + 9:.1f}" r="3"/>'
                     f'<path class="icon" d="M{x + 5:.1f},{y + 19:.1f}a5,5 0 0 1 10,0z"/>')
        elif kind == "serviceTask":  # a gear-like double ring
            body += f'<circle class="icon ring" cx="{x + 10:.1f}" cy="{y + 11:.1f}" r="5"/>'
        body += _text_block(wrap(name, w - 12, max(1, int((h - 6) // 15))), cx, cy + 3)
    return head + body + "</g>"


def _outside_label(name: str, cx: float, bottom: float, label_box) -> str:
    if not name:
        return ""
    if label_box:
        lx, ly, lw, lh = label_box
        return _text_block(wrap(name, max(lw, 60)), lx + lw / 2, ly + lh / 2)
    return _text_block(wrap(name, 90), cx, bottom + 12)
