"""The process files in bpmn/ keep docs/bpmn-conventions.md: checked on the files, without a database."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from workflow.runtime.deployment import parse

BPMN_DIR = Path(__file__).resolve().parent.parent / "bpmn"
FILES = sorted(BPMN_DIR.glob("*.bpmn"))
ROLES = {"applicant", "window", "reviewer", "inspector", "approver", "expert"}
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
FLOW_NODES = ("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
              "task", "userTask", "serviceTask", "scriptTask", "manualTask", "sendTask", "receiveTask",
              "businessRuleTask", "callActivity", "subProcess",
              "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway")
EXPECTED = {"cng_cylinder", "equipment_notice", "equipment_registration", "food_license", "food_license_change",
            "industrial_license", "quality_award"}


def tree(path: Path):
    return etree.parse(str(path))


def process_of(path: Path):
    processes = tree(path).findall("bpmn:process", NS)
    assert len(processes) == 1, f"{path.name}: exactly one process per file"
    return processes[0]


def flow_nodes(process) -> list:
    return [el for name in FLOW_NODES for el in process.iter(f"{{{NS['bpmn']}}}{name}")]


def spec_of(path: Path):
    parser = SpiffBpmnParser(validator=BpmnValidator())
    parser.add_bpmn_file(str(path))
    return parser.get_spec(path.stem)


def test_every_catalogue_process_has_a_file():
    assert EXPECTED <= {p.stem for p in FILES}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_parses_with_xsd_validation_and_process_id_is_file_name(path):
    process = process_of(path)
    assert process.get("id") == path.stem
    assert process.get("isExecutable") == "true"
    spec = spec_of(path)
    assert spec.name == path.stem


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_deployment_accepts_the_file(path):
    """Safe expressions only, registered operations only (what an administrator's upload must pass)."""
    process_id, _spec, _subprocesses = parse(path.read_bytes(), path.name)
    assert process_id == path.stem


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_lanes_are_roles_and_user_tasks_have_a_role_and_form(path):
    process = process_of(path)
    lanes = process.findall("bpmn:laneSet/bpmn:lane", NS)
    assert lanes, f"{path.name}: lanes name the roles"
    lane_of = {}
    for lane in lanes:
        assert lane.get("name") in ROLES, f"{path.name}: lane {lane.get('name')!r} is not a role"
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            assert ref.text not in lane_of, f"{ref.text} is in two lanes"
            lane_of[ref.text] = lane.get("name")
    for node in flow_nodes(process):
        assert node.get("id") in lane_of, f"{path.name}: {node.get('id')} is in no lane"
    user_tasks = [t for t in spec_of(path).task_specs.values() if type(t).__name__ == "UserTask"]
    assert user_tasks or path.stem == "equipment_notice"
    for task in user_tasks:
        assert task.lane in ROLES, f"{path.name}: user task {task.bpmn_id} has no role lane"
        properties = task.extensions.get("properties", {})
        assert properties.get("formKey"), f"{path.name}: user task {task.bpmn_id} has no formKey"
        if "stepLimitDays" in properties:
            assert int(properties["stepLimitDays"]) > 0


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_diagram_covers_every_node_and_flow(path):
    doc = tree(path)
    process = process_of(path)
    diagrams = doc.findall("bpmndi:BPMNDiagram", NS)
    assert len(diagrams) == 1, f"{path.name}: one BPMNDiagram"
    plane = diagrams[0].find("bpmndi:BPMNPlane", NS)
    collaboration = doc.find("bpmn:collaboration", NS)
    assert collaboration is not None and plane.get("bpmnElement") == collaboration.get("id")
    participant = collaboration.find("bpmn:participant", NS)
    assert participant.get("processRef") == process.get("id")
    shapes = {}
    for shape in plane.findall("bpmndi:BPMNShape", NS):
        bounds = shape.find("dc:Bounds", NS)
        assert bounds is not None, f"{path.name}: shape {shape.get('id')} has no bounds"
        shapes[shape.get("bpmnElement")] = tuple(float(bounds.get(k)) for k in ("x", "y", "width", "height"))
    edges = {}
    for edge in plane.findall("bpmndi:BPMNEdge", NS):
        points = edge.findall("di:waypoint", NS)
        assert len(points) >= 2, f"{path.name}: edge {edge.get('id')} needs waypoints"
        edges[edge.get("bpmnElement")] = points
    assert participant.get("id") in shapes
    for lane in process.findall("bpmn:laneSet/bpmn:lane", NS):
        assert lane.get("id") in shapes, f"{path.name}: lane {lane.get('name')} is not drawn"
    nodes = flow_nodes(process)
    missing = [n.get("id") for n in nodes if n.get("id") not in shapes]
    assert not missing, f"{path.name}: flow nodes without a shape: {missing}"
    flows = [f.get("id") for f in process.findall("bpmn:sequenceFlow", NS)]
    missing = [f for f in flows if f not in edges]
    assert not missing, f"{path.name}: sequence flows without an edge: {missing}"
    # shapes of different nodes do not overlap (a boundary event sits on its task's border)
    attached = {n.get("id"): n.get("attachedToRef") for n in nodes if n.get("attachedToRef")}
    boxes = [(n.get("id"), shapes[n.get("id")]) for n in nodes]
    for i, (a, (ax, ay, aw, ah)) in enumerate(boxes):
        for b, (bx, by, bw, bh) in boxes[i + 1:]:
            if attached.get(a) == b or attached.get(b) == a:
                continue
            assert not (ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah), \
                f"{path.name}: {a} and {b} overlap"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_no_scripts(path):
    process = process_of(path)
    assert not process.findall(".//bpmn:scriptTask", NS)
    assert not process.findall(".//bpmn:script", NS)
    for hook in ("preScript", "postScript"):
        assert not process.findall(f".//spiffworkflow:{hook}", NS), f"{path.name}: {hook} found"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_gateways_have_one_default_and_conditions_on_the_rest(path):
    process = process_of(path)
    flows = {f.get("id"): f for f in process.findall("bpmn:sequenceFlow", NS)}
    for gateway in process.findall("bpmn:exclusiveGateway", NS):
        outgoing = [flows[o.text] for o in gateway.findall("bpmn:outgoing", NS)]
        if len(outgoing) < 2:
            continue
        default = gateway.get("default")
        assert default in {f.get("id") for f in outgoing}, f"{path.name}: {gateway.get('id')} needs a default flow"
        for flow in outgoing:
            has_condition = flow.find("bpmn:conditionExpression", NS) is not None
            assert has_condition == (flow.get("id") != default), f"{path.name}: flow {flow.get('id')}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_end_event_follows_finish(path):
    """Every path ends in ``finish`` before its end event, so the instance always has an outcome."""
    process = process_of(path)
    flows = {f.get("id"): f for f in process.findall("bpmn:sequenceFlow", NS)}
    by_id = {n.get("id"): n for n in flow_nodes(process)}
    for end in process.findall("bpmn:endEvent", NS):
        incoming = end.findall("bpmn:incoming", NS)
        assert incoming, f"{path.name}: {end.get('id')} is unreachable"
        for ref in incoming:
            source = by_id[flows[ref.text].get("sourceRef")]
            operator = source.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
            assert operator is not None and operator.get("id") == "finish", \
                f"{path.name}: {end.get('id')} is reached from {source.get('id')}, not from a finish step"
