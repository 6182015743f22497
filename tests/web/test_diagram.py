"""The BPMN renderer: a pure function from the file's DI layout to inline SVG."""
from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from lxml import etree

from webapp.diagram import BPMNDI, DC, _width, relabelled, render_svg, wrap

ROOT = Path(__file__).resolve().parents[2]
BPMN_DIR = ROOT / "bpmn"
BENCH = (ROOT / "tests" / "bpmn" / "engine_bench.bpmn").read_text(encoding="utf-8")


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def shape(svg_root, element_id):
    for g in svg_root.iter("{http://www.w3.org/2000/svg}g"):
        if g.get("data-id") == element_id:
            return g
    raise AssertionError(element_id)


def test_renders_every_shape_edge_and_lane_of_the_bench_process():
    svg = render_svg(BENCH)
    root = parse(svg)  # well-formed XML
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    for element in ("start", "intake", "split", "check_a", "check_b", "join", "decide", "route", "grant", "end"):
        assert shape(root, element) is not None
    assert "userTask" in shape(root, "intake").get("class")
    assert shape(root, "start").find("{http://www.w3.org/2000/svg}circle") is not None
    assert shape(root, "split").find("{http://www.w3.org/2000/svg}polygon") is not None
    assert shape(root, "intake").find("{http://www.w3.org/2000/svg}rect") is not None
    flows = [p for p in root.iter("{http://www.w3.org/2000/svg}polyline") if p.get("class") == "flow"]
    assert len(flows) == 14
    lanes = [g.get("data-lane") for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("data-lane")]
    assert lanes == ["reviewer", "approver"]
    assert "收件审查" in svg and "审批决定" in svg


def test_viewbox_covers_the_layout():
    root = parse(render_svg(BENCH))
    x, y, w, h = map(float, root.get("viewBox").split())
    assert x <= 100 and y <= 60 and x + w >= 1230 and y + h >= 480


def test_highlights_done_and_current():
    root = parse(render_svg(BENCH, done={"intake"}, current={"check_a", "check_b"}))
    assert "done" in shape(root, "intake").get("class").split()
    assert "current" in shape(root, "check_a").get("class").split()
    assert "current" in shape(root, "check_b").get("class").split()
    assert "done" not in shape(root, "decide").get("class").split()


def test_lane_labels_can_be_translated():
    svg = render_svg(BENCH, lane_label={"reviewer": "审查员", "approver": "审批负责人"}.get)
    assert "审查员" in svg and "审批负责人" in svg


def test_names_are_escaped():
    evil = BENCH.replace('name="收件审查"', 'name="&lt;script&gt;alert(1)&lt;/script&gt;"')
    svg = render_svg(evil)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    parse(svg)


@pytest.mark.parametrize("xml", ["", "not xml", "<a/>", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'])
def test_unreadable_input_gives_a_notice_not_an_error(xml):
    out = render_svg(xml)
    assert "diagram-missing" in out and "root:" not in out


def test_real_process_files_render():
    for path in sorted((ROOT / "bpmn").glob("*.bpmn")):
        svg = render_svg(path.read_text(encoding="utf-8"))
        parse(svg)
        assert len(re.findall(r'class="shape ', svg)) > 2, path.name


def test_wrap_breaks_long_chinese_names():
    lines = wrap("食品生产许可现场核查与审查意见汇总", 88)
    assert len(lines) > 1 and all(len(line) <= 8 for line in lines)


def test_a_renamed_label_box_fits_its_words():
    """English names in boxes laid out for two Chinese characters: bpmn-js would break "Accept" in
    two, so the box grows to the longest word (a flow's keeps its left edge, a gateway's its centre)."""
    xml = (BPMN_DIR / "food_license.bpmn").read_text(encoding="utf-8")
    english = {"受理": "Accept", "受理意见？": "Accept the filing?"}
    out = etree.fromstring(relabelled(xml, lambda name: english.get(name, name)).encode())

    def box(element_id):
        di = out.find(f".//{{{BPMNDI}}}*[@bpmnElement='{element_id}']/{{{BPMNDI}}}BPMNLabel/{{{DC}}}Bounds")
        return float(di.get("x")), float(di.get("width"))
    flow_x, flow_w = box("Flow_acceptance_gateway_to_accept")
    assert flow_x == 571 and flow_w >= _width("Accept") > 28
    original = etree.fromstring(xml.encode()).find(
        f".//{{{BPMNDI}}}*[@bpmnElement='acceptance_gateway']/{{{BPMNDI}}}BPMNLabel/{{{DC}}}Bounds")
    gate_x, gate_w = box("acceptance_gateway")
    assert gate_w >= _width("filing?") and gate_x + gate_w / 2 == pytest.approx(
        float(original.get("x")) + float(original.get("width")) / 2, abs=1)
    unchanged = etree.fromstring(relabelled(xml, lambda name: name).encode())
    assert etree.tostring(unchanged) == etree.tostring(etree.fromstring(xml.encode()))
