"""A randomized concurrency run (issue 11): several processes work the same cases at once.

Each process draws operations at random over a shared pool of cases of the simulated bureau
(``workflow.cli.simulate``): whatever the action policy offers someone on an open task (claim,
complete, return, transfer, urge, suspend, extension …, with the instance version they saw),
applicants withdrawing, resubmitting and rating, approvers deciding extensions, new filings
with ``Idempotency-Key``s that other processes send too, and the clock and timer sweeps, while
a third of the cases are overdue for acceptance so the sweep races the window clerks. Then:

- no unexpected error (anything but the engine's 403/404/409/422 answers);
- every success recorded exactly once in the audit history, nothing recorded that did not succeed;
- no double application: each task completed at most once, one withdrawal, one rating, one
  decision per extension request, deemed acceptance and timers exactly as often as the sweeps
  say they applied them, one case per filing key;
- no lost update: the task table equals the engine for every instance, each open task's holder is
  the one its last claim or release says, approved extension days add up on the case;
- the audit chain verifies and certificate numbers are unique.

``.venv/bin/python bench/concurrency.py [--database URL] [--processes 8] [--operations 1500]``
prints the figures (a fresh SQLite file by default; a PostgreSQL URL is used as given, so give
it an empty database). ``tests/reliability/test_concurrency_run.py`` runs a smaller one.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workflow import vocabulary as v  # noqa: E402
from workflow.cli.simulate import choices  # noqa: E402
from workflow.cli.simulate.world import Applications, build  # noqa: E402
from workflow.domain import clock, policy  # noqa: E402
from workflow.domain.permissions import can_work_on  # noqa: E402
from workflow.errors import EngineError  # noqa: E402
from workflow.runtime.projection import ready_manual_tasks  # noqa: E402
from workflow.runtime.spiff_runtime import SafeScriptEngine, load_spec, restore_workflow  # noqa: E402
from workflow.services import cases, clock as clock_services, dispatch, report_summary, sweep, timers  # noqa: E402
from workflow.storage import audit  # noqa: E402
from workflow.storage.db import Database, utcnow  # noqa: E402
from workflow.storage.models import (  # noqa: E402
    AuditEvent, Case, Certificate, ClockSegment, FilingKey, HumanTask, Organisation, ProcessInstance,
    ProcessVersion, Rating, User,
)

MATTERS = ("equipment_registration", "equipment_notice", "food_license", "industrial_license")
# The audit action each operation writes when it succeeds (the others write the operation's name).
AUDIT_ACTION = {"correction": "return_to_applicant", "extension": "extension_requested", "rating": "rate"}
FILING_KEYS = 12


# -- preparing the bureau ---------------------------------------------------------------------------

def prepare(url: str, cases_count: int, seed: int) -> None:
    """The simulated bureau with ``cases_count`` filings; every third one overdue for acceptance."""
    rng = random.Random(seed)
    db = Database(url)
    world = build(db, enterprises=6, quota=3, rng=rng)
    apps = Applications(rng)
    for index in range(cases_count):
        person = world.applicants[index % len(world.applicants)]
        matter = MATTERS[index % len(MATTERS)]
        case = cases.submit(db, person, [matter], apps.data(matter, world.organisations[person.organisation_id]))
        if index % 3 == 0:
            with db.transaction() as session:
                row = session.get(Case, case.id)
                row.created_at = row.materials_at = utcnow() - timedelta(days=14)
                clock.refresh_case(session, row, utcnow())
    db.dispose()


# -- one worker process ------------------------------------------------------------------------------

class Worker:
    """One process: random operations, its successes (what it must find in the history) and counts."""

    def __init__(self, url: str, index: int, seed: int) -> None:
        self.db = Database(url)
        self.rng = random.Random(seed * 1000 + index)
        with self.db.reading() as session:
            people = list(session.scalars(select(User)))
            self.orgs = {o.id: o for o in session.scalars(select(Organisation))}
        self.staff = [p for p in people if p.role != "applicant"]
        self.applicants = [p for p in people if p.role == "applicant"]
        self.successes: list[list] = []
        self.filed: list[list] = []
        self.fresh: list[int] = []
        self.counts: Counter = Counter()

    def run(self, operations: int) -> dict:
        kinds = [(self.task_op, 76), (self.case_op, 8), (self.decide, 6), (self.file, 6), (self.sweep, 4)]
        for _ in range(operations):
            action = self.rng.choices([k for k, _w in kinds], [w for _k, w in kinds])[0]
            action()
        self.db.dispose()
        return {"successes": self.successes, "filed": self.filed, "fresh": self.fresh, "counts": dict(self.counts)}

    def attempt(self, op: str, perform) -> object | None:
        """Run one operation: a success, an engine refusal (someone was quicker) or an error."""
        self.counts["operations"] += 1
        try:
            result = perform()
        except EngineError as exc:
            self.counts["conflicts" if exc.code == "conflict" else "refused"] += 1
            return None
        except Exception as exc:  # noqa: BLE001 - an unexpected error is what the run looks for
            self.counts[f"error:{type(exc).__name__}"] += 1
            print(f"error in {op}: {exc!r}", file=sys.stderr)
            return None
        self.counts["succeeded"] += 1
        self.counts[f"ok:{op}"] += 1
        return result if result is not None else True

    def task_op(self) -> None:
        with self.db.reading() as session:
            open_ids = session.scalars(select(HumanTask.id).where(HumanTask.state == v.TASK_OPEN)).all()
            if not open_ids:
                return
            task = session.get(HumanTask, self.rng.choice(open_ids))
            case = session.get(Case, task.case_id)
            person = self.who(task)
            if person is None:
                return
            offered = policy.task_actions(policy.TaskContext(session, person, task, case, utcnow()))
            action = choices.pick_action(self.rng, [a for a in offered if a.op != "close_round"], 1.0, False)
            if action is None:
                return
            params = choices.params(self.rng, action, task, case.data or {})
            params["version"] = session.scalar(select(ProcessInstance.version)
                                               .where(ProcessInstance.id == task.instance_id))
        if self.attempt(action.op, lambda: dispatch.run_task_op(self.db, person, task.id, action.op, params)):
            self.successes.append([AUDIT_ACTION.get(action.op, action.op), task.case_id, task.id, person.id])

    def who(self, task: HumanTask) -> User | None:
        pool = self.applicants if task.role == "applicant" else self.staff
        named = [p for p in pool if p.id in (task.assignee_id, task.handed_over_by)]
        candidates = named if named and self.rng.random() < 0.7 else \
            [p for p in pool if p.id == task.assignee_id or can_work_on(p, task)]
        return self.rng.choice(candidates) if candidates else None

    def case_op(self) -> None:
        with self.db.reading() as session:
            case = session.get(Case, self.rng.choice(session.scalars(select(Case.id)).all()))
        person = self.rng.choice([p for p in self.applicants if p.organisation_id == case.organisation_id])
        op, params = self.rng.choices([("withdraw", {"reason": "计划调整"}), ("rating", {"level": 4}),
                                       ("resubmit", {"data": {}})], [1, 6, 6])[0]
        if self.attempt(op, lambda: dispatch.run_case_op(self.db, person, case.id, op, params)):
            self.successes.append([AUDIT_ACTION.get(op, op), case.id, None, person.id])

    def decide(self) -> None:
        with self.db.reading() as session:
            waiting = session.execute(select(ClockSegment.id, ClockSegment.case_id).where(
                ClockSegment.kind == "extension", ClockSegment.status == "requested")).all()
        if not waiting:
            return
        segment_id, case_id = self.rng.choice(waiting)
        approve = self.rng.random() < 0.7
        person = self.rng.choice([p for p in self.staff if p.role == "approver"])
        if self.attempt("decide", lambda: clock_services.decide_extension(self.db, person, segment_id, approve, "决定")):
            self.successes.append(["extension_approved" if approve else "extension_rejected", case_id, None, person.id])

    def file(self) -> None:
        """A new filing that keeps the pool of work going, or one under a few keys every process
        uses (the same key, the same filing: one case however many processes send it)."""
        if self.rng.random() < 0.5:
            self.file_fresh()
            return
        number = self.rng.randrange(FILING_KEYS)
        same = random.Random(number)
        person = same.choice(self.applicants)
        matter = same.choice(MATTERS)
        data = Applications(same).data(matter, self.orgs[person.organisation_id])
        case = self.attempt("file", lambda: cases.submit(self.db, person, [matter], data, key=f"run:{number}"))
        if case:
            self.filed.append([number, case.id])

    def file_fresh(self) -> None:
        person = self.rng.choice(self.applicants)
        matter = self.rng.choice(MATTERS)
        data = Applications(self.rng).data(matter, self.orgs[person.organisation_id])
        case = self.attempt("file", lambda: cases.submit(self.db, person, [matter], data))
        if case:
            self.fresh.append(case.id)

    def sweep(self) -> None:
        if self.rng.random() < 0.5:
            woken = self.attempt("timers", lambda: timers.run_due(self.db))
            self.counts["applied:timer"] += woken if isinstance(woken, int) and woken is not True else 0
            return
        swept = self.attempt("sweep", lambda: sweep.sweep(self.db))
        if isinstance(swept, dict):
            self.counts["applied:deemed_accepted"] += swept["deemed_accepted"]
            self.counts["applied:deemed_granted"] += swept["deemed_renewed"]
            self.counts["sweep_failed"] += swept["failed"]


def work(url: str, index: int, seed: int, operations: int, out: str) -> None:
    """A worker process's entry point (``spawn``): results go to ``out`` as JSON."""
    result = Worker(url, index, seed).run(operations)
    Path(out).write_text(json.dumps(result), encoding="utf-8")


# -- the run and its checks ---------------------------------------------------------------------------

def run(url: str, processes: int = 8, operations: int = 250, cases_count: int = 40, seed: int = 1) -> dict:
    """Prepare, run the processes at once, check; the figures (``violations`` must be empty)."""
    prepare(url, cases_count, seed)
    db = Database(url)
    with db.reading() as session:
        start_seq = session.scalar(select(func.max(AuditEvent.seq))) or 0
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        context = multiprocessing.get_context("spawn")
        outs = [str(Path(tmp) / f"worker{i}.json") for i in range(processes)]
        procs = [context.Process(target=work, args=(url, i, seed, operations, outs[i])) for i in range(processes)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join()
        results = [json.loads(Path(o).read_text(encoding="utf-8")) for o in outs if Path(o).exists()]
    seconds = time.monotonic() - started
    counts = sum((Counter(r["counts"]) for r in results), Counter())
    violations = [f"worker {i} exited {p.exitcode}" for i, p in enumerate(procs) if p.exitcode != 0]
    violations += [f"{name}: {n}" for name, n in counts.items() if name.startswith("error:")]
    violations += check(db, start_seq, results, counts)
    db.dispose()
    return {"processes": processes, "operations": counts["operations"], "succeeded": counts["succeeded"],
            "conflicts": counts["conflicts"], "refused": counts["refused"], "seconds": round(seconds, 1),
            "per_op": {k[3:]: n for k, n in sorted(counts.items()) if k.startswith("ok:")},
            "applied": {k[8:]: n for k, n in counts.items() if k.startswith("applied:")},
            "double_applied": sum(1 for x in violations if x.startswith("double")),
            "violations": violations}


def check(db: Database, start_seq: int, results: list[dict], counts: Counter) -> list[str]:
    with db.reading() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.seq > start_seq).order_by(AuditEvent.seq)))
        problems = _recorded_once(events, results) + _applied_once(session, events, counts)
        problems += _filed_once(session, events, results) + _no_lost_update(session, events)
        problems += _projection(session)
        problems += [f"report summary differs: {line}" for line in report_summary.differences(session)]
        result = audit.verify(session)
        if not result.ok:
            problems.append(f"audit chain broken at {result.broken_seq}: {result.reason}")
        problems += [f"double certificate number {n}" for n in session.scalars(
            select(Certificate.number).group_by(Certificate.number).having(func.count() > 1))]
    return problems


def _recorded_once(events: list[AuditEvent], results: list[dict]) -> list[str]:
    """Every success exactly once in the history, and no actor's event without a success."""
    done = Counter(tuple(s) for r in results for s in r["successes"])
    actions = {key[0] for key in done} | {"claim", "complete", "withdraw", "rate"}
    recorded = Counter((e.action, e.case_id, e.task_id, e.actor_id) for e in events
                       if e.actor_id is not None and e.action in actions)
    missing, extra = done - recorded, recorded - done
    return [f"success not recorded: {k}" for k in missing] + [f"recorded without a success: {k}" for k in extra]


def _applied_once(session, events: list[AuditEvent], counts: Counter) -> list[str]:
    problems = []
    for action in ("timer", "deemed_accepted", "deemed_granted"):
        recorded = sum(1 for e in events if e.action == action)
        if recorded != counts[f"applied:{action}"]:
            problems.append(f"double or lost {action}: sweeps applied {counts[f'applied:{action}']}, "
                            f"history has {recorded}")
    per_case = Counter((e.action, e.case_id) for e in events if e.action in ("withdraw", "rate", "deemed_accepted"))
    problems += [f"double {a} on case {c}" for (a, c), n in per_case.items() if n > 1]
    per_task = Counter(e.task_id for e in events if e.action == "complete")
    problems += [f"double completion of task {t}" for t, n in per_task.items() if n > 1]
    decisions = Counter((e.data or {}).get("segment_id") for e in events
                        if e.action in ("extension_approved", "extension_rejected"))
    problems += [f"double decision of extension {s}" for s, n in decisions.items() if n > 1]
    ratings = Counter(session.scalars(select(Rating.case_id)))
    problems += [f"double rating of case {c}" for c, n in ratings.items() if n > 1]
    return problems


def _filed_once(session, events: list[AuditEvent], results: list[dict]) -> list[str]:
    by_key: dict[int, set[int]] = {}
    for r in results:
        for number, case_id in r["filed"]:
            by_key.setdefault(number, set()).add(case_id)
    problems = [f"double filing under key {k}: cases {sorted(ids)}" for k, ids in by_key.items() if len(ids) > 1]
    filed = {c for ids in by_key.values() for c in ids} | {c for r in results for c in r["fresh"]}
    submits = Counter(e.case_id for e in events if e.action == "submit")
    problems += [f"double submit event for case {c}" for c in filed if submits[c] != 1]
    problems += [f"case {c} filed without a success" for c in set(submits) - filed]
    if session.scalar(select(func.count()).select_from(FilingKey)) != len(by_key):
        problems.append("filing keys and filed cases differ")
    return problems


def _no_lost_update(session, events: list[AuditEvent]) -> list[str]:
    """The stored state is what the history's last word says."""
    problems = []
    last: dict[int, AuditEvent] = {}
    for event in events:
        if event.task_id is not None:
            last[event.task_id] = event
    for task in session.scalars(select(HumanTask).where(HumanTask.id.in_(list(last)))):
        event = last[task.id]
        if task.state == v.TASK_OPEN and event.action in ("claim", "unclaim"):
            expected = event.actor_id if event.action == "claim" else None
            if task.assignee_id != expected:
                problems.append(f"lost update: task {task.id} held by {task.assignee_id}, history says {expected}")
        completions = [e for e in events if e.task_id == task.id and e.action == "complete"]
        if task.close_reason == "completed" and len(completions) == 1 and completions[0].actor_id != task.completed_by:
            problems.append(f"lost update: task {task.id} completed by {task.completed_by}, history says "
                            f"{completions[0].actor_id}")
    for case in session.scalars(select(Case)):
        approved = session.scalar(select(func.coalesce(func.sum(ClockSegment.days), 0)).where(
            ClockSegment.case_id == case.id, ClockSegment.kind == "extension", ClockSegment.status == "approved"))
        if approved != case.extended_days:
            problems.append(f"lost update: case {case.id} extended {case.extended_days} days, approvals {approved}")
        withdrawn = sum(1 for e in events if e.case_id == case.id and e.action == "withdraw")
        if (case.status == v.WITHDRAWN) != (withdrawn == 1):
            problems.append(f"lost update: case {case.id} is {case.status} after {withdrawn} withdrawals")
    return problems


def _projection(session) -> list[str]:
    problems = []
    for row in session.scalars(select(ProcessInstance)):
        spec, subs = load_spec(str(session.bind.url), row.process_version_id, lambda: session.scalar(
            select(ProcessVersion.spec_json).where(ProcessVersion.id == row.process_version_id)))
        expected = set(ready_manual_tasks(restore_workflow(row.state, spec, subs, SafeScriptEngine())))
        projected = set(session.scalars(select(HumanTask.spiff_task_id).where(
            HumanTask.instance_id == row.id, HumanTask.state == v.TASK_OPEN)))
        if projected != expected:
            problems.append(f"instance {row.id}: task table {sorted(projected)} != engine {sorted(expected)}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="an empty database (default: a fresh SQLite file)")
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--operations", type=int, default=1500, help="per process")
    parser.add_argument("--cases", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/concurrency.db"
        report = run(url, args.processes, args.operations, args.cases, args.seed)
    print(f"database        {url.split('@')[-1]}")
    for name in ("processes", "operations", "succeeded", "conflicts", "refused", "seconds", "double_applied"):
        print(f"{name:15} {report[name]}")
    print(f"{'ops/second':15} {report['operations'] / max(report['seconds'], 0.001):.0f}")
    print("succeeded by op  " + ", ".join(f"{k} {n}" for k, n in report["per_op"].items()))
    print("sweeps applied   " + ", ".join(f"{k} {n}" for k, n in report["applied"].items()))
    print(f"violations      {len(report['violations'])}")
    for line in report["violations"][:50]:
        print("  " + line)
    return 1 if report["violations"] else 0


if __name__ == "__main__":
    sys.exit(main())
