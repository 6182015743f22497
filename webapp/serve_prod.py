"""``python -m webapp.serve_prod``: the production configuration on one host, supervised.

Migrates (as whoever ``DATABASE_URL`` names: run it as the owner once, or use
``--skip-migrate`` with the app role), deploys the BPMN files, then runs gunicorn with
``gunicorn.conf.py`` and ``--timer-workers`` timer worker processes. gunicorn replaces web
workers that die; this launcher restarts a timer worker that exits or is killed (after a
short back-off), and stops everything on SIGTERM / SIGINT or when gunicorn exits. With systemd
or another process manager, run the same commands as separate units instead (docs/operations.md).
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESTART_DELAY = 1.0


def _workflow(*args: str) -> list[str]:
    return [sys.executable, "-m", "workflow", *args]


def _prepare(skip_migrate: bool) -> None:
    if not skip_migrate:
        subprocess.run(_workflow("db", "upgrade"), cwd=ROOT, check=True)
    subprocess.run(_workflow("deploy"), cwd=ROOT, check=True)


def _start_timer(interval: float) -> subprocess.Popen:
    return subprocess.Popen(_workflow("timers", "run", "--interval", str(interval)), cwd=ROOT)


def supervise(gunicorn: subprocess.Popen, timers: list[subprocess.Popen], interval: float) -> int:
    """Keep ``timers`` running until gunicorn exits or a stop signal arrives."""
    stopping = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.append(True))
    while not stopping and gunicorn.poll() is None:
        for index, worker in enumerate(timers):
            if worker.poll() is not None:
                print(f"timer worker {worker.pid} exited ({worker.returncode}); restarting", file=sys.stderr, flush=True)
                time.sleep(RESTART_DELAY)
                timers[index] = _start_timer(interval)
        time.sleep(0.5)
    for process in [gunicorn, *timers]:
        if process.poll() is None:
            process.terminate()
    for process in [gunicorn, *timers]:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    return gunicorn.returncode or 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webapp.serve_prod", description=__doc__.split("\n\n")[0])
    parser.add_argument("--timer-workers", type=int, default=int(os.environ.get("TIMER_WORKERS", 1)))
    parser.add_argument("--timer-interval", type=float, default=float(os.environ.get("TIMER_INTERVAL", 10)))
    parser.add_argument("--skip-migrate", action="store_true", help="the schema is migrated by the owner role")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith(("postgresql", "postgres:")):
        print("serve_prod runs on PostgreSQL: set DATABASE_URL=postgresql://…", file=sys.stderr)
        return 2
    _prepare(args.skip_migrate)
    gunicorn = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")], cwd=ROOT)
    timers = [_start_timer(args.timer_interval) for _ in range(args.timer_workers)]
    return supervise(gunicorn, timers, args.timer_interval)


if __name__ == "__main__":
    sys.exit(main())
