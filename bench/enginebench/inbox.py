"""(c) Inbox queries (``services.inbox.list_tasks`` and ``counts``) at growing numbers of open tasks.

The database is grown with SQLAlchemy Core ``insert()`` executemany (one case, instance and open
task per row), spread like a busy bureau; each size times the first actor's views and badge counts
and, at the largest, prints SQLite's query plans.
"""
from __future__ import annotations

import cProfile
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from bench.enginebench.figures import header, line, ms, verdict
from bench.enginebench.fixture import MATTER, PROCESS_ID, load_people
from bench.scale import pct
from workflow.domain.matters import DEPARTMENTS
from workflow.services import inbox
from workflow.services.inbox import Filters
from workflow.storage.db import Database
from workflow.storage.models import (
    Case,
    HumanTask,
    Organisation,
    ProcessInstance,
    ProcessVersion,
    User,
)

TARGET_INBOX_P95_MS = 20.0
TARGET_GROWTH = 1.5
INSERT_BATCH = 5_000


class Population:
    """Generates open tasks: 4 roles x 5 departments, 10 % claimed, 5 % green channel, past due dates."""

    ROLES = ("window", "reviewer", "inspector", "approver")

    def __init__(self, db: Database, state: bytes, seed: int = 20250101) -> None:
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC)
        with db.reading() as session:
            users = session.execute(select(User.id, User.role, User.department_code)).all()
            self.org_ids = list(session.scalars(select(Organisation.id).order_by(Organisation.id)))
            self.applicant_id = session.scalar(select(User.id).where(User.username == "applicant_a"))
            self.version_id = session.scalar(select(ProcessVersion.id).where(
                ProcessVersion.process_id == PROCESS_ID).order_by(ProcessVersion.version.desc()))
            self.next_case = (session.scalar(select(func.max(Case.id))) or 0) + 1
            self.next_instance = (session.scalar(select(func.max(ProcessInstance.id))) or 0) + 1
            self.next_task = (session.scalar(select(func.max(HumanTask.id))) or 0) + 1
        self.pool: dict[tuple[str, str | None], list[int]] = {}
        by_role: dict[str, list[int]] = {}
        for uid, role, dept in users:
            self.pool.setdefault((role, dept), []).append(uid)
            by_role.setdefault(role, []).append(uid)
        self.by_role = by_role
        self.state = state
        self.departments = list(DEPARTMENTS)

    def _assignee(self, role: str, dept: str | None) -> int:
        return self.rng.choice(self.pool.get((role, dept)) or self.by_role[role])

    def batch(self, n: int) -> tuple[list[dict], list[dict], list[dict]]:
        rng, now = self.rng, self.now
        case_rows, instance_rows, task_rows = [], [], []
        for _ in range(n):
            case_id, instance_id, task_id = self.next_case, self.next_instance, self.next_task
            self.next_case += 1
            self.next_instance += 1
            self.next_task += 1
            created = now - timedelta(days=rng.expovariate(1 / 3.0), seconds=rng.randrange(86_400))
            green = rng.random() < 0.05
            role = rng.choice(self.ROLES)
            dept = None if role == "window" else rng.choice(self.departments)
            step_days = 3
            due = created + timedelta(days=5)
            yellow = created + timedelta(days=3)
            light = "red" if due < now else ("yellow" if yellow <= now else "green")
            claimed = rng.random() < 0.10
            assignee = self._assignee(role, dept) if claimed else None
            case_rows.append({
                "id": case_id, "number": f"BENCH{case_id:010d}", "organisation_id": rng.choice(self.org_ids),
                "applicant_id": self.applicant_id, "title": "测试件", "matters": [MATTER], "data": {},
                "status": "in_progress", "green_channel": green, "created_at": created, "materials_at": created,
                "accepted_at": created, "light": light, "extended_days": 0, "used_days": 0, "suspended": False,
                "deemed_accepted": False,
            })
            instance_rows.append({
                "id": instance_id, "case_id": case_id, "matter_code": MATTER, "process_version_id": self.version_id,
                "state": self.state, "version": 1, "status": "running", "created_at": created, "updated_at": created,
            })
            bpmn_id = {"window": "intake", "reviewer": "check_a", "inspector": "check_b",
                       "approver": "decide"}[role]
            task_rows.append({
                "id": task_id, "spiff_task_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "instance_id": instance_id, "case_id": case_id, "matter_code": MATTER, "bpmn_id": bpmn_id,
                "title": bpmn_id, "form_key": "generic", "role": role, "department_code": dept, "organisation_id": None,
                "state": "open", "hold": "correction" if rng.random() < 0.01 else None, "assignee_id": assignee,
                "candidates": [], "distinct_assignees": rng.random() < 0.02, "green_channel": green,
                "step_limit_days": step_days, "due_at": due, "yellow_at": yellow, "light": light, "created_at": created,
                "claimed_at": created if claimed else None,
            })
        return case_rows, instance_rows, task_rows


def grow(db: Database, population: Population, n: int) -> float:
    """Insert ``n`` open tasks (with their cases and instances) in transactions of 5,000 rows."""
    t0 = time.perf_counter()
    done = 0
    while done < n:
        size = min(INSERT_BATCH, n - done)
        case_rows, instance_rows, task_rows = population.batch(size)
        with db.engine.begin() as conn:
            conn.execute(insert(Case.__table__), case_rows)
            conn.execute(insert(ProcessInstance.__table__), instance_rows)
            conn.execute(insert(HumanTask.__table__), task_rows)
        done += size
    return time.perf_counter() - t0


def count_open(db: Database) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.state == "open"))


def time_calls(fn, runs: int, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        fn()
        out.append(ms(time.perf_counter_ns() - t0))
    return out


def inbox_probes(db: Database, actor) -> dict:
    return {
        "list claimable": lambda: inbox.list_tasks(db, actor, Filters(view="claimable")),
        "list mine": lambda: inbox.list_tasks(db, actor, Filters(view="mine")),
        "list all": lambda: inbox.list_tasks(db, actor, Filters(view="all")),
        "counts (mine/claimable/overdue)": lambda: inbox.counts(db, actor),
    }


def explain(db: Database, stmt) -> list[str]:
    sql = str(stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql).all()
    depth: dict[int, int] = {0: 0}
    lines = []
    for node_id, parent, _unused, detail in rows:
        depth[node_id] = depth.get(parent, 0) + 1
        lines.append("    " + "  " * depth[node_id] + detail)
    return lines


def bench_inbox(db: Database, sizes: list[int], runs: int, actor_names: list[str], state: bytes,
                profile: cProfile.Profile | None = None) -> dict:
    people = load_people(db)
    population = Population(db, state)
    results: dict[str, dict[int, dict[str, list[float]]]] = {name: {} for name in actor_names}
    visible: dict[str, dict[int, dict[str, int]]] = {name: {} for name in actor_names}
    for size in sizes:
        have = count_open(db)
        if size > have:
            seconds = grow(db, population, size - have)
            print(f"  grew to {size:,} open tasks: +{size - have:,} cases/instances/tasks in {seconds:.1f} s")
        else:
            print(f"  {have:,} open tasks already (asked for {size:,})")
        for name in actor_names:
            actor = people[name]
            visible[name][size] = inbox.counts(db, actor)
            results[name][size] = {label: time_calls(fn, runs) for label, fn in inbox_probes(db, actor).items()}
    actor = people[actor_names[0]]
    if profile is not None:  # the first actor's probes at the largest size, once more under the profiler
        for fn in inbox_probes(db, actor).values():
            profile.enable()
            for _ in range(runs):
                fn()
            profile.disable()
    plans = {}
    for view in ("claimable", "all", "overdue"):
        for n, piece in enumerate(inbox.view_queries(actor, Filters(view=view)), 1):
            plans[f"{view} piece {n} page"] = explain(db, piece.order_by(
                HumanTask.green_channel.desc(), HumanTask.created_at, HumanTask.id).limit(20))
            plans[f"{view} piece {n} count"] = explain(db, select(func.count()).select_from(
                piece.with_only_columns(HumanTask.id).subquery()))
    with db.reading() as session:
        instances_n = session.scalar(select(func.count()).select_from(ProcessInstance))
    db_bytes = os.path.getsize(db.url.split("///", 1)[1])
    return {"results": results, "visible": visible, "plans": plans, "instances": instances_n,
            "db_bytes": db_bytes}


def report_inbox(c: dict, sizes: list[int], actor_names: list[str]) -> None:
    header("(c) inbox queries over the human_tasks projection (SQLite, bulk-inserted rows)")
    print("  open tasks: 4 roles (window, reviewer, inspector, approver) x 5 departments, window tasks without"
          " department;")
    print("  10 % claimed by 1-3 users of the queue, 5 % green channel, 1 % held for correction, 2 % two-person"
          " steps; ~20 % past due")
    print(f"  database after growth: {c['instances']:,} process instances, {c['db_bytes'] / 2**20:,.0f} MiB")
    labels = list(inbox_probes(None, None))
    for name in actor_names:
        print()
        print(f"  actor {name}:")
        for size in sizes:
            vis = c["visible"][name][size]
            print(f"    at {size:>7,} open tasks (actor sees mine={vis['mine']:,}, claimable={vis['claimable']:,},"
                  f" overdue={vis['overdue']:,})")
            for label in labels:
                line("  " + label, c["results"][name][size][label])
    first = actor_names[0]
    big, prev = sizes[-1], (sizes[-2] if len(sizes) > 1 else sizes[-1])
    res = c["results"][first]
    header(f"Targets: inbox (actor {first}; growth = p50 at {big:,} / p50 at {prev:,})")
    if (prev, big) != (10_000, 100_000):
        print(f"  note: the targets are defined for 10k -> 100k; this run grew {prev:,} -> {big:,}")
    for label in labels:
        p95 = pct(res[big][label], 95)
        growth = pct(res[big][label], 50) / pct(res[prev][label], 50)
        print(f"  {label:<34} p95 {p95:7.3f} ms <= {TARGET_INBOX_P95_MS:g} ms {verdict(p95 <= TARGET_INBOX_P95_MS)}"
              f"    growth {growth:5.2f}x <= {TARGET_GROWTH:g}x {verdict(growth <= TARGET_GROWTH)}")
    for other in actor_names[1:]:
        print(f"  (actor {other}, informational)")
        for label in labels:
            r = c["results"][other]
            p95 = pct(r[big][label], 95)
            growth = pct(r[big][label], 50) / pct(r[prev][label], 50)
            print(f"  {label:<34} p95 {p95:7.3f} ms {verdict(p95 <= TARGET_INBOX_P95_MS)}"
                  f"    growth {growth:5.2f}x {verdict(growth <= TARGET_GROWTH)}")
    header(f"EXPLAIN QUERY PLAN, actor {first} at {big:,} open tasks")
    print("  each view is a union of pieces (workflow.services.inbox.view_queries); per piece the page query")
    print("  (ORDER BY green_channel DESC, created_at, id LIMIT 20) and its count:")
    for label, plan in c["plans"].items():
        print(f"  {label}:")
        print("\n".join(plan))


