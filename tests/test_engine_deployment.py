"""Deploying process versions and refusing unsafe BPMN."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from workflow.errors import ValidationError
from workflow.runtime import expressions
from workflow.runtime.deployment import deploy_file, deploy_xml
from workflow.services import cases
from workflow.storage.models import ProcessInstance, ProcessVersion

BENCH = Path(__file__).parent / "bpmn" / "engine_bench.bpmn"
BAD = Path(__file__).parent / "bpmn"


def versions(db, process_id="engine_bench"):
    with db.reading() as s:
        return s.scalars(select(ProcessVersion.version).where(ProcessVersion.process_id == process_id)).all()


def test_redeploying_an_unchanged_file_is_a_no_op(db):
    with db.transaction() as s:
        result = deploy_file(s, BENCH)
    assert not result.created and versions(db) == [1]


def test_changed_file_becomes_next_version_for_new_cases_only(db, people):
    old_case = cases.submit(db, people["applicant_a"], ["bench"], {})
    changed = BENCH.read_bytes().replace("审查".encode(), "复审".encode(), 1)
    assert changed != BENCH.read_bytes()
    with db.transaction() as s:
        result = deploy_xml(s, changed, "engine_bench.bpmn", "admin")
    assert (result.created, result.version) == (True, 2)
    new_case = cases.submit(db, people["applicant_a"], ["bench"], {})
    with db.reading() as s:
        by_case = dict(s.execute(select(ProcessInstance.case_id, ProcessVersion.version)
                                 .join(ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id)).all())
    assert by_case[old_case.id] == 1 and by_case[new_case.id] == 2


@pytest.mark.parametrize("filename, element", [
    ("bad_script.bpmn", "evil_script"),
    ("bad_prescript.bpmn", "evil_prescript"),
    ("bad_condition.bpmn", "evil_condition"),
    ("bad_timer.bpmn", "evil_timer"),
])
def test_unsafe_files_are_rejected_naming_the_element(db, filename, element):
    with db.transaction() as s:
        before = s.scalars(select(ProcessVersion.id)).all()
        with pytest.raises(ValidationError) as err:
            deploy_file(s, BAD / filename)
    message = " ".join(err.value.fields["file"])
    assert element in message, message
    with db.reading() as s:
        assert s.scalars(select(ProcessVersion.id)).all() == before


def test_not_bpmn_is_rejected(db):
    with db.transaction() as s:
        with pytest.raises(ValidationError, match="Some fields"):
            deploy_xml(s, b"<not-closed", "x.bpmn")
        with pytest.raises(ValidationError):
            deploy_xml(s, b"<definitions/>", "x.bpmn")


@pytest.mark.parametrize("expression", [
    "__import__('os')",
    "().__class__.__base__.__subclasses__()",
    "x.__class__",
    "open('/etc/passwd')",
    "[c for c in ()]",
    "lambda: 1",
    "__builtins__",
    "2 ** 100000",
    "getattr(x, 'y')",
    "(x := 1)",
    "f'{x}'",
])
def test_evaluator_refuses_escapes(expression):
    with pytest.raises(expressions.ExpressionError):
        expressions.check(expression)
    with pytest.raises(expressions.ExpressionError):
        expressions.evaluate(expression, {"x": 1})


def test_evaluator_computes_conditions():
    data = {"decision": "pass", "scores": [700, 820, 900], "panel": {"score": 810}, "n": 3}
    assert expressions.evaluate("decision == 'pass' and len(scores) >= n", data) is True
    assert expressions.evaluate("panel['score'] >= 800", data) is True
    assert expressions.evaluate("count(['fail', 'pass'], 'fail') > 0", data) is True
    assert expressions.evaluate("get(panel, 'missing', 0) + 1", data) == 1
    assert expressions.evaluate("'PT5M'", data) == "PT5M"
    assert expressions.evaluate("decision in ('pass', 'rectify') and not False", data) is True
    with pytest.raises(expressions.ExpressionError, match="not defined"):
        expressions.evaluate("unknown == 1", data)
    with pytest.raises(expressions.ExpressionError, match="too large"):
        expressions.evaluate("'a' * 100000", data)
