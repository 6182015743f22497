"""The production configuration over HTTP on loopback: a mixed workload with 1 and then 16 clients.

Starts, on a scratch PostgreSQL database, ``gunicorn -w 2`` serving ``webapp:create_app()`` (the
repository's ``gunicorn.conf.py`` when there is one, else command-line flags) and one
``python -m workflow timers run`` worker; then the same workload against the embedded server
(``python -m webapp``, SQLite) for comparison. Each client repeats one case's life through the
REST API, as the people of a single window do:

    applicant   POST /cases                      (file an equipment registration)
    window      GET /tasks?view=claimable        (list the inbox)
                GET /cases/{id}                  (open the case; its open task)
                GET /tasks/{id}                  (open the task: form, version, actions)
                POST /tasks/{id}/claim, POST /tasks/{id}/complete   (accept)
    reviewer    the same five calls              (review: pass → registration certificate)

for ``--seconds`` per run, and the benchmark prints throughput, p50/p95/p99 per operation,
errors, and SQL statements per request (the server counts them, ``COUNT_QUERIES=1``). In the
same run, the service layer alone completes the same two steps on the same PostgreSQL database
(``services.tasks.complete``), so "HTTP completion / service completion" compares like with
like. Prints PASS/MISS against the targets; never fails.

    .venv/bin/python bench/http_load.py [--url postgresql://postgres@127.0.0.1:5432/postgres]
                                   [--seconds 20] [--clients 1,16] [--no-embedded]
"""
from __future__ import annotations

import sys
from pathlib import Path

import argparse
import os
import socket
import subprocess
import tempfile
import threading
import time
from collections import defaultdict

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from bench.scale import create_database, drop_database, pct, seed  # noqa: E402
from workflow.services import cases, tasks, users  # noqa: E402
from workflow.storage.db import Database  # noqa: E402
from workflow.storage.models import HumanTask, User  # noqa: E402

CREDIT_CODE, COMPANY = "91350100M000100Y43", "福州甲食品有限公司"
APPLICANTS = [f"qiye{n}" for n in range(1, 9)]
APPLICATION = {"title": "电梯使用登记", "company_name": COMPANY, "credit_code": CREDIT_CODE, "contact": "林小明",
               "phone": "13800138000", "address": "福州市鼓楼区五四路 100 号", "area_code": "350102",
               "equipment_kind": "3000", "variety_code": "3110", "product_number": "F2026-0815",
               "manufacturer": "某电梯有限公司", "use_location": "福州市鼓楼区某大厦", "start_use_date": "2026-11-01",
               "inspection_certificate_no": "JD-2026-1234"}
STEPS = (("window1", {"opinion": "材料齐全，予以受理", "decision": "accept"}),
         ("reviewer_equipment1", {"opinion": "符合要求", "decision": "pass"}))
TARGETS = {"http_over_service": 2.0, "scaling": 1.8, "mixed_rps": 500.0, "complete_p95_ms": 60.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the servers -------------------------------------------------------------------------------

def prepare(db: Database) -> None:
    """Staff accounts, the applicants' enterprise and its people (bench/scale.py's seed plus these)."""
    seed(db)
    with db.transaction() as session:
        org = users.create_organisation(session, CREDIT_CODE, COMPANY)
        for name in APPLICANTS:
            users.create_user(session, name, "bench-pass-1", "applicant", name, organisation_id=org.id)


def tokens(db: Database) -> dict[str, str]:
    with db.reading() as session:
        ids = dict(session.execute(select(User.username, User.id)).all())
    return {name: users.issue_token(db, user_id)[0] for name, user_id in ids.items()}


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if requests.get(base + "/api/v1/openapi.json", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError("server did not answer in time")


def start_production(url: str, port: int, logdir: Path) -> list[subprocess.Popen]:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret", "COUNT_QUERIES": "1",
           "ATTACHMENTS_DIR": str(logdir / "files")}
    conf = ROOT / "gunicorn.conf.py"
    web = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}"]
    web += ["-c", str(conf)] if conf.exists() else ["--worker-class", "gthread", "--threads", "4"]
    web.append("webapp:create_app()")
    log = open(logdir / "gunicorn.log", "w")
    timer_log = open(logdir / "timers.log", "w")
    return [subprocess.Popen(web, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT),
            subprocess.Popen([sys.executable, "-m", "workflow", "timers", "run", "--interval", "5"], cwd=ROOT,
                             env=env, stdout=timer_log, stderr=subprocess.STDOUT)]


def start_embedded(url: str, port: int, logdir: Path) -> list[subprocess.Popen]:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret", "COUNT_QUERIES": "1",
           "PORT": str(port), "ATTACHMENTS_DIR": str(logdir / "files-embedded")}
    log = open(logdir / "embedded.log", "w")
    return [subprocess.Popen([sys.executable, "-m", "webapp"], cwd=ROOT, env=env, stdout=log,
                             stderr=subprocess.STDOUT)]


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


class ServerCpu:
    """CPU seconds the server side spends during a run, read from /proc: the web server process and
    its children (gunicorn's workers) and the PostgreSQL backends connected to the scratch database.
    Wall-clock latencies swing with the neighbours' load on a shared machine; CPU per request does not."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, web_pid: int, database: str | None) -> None:
        self.web_pid, self.database = web_pid, database
        self.start = self._sample()

    def _sample(self) -> dict[int, tuple[str, float]]:
        seen = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            pid, ppid, cpu = int(entry), int(stat[1]), (int(stat[11]) + int(stat[12])) / self.TICK
            if self.web_pid in (pid, ppid):
                seen[pid] = ("web", cpu)
            elif self.database and cmd.startswith("postgres:") and f" {self.database} " in cmd:
                seen[pid] = ("db", cpu)
        return seen

    def used(self) -> dict[str, float]:
        """Seconds of CPU since construction, by side (web, db)."""
        out = {"web": 0.0, "db": 0.0}
        for pid, (side, cpu) in self._sample().items():
            out[side] += cpu - self.start.get(pid, (side, 0.0))[1]
        return out


# -- the workload ------------------------------------------------------------------------------

class Recorder:
    """Per-operation latencies, errors and query counts, shared by the client threads."""

    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.queries: dict[str, list[int]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.lock = threading.Lock()

    def call(self, session: requests.Session, op: str, method: str, url: str, **kwargs):
        t0 = time.perf_counter()
        response = session.request(method, url, timeout=30, **kwargs)
        elapsed = (time.perf_counter() - t0) * 1000
        with self.lock:
            self.ms[op].append(elapsed)
            if "X-Query-Count" in response.headers:
                self.queries[op].append(int(response.headers["X-Query-Count"]))
            if response.status_code >= 400:
                self.errors[f"{op} {response.status_code}"] += 1
        return response if response.status_code < 400 else None


def one_case(base: str, sessions: dict[str, requests.Session], applicant: str, rec: Recorder) -> bool:
    filed = rec.call(sessions[applicant], "file a case", "POST", base + "/api/v1/cases",
                     json={"matters": ["equipment_registration"], "data": APPLICATION})
    if filed is None:
        return False
    case_id = filed.json()["id"]
    for who, data in STEPS:
        s = sessions[who]
        if rec.call(s, "list inbox", "GET", base + "/api/v1/tasks", params={"view": "claimable"}) is None:
            return False
        case = rec.call(s, "open case", "GET", f"{base}/api/v1/cases/{case_id}")
        if case is None or not case.json()["open_tasks"]:
            return False
        task_id = case.json()["open_tasks"][0]["id"]
        task = rec.call(s, "open task", "GET", f"{base}/api/v1/tasks/{task_id}")
        if task is None:
            return False
        version = task.json()["version"]
        if rec.call(s, "claim", "POST", f"{base}/api/v1/tasks/{task_id}/claim", json={"version": version}) is None:
            return False
        if rec.call(s, "complete", "POST", f"{base}/api/v1/tasks/{task_id}/complete",
                    json={"data": data, "version": version}) is None:
            return False
    return True


def drive(base: str, keys: dict[str, str], clients: int, seconds: float) -> tuple[Recorder, float, int]:
    rec, done, lock = Recorder(), [0], threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(n: int) -> None:
        sessions = {}
        for name in (APPLICANTS[n % len(APPLICANTS)], *(who for who, _ in STEPS)):
            sessions[name] = requests.Session()
            sessions[name].headers["Authorization"] = f"Bearer {keys[name]}"
        while time.perf_counter() < deadline:
            if one_case(base, sessions, APPLICANTS[n % len(APPLICANTS)], rec):
                with lock:
                    done[0] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return rec, time.perf_counter() - started, done[0]


def service_completions(db: Database, n: int) -> list[float]:
    """The same two completions through the service layer alone, on the same database; prints
    their CPU time (this process: the service layer and the driver) and statements per step."""
    with db.reading() as session:
        people = {u.username: u for u in session.scalars(select(User))}
    out, cpu = [], []
    statements = {who: [] for who, _ in STEPS}
    sent = [0]

    def count(*_args) -> None:
        sent[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for _ in range(n):
            case = cases.submit(db, people[APPLICANTS[0]], ["equipment_registration"], APPLICATION)
            for who, data in STEPS:
                with db.reading() as session:
                    task_id = session.scalar(select(HumanTask.id).where(HumanTask.case_id == case.id,
                                                                        HumanTask.state == "open"))
                before, t0, c0 = sent[0], time.perf_counter(), time.process_time()
                tasks.complete(db, people[who], task_id, data)
                out.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
                statements[who].append(sent[0] - before)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    steps = ", ".join(f"{who} {sum(v) / len(v):.0f}" for who, v in statements.items())
    print(f"service layer alone: CPU p50 {pct(cpu, 50):.1f} ms per complete; statements per complete: {steps}")
    return out


# -- report --------------------------------------------------------------------------------------

def print_run(label: str, rec: Recorder, seconds: float, cases_done: int, cpu: dict[str, float]) -> dict:
    total = sum(len(v) for v in rec.ms.values())
    print(f"\n{label}: {total / seconds:,.0f} requests/s, {cases_done / seconds:,.1f} cases/s "
          f"({2 * cases_done / seconds:,.1f} completions/s) over {seconds:.0f} s; "
          f"errors {sum(rec.errors.values())} {dict(rec.errors) if rec.errors else ''}")
    counted = [n for values in rec.queries.values() for n in values]
    if counted:
        print(f"  SQL statements per request, all operations: {sum(counted) / len(counted):.1f} "
              f"(per operation below; the server counts them, X-Query-Count)")
    print(f"  server CPU per request: web {1000 * cpu['web'] / total:.2f} ms, PostgreSQL {1000 * cpu['db'] / total:.2f} ms"
          f" (all operations; /proc, not inflated by waiting for a core)")
    print(f"  {'operation':<14}{'n':>7}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'queries':>9}")
    for op, values in rec.ms.items():
        q = rec.queries.get(op) or []
        print(f"  {op:<14}{len(values):>7}{pct(values, 50):>10.1f}{pct(values, 95):>10.1f}{pct(values, 99):>10.1f}"
              f"{(sum(q) / len(q) if q else float('nan')):>9.1f}")
    return {"rps": total / seconds, "complete_p50": pct(rec.ms["complete"], 50),
            "complete_p95": pct(rec.ms["complete"], 95)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--seconds", type=float, default=20.0, help="seconds per run (20)")
    ap.add_argument("--clients", default="1,16", help="concurrent clients per run (1,16)")
    ap.add_argument("--service-cases", type=int, default=40, help="cases completed through the service layer (40)")
    ap.add_argument("--no-embedded", action="store_true", help="skip the embedded-server comparison")
    args = ap.parse_args(argv)
    counts = [int(c) for c in args.clients.split(",")]
    print(f"HTTP benchmark — {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())};"
          f" gunicorn -w 2 + 1 timer worker on PostgreSQL; {args.seconds:g} s per run; clients {counts}")
    logdir = Path(tempfile.mkdtemp(prefix="http-bench-"))
    name, url = create_database(args.url)
    db = Database(url)
    procs: list[subprocess.Popen] = []
    results: dict[str, dict] = {}
    try:
        prepare(db)
        keys = tokens(db)
        service = service_completions(db, args.service_cases)
        port = free_port()
        procs = start_production(url, port, logdir)
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, procs[0])
        drive(base, keys, 2, 3)                   # warm-up: imports, caches, connections
        for n in counts:
            cpu = ServerCpu(procs[0].pid, name)
            rec, seconds, done = drive(base, keys, n, args.seconds)
            results[f"pg{n}"] = print_run(f"production, {n} client(s)", rec, seconds, done, cpu.used())
        stop(procs)
        procs = []
        if not args.no_embedded:
            sqlite = Database(f"sqlite:///{logdir / 'embedded.db'}")
            prepare(sqlite)
            keys_sqlite = tokens(sqlite)
            port = free_port()
            procs = start_embedded(sqlite.url, port, logdir)
            base = f"http://127.0.0.1:{port}"
            wait_ready(base, procs[0])
            drive(base, keys_sqlite, 2, 3)
            for n in counts:
                cpu = ServerCpu(procs[0].pid, None)
                rec, seconds, done = drive(base, keys_sqlite, n, args.seconds)
                print_run(f"embedded (python -m webapp, SQLite), {n} client(s)", rec, seconds, done, cpu.used())
            sqlite.dispose()
        summary(results, service, counts)
    finally:
        stop(procs)
        db.dispose()
        drop_database(args.url, name)
        print(f"\nserver logs in {logdir}")


def summary(results: dict[str, dict], service: list[float], counts: list[int]) -> None:
    one, many = results.get(f"pg{counts[0]}"), results.get(f"pg{counts[-1]}")
    service_p50 = pct(service, 50)
    print(f"\nservice layer alone (services.tasks.complete, same PostgreSQL): p50 {service_p50:.1f} ms, "
          f"p95 {pct(service, 95):.1f} ms, n={len(service)}")
    print("\nTargets")
    print("-------")
    ratio = one["complete_p50"] / service_p50
    rows = [(f"HTTP complete p50 with 1 client / service p50 = {ratio:.2f}x", ratio <= TARGETS["http_over_service"],
             f"<= {TARGETS['http_over_service']:g}x"),
            (f"{counts[-1]} clients / 1 client throughput = {many['rps'] / one['rps']:.2f}x",
             many["rps"] / one["rps"] >= TARGETS["scaling"], f">= {TARGETS['scaling']:g}x"),
            (f"mixed requests/s with {counts[-1]} clients = {many['rps']:.0f}", many["rps"] >= TARGETS["mixed_rps"],
             f">= {TARGETS['mixed_rps']:g}"),
            (f"complete p95 with {counts[-1]} clients = {many['complete_p95']:.1f} ms",
             many["complete_p95"] <= TARGETS["complete_p95_ms"], f"<= {TARGETS['complete_p95_ms']:g} ms")]
    for figure, ok, target in rows:
        print(f"  {figure:<60} {target:<10} {'PASS' if ok else 'MISS'}")


if __name__ == "__main__":
    main()
