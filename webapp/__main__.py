"""``python -m webapp``: the embedded server on http://127.0.0.1:5000 with the timer sweep in a thread.

SQLite from ``DATABASE_URL`` (default ``sqlite:///var/licensing.db``); the
database is migrated on start. A daemon thread calls
``workflow.services.timers.run_due`` (and the clock sweep) every 30 seconds.
"""
from __future__ import annotations

import logging
import os
import threading

from werkzeug.serving import run_simple

from webapp import create_app
from workflow.storage.db import DEFAULT_URL, Database, utcnow
from workflow.storage.schema import upgrade

log = logging.getLogger("webapp")
SWEEP_SECONDS = 30


def sweep_forever(db: Database, stop: threading.Event, interval: float = SWEEP_SECONDS) -> None:
    from workflow.services import health, sweep, timers
    worker, started = health.worker_name(), utcnow()
    while not stop.is_set():        # sweep at once, so /healthz sees a live worker from the start
        try:
            woken = timers.run_due(db)
            health.beat(db, worker, started, interval, woken, sweep.sweep(db).get("failed", 0))
        except Exception:  # noqa: BLE001 - keep sweeping; the next round retries
            log.exception("timer sweep failed")
        stop.wait(interval)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    db = Database(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    upgrade(db)
    app = create_app(db=db)
    stop = threading.Event()
    threading.Thread(target=sweep_forever, args=(db, stop), name="timer-sweep", daemon=True).start()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    print(f"Serving on http://{host}:{port}  (database {db.url})")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        stop.set()


if __name__ == "__main__":
    main()
