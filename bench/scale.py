"""Read-side cost at 10k, 100k and 1M cases on PostgreSQL: inboxes, case search, dashboard, period report.

The cases are generated in bulk with ``INSERT … SELECT generate_series`` (not over HTTP), in one
database grown in place, at a constant filing rate (``--per-year``, default 100,000 cases a year,
a province's single window): case 1 is the newest, each further case a little older. So growing
the database adds history, as years of operation do, while the recent workload (the last weeks'
running cases and their open tasks, this year's figures) stays what it is. Per case: one process
instance (its state left empty: no query here reads it), one closed window task and, while the
case runs, one open task of its department (10 % claimed) or, when completed, one closed
review task; enterprises are one per 20 cases. Rows written in SQL bypass the commands that keep
the report summary, so it is rebuilt after each batch (``report_summary.rebuild``, timed apart).

Timed through the service functions the pages and the API call (``inbox.list_tasks``,
``inbox.counts``, ``queries.list_cases`` with ``q``, ``reports.dashboard``,
``reports.period_report``), nearest-rank p50/p95 over ``--runs`` calls after warm-up, then the
PostgreSQL plans (EXPLAIN ANALYZE) of the main statements at the largest size. Prints figures
and PASS/MISS; never fails. Needs a PostgreSQL server where it may create a database:

    .venv/bin/python bench/scale.py [--url postgresql://postgres@127.0.0.1:5432/postgres]
                                    [--sizes 10000,100000,1000000] [--runs 30] [--quick] [--keep]
    .venv/bin/python bench/scale.py --databases URL_100K,URL_1M     # kept ones, probed in alternation
"""
from __future__ import annotations

import sys
from pathlib import Path

import argparse
import math
import os
import random
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402

from workflow.domain.matters import MATTERS  # noqa: E402
from workflow.runtime.deployment import deploy_directory  # noqa: E402
from workflow.services import inbox, queries, report_summary, reports  # noqa: E402
from workflow.services.inbox import Filters  # noqa: E402
from workflow.services.queries import CaseFilters  # noqa: E402
from workflow.services.users import create_user, ensure_departments  # noqa: E402
from workflow.storage.db import Database, normalise_url, utcnow  # noqa: E402
from workflow.storage.models import Case, Organisation, ProcessVersion, User  # noqa: E402
from workflow.storage.schema import upgrade  # noqa: E402
from workflow.timekeeping.holidays import seed_from_chinese_calendar  # noqa: E402
from workflow.timekeeping.workdays import local_date  # noqa: E402

TARGETS = {"inbox": 20.0, "search": 50.0, "dashboard": 300.0, "report": 300.0}
TARGET_GROWTH = 1.5
BATCH = 100_000
PASSWORD = "bench-pass-1"
# (username, role, department); the first reviewer and the window clerk are measured.
STAFF = [("window1", "window", "window"), ("window2", "window", "window")] + [
    (f"{role}_{dept}{n}", role, dept) for dept in ("production", "food", "equipment", "quality")
    for role in ("reviewer", "inspector", "approver") for n in (1, 2)] + [
    ("supervisor", "supervisor", None), ("admin", "admin", None)]
# matter code -> share of filings in percent (CNG and equipment registrations dominate, seed 004)
MIX = [("cng_cylinder", 40), ("equipment_registration", 35), ("equipment_notice", 10), ("food_license", 6),
       ("industrial_license", 4), ("food_license_change", 3), ("quality_award", 2)]
CITIES = ["福州", "厦门", "泉州", "漳州", "莆田", "三明", "南平", "龙岩", "宁德", "平潭"]
TRADES = ["食品", "机械", "气瓶", "电梯", "锅炉", "化工", "纺织", "电子", "建材", "运输"]


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile of the benchmarks (nan when nothing was measured)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)] if ordered else float("nan")


# -- the database ----------------------------------------------------------------------------

def create_database(admin_url: str) -> tuple[str, str]:
    name = f"scale_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, normalise_url(admin_url).rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, name: str) -> None:
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def seed(db: Database) -> None:
    upgrade(db)
    with db.transaction() as session:
        seed_from_chinese_calendar(session)
        deploy_directory(session)
        ensure_departments(session)
        session.flush()
        for username, role, dept in STAFF:
            create_user(session, username, PASSWORD, role, username, department=dept)


def _case_matter_sql() -> str:
    """SQL CASE choosing the matter of case ``i`` by the mix (i * 37 spreads neighbours)."""
    parts, upper = [], 0
    for code, share in MIX:
        upper += share
        parts.append(f"WHEN (i * 37) % 100 < {upper} THEN '{code}'")
    return "CASE " + " ".join(parts) + " END"


GENERATE = """
CREATE TEMP TABLE gen ON COMMIT DROP AS
SELECT i, m.code AS matter, m.department AS dept, m.version_id,
       now() - make_interval(secs => (i - 1) * 86400.0 / CAST(:per_year AS float8) * 365) AS created,
       (i - 1) * 365.0 / CAST(:per_year AS float8) AS age
FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) AS i
JOIN matter_map m ON m.code = ({matter});

INSERT INTO organisations (id, credit_code, name)
SELECT o, '91350' || lpad(o::text, 12, '0') || 'X',
       (ARRAY[{cities}])[1 + o % 10] || '市' || o || '号' || (ARRAY[{trades}])[1 + (o / 10) % 10] || '有限公司'
FROM generate_series(CAST(:org_lo AS integer), CAST(:org_hi AS integer)) AS o
ON CONFLICT DO NOTHING;

INSERT INTO cases (id, number, organisation_id, applicant_id, title, matters, data, status, outcome,
                   green_channel, created_at, materials_at, accepted_at, completed_at, decision_due_at,
                   deemed_accepted, extended_days, used_days, light, suspended, on_time)
SELECT i, 'SL' || to_char(created, 'YYYY') || '-' || lpad(((i - 1) % 999999 + 1)::text, 6, '0'), 1 + (i - 1) / 20, CAST(:applicant AS integer),
       '申请' || matter, json_build_array(matter), '{{}}'::json,
       CASE WHEN age >= 30 THEN (CASE WHEN i % 33 = 0 THEN 'withdrawn' ELSE 'completed' END)
            WHEN i % 10 = 0 THEN 'submitted' WHEN i % 20 = 1 THEN 'correction' ELSE 'in_progress' END,
       CASE WHEN age >= 30 AND i % 33 <> 0 THEN (CASE WHEN i % 25 = 0 THEN 'denied' ELSE 'granted' END) END,
       i % 20 = 3, created, created, created + interval '1 day',
       CASE WHEN age >= 30 AND i % 33 <> 0 THEN created + make_interval(days => 3 + i % 20) END,
       created + interval '28 days', false, 0, least(age, 20)::int,
       CASE WHEN age >= 30 THEN 'green' WHEN age >= 28 THEN 'red' WHEN age >= 24 THEN 'yellow' ELSE 'green' END,
       false, CASE WHEN age >= 30 AND i % 33 <> 0 THEN i % 17 <> 0 END
FROM gen;

INSERT INTO process_instances (id, case_id, matter_code, department_code, process_version_id, state, version,
                               status, outcome, created_at, updated_at)
SELECT i, i, matter, dept, version_id, ''::bytea, 3,
       CASE WHEN age >= 30 THEN 'completed' ELSE 'running' END,
       CASE WHEN age >= 30 AND i % 33 <> 0 THEN (CASE WHEN i % 25 = 0 THEN 'denied' ELSE 'granted' END) END,
       created, created
FROM gen;

INSERT INTO human_tasks (id, spiff_task_id, instance_id, case_id, matter_code, bpmn_id, title, role,
                         department_code, state, assignee_id, candidates, distinct_assignees, green_channel,
                         light, created_at, closed_at, close_reason, completed_by, signers_pending)
SELECT 2 * i - 1, md5('w' || i)::uuid::text, i, i, matter, 'accept', '受理', 'window', NULL,
       CASE WHEN age < 30 AND i % 10 = 0 THEN 'open' ELSE 'closed' END,
       NULL, '[]'::json, false, i % 20 = 3, 'green', created,
       CASE WHEN age < 30 AND i % 10 = 0 THEN NULL ELSE created + interval '1 day' END,
       CASE WHEN age < 30 AND i % 10 = 0 THEN NULL ELSE 'completed' END,
       CASE WHEN age < 30 AND i % 10 = 0 THEN NULL ELSE CAST(:window_user AS integer) END, 0
FROM gen
UNION ALL
SELECT 2 * i, md5('r' || i)::uuid::text, i, i, matter, 'review', '审查', r.role, dept,
       CASE WHEN age < 30 THEN 'open' ELSE 'closed' END,
       CASE WHEN age < 30 AND i % 10 = 7 THEN u.id END, '[]'::json, false, i % 20 = 3,
       CASE WHEN age >= 30 THEN 'green' WHEN age >= 28 THEN 'red' WHEN age >= 24 THEN 'yellow' ELSE 'green' END,
       created + interval '1 day',
       CASE WHEN age >= 30 THEN created + make_interval(days => 2 + i % 15) END,
       CASE WHEN age >= 30 THEN 'completed' END, CASE WHEN age >= 30 THEN u.id END, 0
FROM gen
JOIN LATERAL (SELECT (ARRAY['reviewer', 'inspector', 'approver'])[1 + i % 3] AS role) r ON true
LEFT JOIN LATERAL (SELECT id FROM users WHERE users.role = r.role AND users.department_code = dept
                   ORDER BY id LIMIT 1) u ON true
WHERE age >= 30 OR i % 10 <> 0;
"""


def matter_map(db: Database) -> None:
    """A small table matter -> department and deployed version id, for the generator's joins."""
    with db.transaction() as session:
        versions = {p: v for p, v in session.execute(select(ProcessVersion.process_id, ProcessVersion.id))}
        session.execute(text("CREATE TABLE IF NOT EXISTS matter_map (code text PRIMARY KEY, department text, "
                             "version_id int)"))
        for code, _share in MIX:
            matter = MATTERS[code]
            session.execute(text("INSERT INTO matter_map VALUES (:c, :d, :v) ON CONFLICT DO NOTHING"),
                            {"c": code, "d": matter.department, "v": versions[matter.process_id]})


def grow(db: Database, have: int, size: int, per_year: int) -> float:
    """Add cases ``have + 1 .. size`` (older than those already there) in batches; returns seconds."""
    started = time.perf_counter()
    sql = GENERATE.format(matter=_case_matter_sql(), cities=", ".join(f"'{c}'" for c in CITIES),
                          trades=", ".join(f"'{t}'" for t in TRADES))
    with db.reading() as session:
        applicant = session.scalar(select(User.id).where(User.username == "admin"))
        window_user = session.scalar(select(User.id).where(User.username == "window1"))
    for lo in range(have + 1, size + 1, BATCH):
        hi = min(size, lo + BATCH - 1)
        org_lo, org_hi = (lo - 1) // 20 + 1, (hi - 1) // 20 + 1
        with db.engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            for statement in filter(str.strip, sql.split(";\n")):
                conn.execute(text(statement), {"lo": lo, "hi": hi, "per_year": per_year, "applicant": applicant,
                                               "window_user": window_user, "org_lo": org_lo, "org_hi": org_hi})
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def summarise(db: Database) -> tuple[float, int]:
    """Recount the report summary from the generated rows; returns seconds and rows written."""
    started = time.perf_counter()
    with db.transaction() as session:
        rows = report_summary.rebuild(session)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE report_case_days, report_task_days")
    return time.perf_counter() - started, rows


# -- the probes ------------------------------------------------------------------------------

def people(db: Database) -> dict[str, User]:
    with db.reading() as session:
        return {u.username: u for u in session.scalars(select(User))}


def samples(db: Database, size: int, rng: random.Random) -> dict[str, list[str]]:
    """Search terms drawn from the data: whole case numbers, a company's distinctive name part, credit codes."""
    ids = [rng.randint(1, size) for _ in range(40)]
    with db.reading() as session:
        numbers = list(session.scalars(select(Case.number).where(Case.id.in_(ids))))
        orgs = session.execute(select(Organisation.name, Organisation.credit_code)
                               .where(Organisation.id.in_([1 + (i - 1) // 20 for i in ids]))).all()
    return {"number": numbers, "name": [name[2:name.index("号") + 1] for name, _code in orgs],
            "credit code": [code for _name, code in orgs]}


def probes(db: Database, who: dict[str, User], terms: dict[str, list[str]]) -> dict[str, Callable[[int], object]]:
    reviewer, window, supervisor = who["reviewer_equipment1"], who["window1"], who["supervisor"]
    today = local_date(utcnow())
    found = {}
    for kind, values in terms.items():
        for actor_name, actor in (("supervisor", supervisor), ("equipment reviewer", reviewer)):
            found[f"search {kind} ({actor_name})"] = (
                "search", lambda n, a=actor, v=values: queries.list_cases(db, a, CaseFilters(q=v[n % len(v)])))
    return {
        "inbox claimable (equipment reviewer)": ("inbox", lambda n: inbox.list_tasks(
            db, reviewer, Filters(view="claimable"))),
        "inbox all (equipment reviewer)": ("inbox", lambda n: inbox.list_tasks(db, reviewer, Filters(view="all"))),
        "inbox counts (equipment reviewer)": ("inbox", lambda n: inbox.counts(db, reviewer)),
        "inbox claimable (window)": ("inbox", lambda n: inbox.list_tasks(db, window, Filters(view="claimable"))),
        "inbox counts (window)": ("inbox", lambda n: inbox.counts(db, window)),
        **found,
        "dashboard (year to date)": ("dashboard", lambda n: reports.dashboard(db, supervisor)),
        "period report (half year)": ("report", lambda n: reports.period_report(
            db, supervisor, today - timedelta(days=182), today)),
    }


def measure(fn: Callable[[int], object], runs: int) -> list[float]:
    for n in range(3):
        fn(n)
    out = []
    for n in range(runs):
        t0 = time.perf_counter_ns()
        fn(n)
        out.append((time.perf_counter_ns() - t0) / 1e6)
    return out


def alternate(found: dict[int, dict[str, tuple[str, Callable[[int], object]]]], runs: int
              ) -> dict[int, dict[str, list[float]]]:
    """Each probe at every size in turn, call by call, so load that comes and goes on a shared
    machine falls on every size alike (a size measured in a minute of its own can catch a busy one)."""
    for probes_of_size in found.values():
        for _kind, fn in probes_of_size.values():
            for n in range(3):
                fn(n)
    results: dict[int, dict[str, list[float]]] = {size: {label: [] for label in found[size]} for size in found}
    for n in range(runs):
        for label in next(iter(found.values())):
            for size in (sorted(found) if n % 2 else sorted(found, reverse=True)):
                t0 = time.perf_counter_ns()
                found[size][label][1](n)
                results[size][label].append((time.perf_counter_ns() - t0) / 1e6)
    return results


def probe_kept(urls: list[str], runs: int) -> None:
    """Probe databases kept by earlier runs (``--keep``), in alternation; plans at the largest."""
    dbs = {}
    for url in urls:
        db = Database(url)
        with db.reading() as session:
            dbs[session.scalar(text("SELECT count(*) FROM cases"))] = db
    sizes = sorted(dbs)
    found, rng = {}, random.Random(12)
    for size in sizes:
        terms = samples(dbs[size], size, rng)
        found[size] = probes(dbs[size], people(dbs[size]), terms)
    report(alternate(found, runs), {label: kind for label, (kind, _fn) in found[sizes[-1]].items()}, sizes)
    print(f"\nEXPLAIN ANALYZE at {sizes[-1]:,} cases\n" + "-" * 40)
    for label, lines in plans(dbs[sizes[-1]], people(dbs[sizes[-1]]), terms).items():
        print(f"  {label}\n" + "\n".join("      " + line for line in lines))
    for db in dbs.values():
        db.dispose()


def plans(db: Database, who: dict[str, User], terms: dict[str, list[str]]) -> dict[str, list[str]]:
    """EXPLAIN ANALYZE of what the probes send, captured with a statement listener."""
    from sqlalchemy import event
    captured: list[tuple[str, object]] = []

    def grab(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        for label, (_kind, fn) in probes(db, who, terms).items():
            if label.startswith(("inbox claimable (equipment", "search name (equipment", "search number (super",
                                 "period report", "dashboard")):
                fn(0)
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
    out: dict[str, list[str]] = {}
    with db.engine.connect() as conn:
        for n, (statement, parameters) in enumerate(captured, 1):
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters).all()
            out[f"statement {n}: {' '.join(statement.split())[:150]}…"] = [r[0] for r in rows]
    return out


# -- main ------------------------------------------------------------------------------------

def report(results: dict[int, dict[str, list[float]]], kinds: dict[str, str], sizes: list[int]) -> None:
    print()
    print("Figures (ms)")
    print("------------")
    header = "".join(f"{f'{s:,} p50':>13}{'p95':>9}" for s in sizes)
    print(f"  {'probe':<44}{header}")
    for label in kinds:
        cells = "".join(f"{pct(results[s][label], 50):13.2f}{pct(results[s][label], 95):9.2f}" for s in sizes)
        print(f"  {label:<44}{cells}")
    big, prev = sizes[-1], sizes[-2] if len(sizes) > 1 else sizes[-1]
    print()
    print(f"Targets at {big:,} cases (growth = p50 at {big:,} / p50 at {prev:,})")
    print("-" * 60)
    for label, kind in kinds.items():
        p95 = pct(results[big][label], 95)
        growth = pct(results[big][label], 50) / pct(results[prev][label], 50)
        ok = p95 <= TARGETS[kind]
        print(f"  {label:<44} p95 {p95:8.2f} ms <= {TARGETS[kind]:g} {'PASS' if ok else 'MISS'}   growth "
              f"{growth:5.2f}x <= {TARGET_GROWTH:g} {'PASS' if growth <= TARGET_GROWTH else 'MISS'}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
                    help="a PostgreSQL database URL on a server where a scratch database may be created")
    ap.add_argument("--sizes", default=None, help="case counts (10000,100000,1000000)")
    ap.add_argument("--per-year", type=int, default=100_000, help="filings per year (100000)")
    ap.add_argument("--runs", type=int, default=30, help="timed calls per probe and size (30)")
    ap.add_argument("--quick", action="store_true", help="2,000 and 20,000 cases, 10 runs")
    ap.add_argument("--keep", action="store_true", help="keep the scratch database and print its name")
    ap.add_argument("--databases", help="comma-separated URLs of databases kept by earlier runs: probe them "
                    "in alternation (same load for every size) instead of generating")
    args = ap.parse_args(argv)
    if args.databases:
        print(f"scale benchmark — kept databases, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        probe_kept(args.databases.split(","), args.runs)
        return
    sizes = sorted(int(s) for s in (args.sizes or ("2000,20000" if args.quick else "10000,100000,1000000")).split(","))
    runs = 10 if args.quick else args.runs

    print(f"scale benchmark — PostgreSQL, {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; sizes {', '.join(f'{s:,}' for s in sizes)};"
          f" {args.per_year:,} filings a year; {runs} runs per probe")
    name, url = create_database(args.url)
    db = Database(url)
    results: dict[int, dict[str, list[float]]] = {}
    try:
        seed(db)
        matter_map(db)
        who, have, rng = people(db), 0, random.Random(12)
        kinds: dict[str, str] = {}
        for size in sizes:
            seconds = grow(db, have, size, args.per_year)
            summary_seconds, summary_rows = summarise(db)
            have = size
            with db.reading() as session:
                open_tasks = session.scalar(text("SELECT count(*) FROM human_tasks WHERE state = 'open'"))
                mib = session.scalar(text("SELECT pg_database_size(current_database())")) / 2**20
            print(f"  {size:>9,} cases: generated in {seconds:6.1f} s; {open_tasks:,} open tasks; {mib:,.0f} MiB; "
                  f"report summary rebuilt in {summary_seconds:.1f} s ({summary_rows:,} rows)")
            terms = samples(db, size, rng)
            found = probes(db, who, terms)
            kinds = {label: kind for label, (kind, _fn) in found.items()}
            results[size] = {label: measure(fn, runs) for label, (_kind, fn) in found.items()}
        report(results, kinds, sizes)
        print()
        print(f"EXPLAIN ANALYZE at {sizes[-1]:,} cases")
        print("-" * 40)
        for label, lines in plans(db, who, terms).items():
            print(f"  {label}")
            print("\n".join("      " + line for line in lines))
    finally:
        db.dispose()
        if args.keep:
            print(f"\nscratch database kept: {name}")
        else:
            drop_database(args.url, name)


if __name__ == "__main__":
    main()
