"""Process versions in production: move running instances to another deployed version.

A deployment affects new cases only (docs/design.md); when a process is corrected, the
administrator may also move the instances already running on an older version, provided every
step each instance is at (and has done) exists in the target, under its own id or under the id
the plan maps it to. ``dry_run`` lists what would move and what cannot (and why); ``migrate``
moves each instance in its own transaction, locked in the documented order (its case row, then
the instance), with one audit event per instance, and reports those it could not move.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import vocabulary as v
from workflow.domain.permissions import Actor, require_role
from workflow.errors import ValidationError, msg
from workflow.runtime import instances, live_cache, migration, projection
from workflow.runtime.spiff_runtime import find_task, load_spec
from workflow.services.common import lock_case
from workflow.storage import audit
from workflow.storage.db import Database, utcnow
from workflow.storage.models import Case, HumanTask, ProcessInstance, ProcessVersion

MAX_INSTANCES = 10_000      # one plan moves at most this many; run it again for the rest


@dataclass(frozen=True)
class Plan:
    """Move instances of ``process_id`` from version ``source`` to ``target``; ``mapping`` renames steps."""
    process_id: str
    source: int
    target: int
    mapping: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    instance_id: int
    case_id: int
    case_number: str
    steps: list[str]
    problems: list[str]


@dataclass
class Outcome:
    """What a dry run would do, or what a migration did."""
    plan: Plan
    movable: list[Candidate]
    refused: list[Candidate]
    moved: bool = False


MIGRATORS = ("admin",)      # who may move running instances; the API checks it before the body


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """``OLD=NEW`` lines (the shell's ``--map``, the admin page's text box) as a mapping."""
    mapping, bad = {}, []
    for pair in (p.strip() for p in pairs):
        old, sep, new = pair.partition("=")
        if pair and not (sep and old.strip() and new.strip()):
            bad.append(pair)
        elif pair:
            mapping[old.strip()] = new.strip()
    if bad:
        raise ValidationError({"mapping": [msg("Write each renamed step as OLD=NEW: {steps}", steps=", ".join(bad))]})
    return mapping


def dry_run(db: Database, actor: Actor, plan: Plan) -> Outcome:
    """The running instances of the source version, split into those that can move and those that cannot."""
    return _preview(db, actor, plan)[0]


def migrate(db: Database, actor: Actor, plan: Plan) -> Outcome:
    """Move every instance that can move; each one is one transaction with its audit event."""
    preview, source, target = _preview(db, actor, plan)
    moved, refused = [], list(preview.refused)
    for candidate in preview.movable:
        result = _move(db, actor, plan, candidate, source, target)
        (refused if result.problems else moved).append(result)
    return Outcome(plan, moved, refused, moved=True)


def _preview(db: Database, actor: Actor, plan: Plan) -> tuple[Outcome, ProcessVersion, ProcessVersion]:
    require_role(actor, *MIGRATORS)
    with db.reading() as session:
        source, target = _versions(session, plan)
        spec, subs = _spec(session, target)
        checked = [_check(row, spec, subs, plan.mapping) for row in session.execute(_running(source.id))]
    outcome = Outcome(plan, [c for c in checked if not c.problems], [c for c in checked if c.problems])
    return outcome, source, target


def _versions(session: Session, plan: Plan) -> tuple[ProcessVersion, ProcessVersion]:
    """Both versions of the plan, or field errors that say what is wrong with it."""
    found = {row.version: row for row in session.scalars(select(ProcessVersion).where(
        ProcessVersion.process_id == plan.process_id, ProcessVersion.version.in_((plan.source, plan.target))))}
    errors: dict[str, list[str]] = {}
    for name, number in (("from", plan.source), ("to", plan.target)):     # the names callers send
        if number not in found:
            errors[name] = [msg("No such version of this process.")]
    if not errors and plan.source == plan.target:
        errors["to"] = [msg("The target must differ from the source version.")]
    if errors:
        raise ValidationError(errors)
    source, target = found[plan.source], found[plan.target]
    errors = _mapping_errors(session, plan.mapping, source, target)
    if errors:
        raise ValidationError(errors)
    return source, target


def _mapping_errors(session: Session, mapping: dict[str, str], source: ProcessVersion,
                    target: ProcessVersion) -> dict[str, list[str]]:
    source_steps, target_steps = set(_spec(session, source)[0].task_specs), set(_spec(session, target)[0].task_specs)
    errors = {}
    for old, new in mapping.items():
        if old not in source_steps:
            errors[f"mapping.{old}"] = [msg("No such step in the source version.")]
        elif new not in target_steps:
            errors[f"mapping.{old}"] = [msg("No such step in the target version.")]
    return errors


def _spec(session: Session, version: ProcessVersion):
    return load_spec(str(session.bind.url), version.id, lambda: session.scalar(
        select(ProcessVersion.spec_json).where(ProcessVersion.id == version.id)))


def _running(version_id: int):
    return (select(ProcessInstance.id, ProcessInstance.case_id, Case.number, ProcessInstance.state)
            .join(Case, Case.id == ProcessInstance.case_id)
            .where(ProcessInstance.process_version_id == version_id,
                   ProcessInstance.status == v.INSTANCE_RUNNING)
            .order_by(ProcessInstance.id).limit(MAX_INSTANCES))


def _check(row, spec, subs, mapping: dict[str, str]) -> Candidate:
    remapped = migration.remap(row.state, spec, subs, mapping)
    return Candidate(row.id, row.case_id, row.number, migration.current_steps(row.state), remapped.problems)


def _move(db: Database, actor: Actor, plan: Plan, candidate: Candidate, source: ProcessVersion,
          target: ProcessVersion) -> Candidate:
    """Re-check and move one instance under its locks (case row, then instance)."""
    with db.transaction() as session:
        lock_case(session, candidate.case_id)
        row = instances.lock_row(session, candidate.instance_id)
        if row.process_version_id != source.id or row.status != v.INSTANCE_RUNNING:
            return _refuse(candidate, msg("the instance changed meanwhile (finished or already moved)"))
        spec, subs = _spec(session, target)     # the versions' rows are detached, their spec cached
        remapped = migration.remap(row.state, spec, subs, plan.mapping)
        if remapped.problems:
            return _refuse(candidate, *remapped.problems)
        row.state, row.process_version_id = remapped.state, target.id
        row.version += 1
        row.updated_at = utcnow()
        live_cache.forget(session, row.id)
        _relabel_tasks(session, row)
        case = session.get(Case, row.case_id)
        audit.record(session, action="version_migrated", actor=actor, case=case, instance_id=row.id,
                     data={"process_id": plan.process_id, "from": plan.source, "to": plan.target,
                           "mapping": plan.mapping, "steps": candidate.steps})
        return Candidate(row.id, row.case_id, candidate.case_number, migration.current_steps(row.state), [])


def _refuse(candidate: Candidate, *problems: str) -> Candidate:
    return Candidate(candidate.instance_id, candidate.case_id, candidate.case_number, candidate.steps,
                     list(problems))


def _relabel_tasks(session: Session, row: ProcessInstance) -> None:
    """Open steps keep their rows (same engine task ids); a renamed step takes its new id and title."""
    workflow = instances.peek(session, row)
    for task in session.scalars(select(HumanTask).where(HumanTask.instance_id == row.id,
                                                        HumanTask.state == v.TASK_OPEN)):
        spiff_task = find_task(workflow, task.spiff_task_id)
        if spiff_task is None:
            continue
        spec = spiff_task.task_spec
        task.bpmn_id = spec.bpmn_id or spec.name
        task.title = spec.bpmn_name or task.bpmn_id
        task.form_key = projection.properties(spiff_task).get("formKey") or task.form_key
