"""Crash safety under load (issue 11, deliver 4): SIGKILL web and timer workers, lose nothing.

Starts the production configuration on loopback (``python -m webapp.serve_prod``: PostgreSQL,
``gunicorn -w 2`` from gunicorn.conf.py, one supervised timer worker) on a fresh database,
drives applicants filing equipment registrations and window clerks accepting them over the
API, and in each of ``--rounds`` rounds SIGKILLs web workers and the timer worker at random
moments while making some filings' acceptance deadline pass (the timer worker's work). Then:

- every acknowledged 2xx is in the database exactly once (a 201 filing: its case and one
  ``submit`` event; a 200 acceptance: its task completed and one ``complete`` event for it);
- nothing is half-applied: every case has its process instance, every instance's task table
  equals the engine's READY manual tasks, and the audit chain verifies;
- every filing whose deadline passed is deemed accepted once the timer worker is back;
- no answer was a 5xx, and ``/metrics`` (summed over every web worker, killed ones included)
  counts at least the acknowledged completions.

Prints figures; exits 1 on any violation. Usage (``.ci/run`` runs it after ``make test``):
    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python tests/reliability/crash_run.py
"""
from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from tests import helpers  # noqa: E402
from tests.flows.driver import OTHER_ENTERPRISE  # noqa: E402
from tests.test_forms import VALID  # noqa: E402
from workflow import vocabulary as v  # noqa: E402
from workflow.runtime.deployment import deploy_directory  # noqa: E402
from workflow.services.users import issue_token  # noqa: E402
from workflow.storage import audit  # noqa: E402
from workflow.storage.db import Database, normalise_url  # noqa: E402
from workflow.storage.models import AuditEvent, Case, HumanTask, ProcessInstance  # noqa: E402
from workflow.storage.schema import upgrade  # noqa: E402

MATTER = "equipment_registration"
FILING = VALID["equipment_registration_application"]
CLERKS = ("window", "window2")
ON_TIME = ("applicant_a", "applicant_a2")      # their filings are accepted by the clerks
LEFT_WAITING = "applicant_b"                    # nobody accepts these: the timer worker must


@dataclass
class Ledger:
    """What the server acknowledged, and what went wrong on the wire."""
    filed: dict[int, str] = field(default_factory=dict)          # case id -> applicant
    accepted: set[int] = field(default_factory=set)               # task ids completed with 200
    statuses: Counter = field(default_factory=Counter)
    dropped: int = 0                                              # connection lost: outcome unknown
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, status: int | None) -> None:
        with self.lock:
            if status is None:
                self.dropped += 1
            else:
                self.statuses[status] += 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc; no third-party library needed)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class Deployment:
    """serve_prod on loopback: find its gunicorn workers and timer workers to kill them."""

    def __init__(self, url: str, port: int, workdir: Path) -> None:
        env = {**os.environ, "DATABASE_URL": url, "BIND": f"127.0.0.1:{port}", "WEB_WORKERS": "2",
               "WEB_THREADS": "4", "ACCESS_LOG": "/dev/null", "PROMETHEUS_MULTIPROC_DIR": str(workdir / "prom"),
               "ATTACHMENTS_DIR": str(workdir / "files"), "SECRET_KEY": "crash-run-" + uuid.uuid4().hex}
        self.log_path = workdir / "serve.log"
        self.log = open(self.log_path, "w")
        self.launcher = subprocess.Popen(
            [sys.executable, "-m", "webapp.serve_prod", "--timer-workers", "1", "--timer-interval", "1"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{port}"

    def master(self) -> int | None:
        return next((p for p in children(self.launcher.pid) if "gunicorn" in cmdline(p)), None)

    def web_workers(self) -> list[int]:
        master = self.master()
        return children(master) if master else []

    def timer_workers(self) -> list[int]:
        return [p for p in children(self.launcher.pid) if "timers run" in cmdline(p)]

    def wait_healthy(self, timeout: float = 180) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200 and len(self.web_workers()) == 2:
                    return time.monotonic() - started
            except requests.RequestException:
                pass
            time.sleep(0.3)
        tail = self.log_path.read_text(errors="replace").splitlines()[-15:]
        raise SystemExit("the production configuration did not become healthy:\n" + "\n".join(tail))

    def stop(self) -> None:
        self.launcher.send_signal(signal.SIGTERM)
        try:
            self.launcher.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.launcher.kill()
        self.log.close()


def prepare(url: str) -> dict[str, str]:
    """Migrate, deploy, seed the people; return an API token per person who acts."""
    db = Database(url)
    upgrade(db)
    with db.transaction() as session:
        helpers.seed_calendar(session)
        deploy_directory(session)
        helpers.create_people(session)
    people = helpers.load_people(db)
    tokens = {name: issue_token(db, people[name].id)[0] for name in (*CLERKS, *ON_TIME, LEFT_WAITING)}
    db.dispose()
    return tokens


def call(ledger: Ledger, method: str, url: str, token: str, **kwargs) -> requests.Response | None:
    try:
        response = requests.request(method, url, headers={"Authorization": f"Bearer {token}"}, timeout=15, **kwargs)
    except requests.RequestException:
        ledger.note(None)
        return None
    ledger.note(response.status_code)
    return response


def applicant(base: str, who: str, token: str, ledger: Ledger, stop: threading.Event) -> None:
    data = {**FILING, **(OTHER_ENTERPRISE if who == LEFT_WAITING else {})}
    while not stop.is_set():
        response = call(ledger, "POST", f"{base}/api/v1/cases", token, json={"matters": [MATTER], "data": data})
        if response is not None and response.status_code == 201:
            with ledger.lock:
                ledger.filed[response.json()["id"]] = who
        time.sleep(random.uniform(0.05, 0.2) if who != LEFT_WAITING else random.uniform(0.3, 0.6))


def clerk(base: str, token: str, ledger: Ledger, stop: threading.Event) -> None:
    while not stop.is_set():
        inbox = call(ledger, "GET", f"{base}/api/v1/tasks", token, params={"view": "claimable", "per_page": 30})
        if inbox is None or inbox.status_code != 200:
            time.sleep(0.2)
            continue
        with ledger.lock:
            waiting = {case_id for case_id, who in ledger.filed.items() if who == LEFT_WAITING}
        items = [t for t in inbox.json()["items"] if t["case_id"] not in waiting]
        if not items:
            time.sleep(0.2)
            continue
        task = random.choice(items)
        done = call(ledger, "POST", f"{base}/api/v1/tasks/{task['id']}/complete", token,
                    json={"data": {"decision": "accept", "opinion": "材料齐全，予以受理"}})
        if done is not None and done.status_code == 200:
            with ledger.lock:
                ledger.accepted.add(task["id"])


def make_due(db: Database, ledger: Ledger) -> set[int]:
    """The waiting filings' acceptance deadline passes now (as five working days would)."""
    with ledger.lock:
        waiting = [case_id for case_id, who in ledger.filed.items() if who == LEFT_WAITING]
    if not waiting:
        return set()
    with db.transaction() as session:
        rows = session.execute(text(
            "UPDATE cases SET acceptance_due_at = now() - interval '1 hour' "
            "WHERE id = ANY(:ids) AND status = 'submitted' AND accepted_at IS NULL RETURNING id"), {"ids": waiting})
        return {row[0] for row in rows}


def kill(pid: int) -> bool:
    try:
        os.kill(pid, signal.SIGKILL)
        return True
    except ProcessLookupError:
        return False


def run_round(deployment: Deployment, db: Database, ledger: Ledger, kills: Counter) -> set[int]:
    """Load keeps running; web workers die at two random moments, the timer worker once."""
    due = set()
    for moment in range(3):
        time.sleep(random.uniform(0.8, 2.5))
        if moment == 1:
            due = make_due(db, ledger)
            time.sleep(random.uniform(0.0, 1.2))       # the worker may be sweeping them right now
            for pid in deployment.timer_workers():
                kills["timer"] += kill(pid)
        workers = deployment.web_workers()
        if workers:
            kills["web"] += kill(random.choice(workers))
    return due


def completions_counted(base: str) -> int:
    """licensing_task_completions_total summed over every web worker, killed ones included."""
    body = requests.get(base + "/metrics", timeout=15).text
    found = re.search(r"^licensing_task_completions_total (\S+)$", body, re.M)
    return int(float(found.group(1))) if found else -1


def wait_deemed(db: Database, due: set[int], timeout: float) -> tuple[set[int], float]:
    started = time.monotonic()
    while True:
        with db.reading() as s:
            pending = set(s.scalars(select(Case.id).where(Case.id.in_(due), Case.accepted_at.is_(None))))
        if not pending or time.monotonic() - started > timeout:
            return pending, time.monotonic() - started
        time.sleep(0.5)


def check(db: Database, ledger: Ledger, due: set[int], deemed_pending: set[int]) -> list[str]:
    problems = []
    with db.reading() as s:
        submits = Counter(s.scalars(select(AuditEvent.case_id).where(AuditEvent.action == "submit")))
        completes = Counter(s.scalars(select(AuditEvent.task_id).where(AuditEvent.action == "complete")))
        for case_id in ledger.filed:
            if submits[case_id] != 1:
                problems.append(f"acknowledged filing {case_id} has {submits[case_id]} submit events")
        states = dict(s.execute(select(HumanTask.id, HumanTask.state).where(HumanTask.id.in_(ledger.accepted))).all())
        for task_id in ledger.accepted:
            if states.get(task_id) != v.TASK_CLOSED or completes[task_id] != 1:
                problems.append(f"acknowledged acceptance of task {task_id}: state {states.get(task_id)}, "
                                f"{completes[task_id]} complete events")
        orphans = s.scalar(select(func.count()).select_from(Case).where(
            ~select(ProcessInstance.id).where(ProcessInstance.case_id == Case.id).exists()))
        if orphans:
            problems.append(f"{orphans} case(s) without a process instance (half-applied filing)")
        chain = audit.verify(s)
        if not chain.ok:
            problems.append(f"audit chain broken at {chain.broken_seq}: {chain.reason}")
        deemed = Counter(s.scalars(select(AuditEvent.case_id).where(AuditEvent.action == "deemed_accepted",
                                                                    AuditEvent.case_id.in_(due))))
    try:
        helpers.assert_projection_matches(db)
    except AssertionError as exc:
        problems.append(f"task table differs from the engine: {exc}")
    problems += [f"case {c} was due but not deemed accepted after the timer worker restarted" for c in deemed_pending]
    problems += [f"case {c} deemed accepted {n} times" for c, n in deemed.items() if n != 1]
    problems += [f"{n} answer(s) with status {code}" for code, n in ledger.statuses.items() if code >= 500]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--server", default=os.environ.get("TEST_DATABASE_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    random.seed(seed)
    name = f"crash_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(args.server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = normalise_url(args.server).rsplit("/", 1)[0] + "/" + name
    try:
        return crash_run(url.replace("postgresql+psycopg://", "postgresql://"), args.rounds, seed)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def crash_run(url: str, rounds: int, seed: int) -> int:
    started = time.monotonic()
    tokens = prepare(url)
    db = Database(url)
    with tempfile.TemporaryDirectory(prefix="crash-run-") as workdir:
        deployment = Deployment(url, free_port(), Path(workdir))
        ledger, kills, stop, due = Ledger(), Counter(), threading.Event(), set()
        try:
            boot = deployment.wait_healthy()
            threads = [threading.Thread(target=applicant, args=(deployment.base, who, tokens[who], ledger, stop))
                       for who in (*ON_TIME, LEFT_WAITING)]
            threads += [threading.Thread(target=clerk, args=(deployment.base, tokens[c], ledger, stop)) for c in CLERKS]
            for thread in threads:
                thread.start()
            for _ in range(rounds):
                due |= run_round(deployment, db, ledger, kills)
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
            pending, recovery = wait_deemed(db, due, timeout=45)
            healthy_again = deployment.wait_healthy(timeout=30)
            counted = completions_counted(deployment.base)
        finally:
            deployment.stop()
        problems = check(db, ledger, due, pending)
    if counted < len(ledger.accepted):
        problems.append(f"/metrics counts {counted} completions, fewer than the {len(ledger.accepted)} acknowledged")
    db.dispose()
    requests_total = sum(ledger.statuses.values()) + ledger.dropped
    print(f"crash run (seed {seed}): {rounds} rounds in {time.monotonic() - started:.0f} s, boot {boot:.1f} s")
    print(f"  SIGKILLs: {kills['web']} web workers, {kills['timer']} timer workers")
    print(f"  requests: {requests_total}, answered by status {dict(sorted(ledger.statuses.items()))}, "
          f"{ledger.dropped} dropped in flight by a kill")
    print(f"  acknowledged: {len(ledger.filed)} filings, {len(ledger.accepted)} acceptances; "
          f"lost or doubled: {sum('acknowledged' in p for p in problems)}")
    print(f"  /metrics (multiprocess, across killed workers): {counted} completions counted")
    print(f"  deadlines passed while the timer worker was killed: {len(due)}, deemed accepted after restart: "
          f"{len(due) - len(pending)} (all within {recovery:.1f} s); healthy again in {healthy_again:.1f} s")
    for problem in problems:
        print("  VIOLATION:", problem)
    print("  OK: nothing lost, nothing half-applied" if not problems else f"  {len(problems)} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
