"""Deploying BPMN files as immutable process versions.

A file is parsed with SpiffWorkflow's spiff-dialect parser and XSD validation,
then every expression it contains is checked against the safe subset and every
service task against the registered operations, so a bad file is refused when
an administrator deploys it, never when a case reaches the bad element.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.specs.MultiChoice import MultiChoice
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.errors import Message, ValidationError, msg
from workflow.runtime import expressions, operations
from workflow.runtime.spiff_runtime import dump_spec
from workflow.storage.models import ProcessVersion

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
_VALIDATOR = BpmnValidator()


@dataclass(frozen=True)
class DeployResult:
    process_id: str
    version: int
    created: bool


def deploy_file(session: Session, path: Path | str, deployed_by: str | None = None) -> DeployResult:
    path = Path(path)
    return deploy_xml(session, path.read_bytes(), path.name, deployed_by)


def deploy_directory(session: Session, directory: Path = BPMN_DIR, deployed_by: str | None = None) -> list[DeployResult]:
    return [deploy_file(session, path, deployed_by) for path in sorted(directory.glob("*.bpmn"))]


def deploy_xml(session: Session, xml: bytes, filename: str, deployed_by: str | None = None) -> DeployResult:
    """Store the file as a new version unless the latest version is byte-identical."""
    process_id, spec, subprocess_specs = parse(xml, filename)
    sha = hashlib.sha256(xml).hexdigest()
    latest = session.scalars(
        select(ProcessVersion).where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.version.desc()).limit(1)
    ).first()
    if latest is not None and latest.sha256 == sha:
        return DeployResult(process_id, latest.version, created=False)
    version = (latest.version + 1) if latest else 1
    session.add(ProcessVersion(
        process_id=process_id, version=version, filename=filename, sha256=sha,
        xml=xml.decode("utf-8"), spec_json=dump_spec(spec, subprocess_specs), deployed_by=deployed_by,
    ))
    session.flush()
    return DeployResult(process_id, version, created=True)


def latest_version_id(session: Session, process_id: str) -> int | None:
    """The newest deployed version of a process: its id is all a filing needs (the row also holds
    the BPMN file, tens of KiB read for nothing on every filing)."""
    return session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_id == process_id)
                          .order_by(ProcessVersion.version.desc()).limit(1))


def latest_version(session: Session, process_id: str) -> ProcessVersion | None:
    version_id = latest_version_id(session, process_id)
    return None if version_id is None else session.get(ProcessVersion, version_id)


def parse(xml: bytes, filename: str):
    """Parse, validate and safety-check one file; returns (process_id, spec, subprocess_specs)."""
    parser = SpiffBpmnParser(validator=_VALIDATOR)
    try:
        parser.add_bpmn_xml(etree.fromstring(xml), filename=filename)
        process_ids = parser.get_process_ids()
        if len(process_ids) != 1:
            raise ValidationError({"file": [msg("{file} must contain exactly one executable process", file=filename)]})
        process_id = process_ids[0]
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except ValidationException as exc:
        where = f" ({exc.tag} {exc.id})" if getattr(exc, "id", "") else ""
        raise ValidationError({"file": [msg("{file}: {error}", file=filename, error=f"{exc}{where}")]}) from None
    except etree.XMLSyntaxError as exc:
        raise ValidationError({"file": [msg("{file}: not well-formed XML: {error}", file=filename, error=exc)]}) from None
    for process_spec in (spec, *subprocess_specs.values()):
        check_safe(process_spec, filename)
    return process_id, spec, subprocess_specs


def check_safe(spec, filename: str) -> None:
    """Refuse scripts and expressions outside the safe subset, naming the element."""
    problems: list[Message] = []
    for task_spec in spec.task_specs.values():
        element = f"{type(task_spec).__name__} '{task_spec.bpmn_id or task_spec.name}'"
        problems.extend(msg("{file}: {error}", file=filename, error=f"{element}: {p}") for p in _problems(task_spec))
    if problems:
        raise ValidationError({"file": problems})


def _problems(task_spec) -> list[str]:
    found: list[str] = []
    if isinstance(task_spec, ScriptTask):
        found.append("script tasks are not allowed; register a Python operation and use a service task")
    for hook in ("prescript", "postscript"):
        if getattr(task_spec, hook, None):
            found.append(f"{hook}s are not allowed")
    for expression in _expressions(task_spec):
        try:
            expressions.check(expression)
        except expressions.ExpressionError as exc:
            found.append(str(exc))
    if isinstance(task_spec, ServiceTask):
        name = getattr(task_spec, "operation_name", None)
        if name not in operations.REGISTRY:
            found.append(f"unknown operation {name!r}")
    return found


def _expressions(task_spec) -> list[str]:
    exprs: list[str] = []
    if isinstance(task_spec, MultiChoice):
        exprs.extend(cond.args[0] for cond, _name in task_spec.cond_task_specs if cond is not None)
    event_definition = getattr(task_spec, "event_definition", None)
    if event_definition is not None and getattr(event_definition, "expression", None):
        exprs.append(event_definition.expression)
    if isinstance(task_spec, LoopTask):
        exprs.extend(e for e in (getattr(task_spec, "cardinality", None), task_spec.condition) if e)
    if isinstance(task_spec, ServiceTask):
        exprs.extend(p["value"] for p in getattr(task_spec, "operation_params", {}).values())
    return [e for e in exprs if isinstance(e, str)]
