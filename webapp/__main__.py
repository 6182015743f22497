"""``python -m webapp``: the embedded server on http://127.0.0.1:5000 with the timer sweep in a thread.

SQLite from ``DATABASE_URL`` (default ``sqlite:///var/licensing.db``); the
database is migrated on start. A daemon thread runs the timer worker's loop
(``workflow.services.worker``: due timers checked every second, the clock swept every 30 seconds,
backoff on failures).
"""
from __future__ import annotations

import logging
import os
import threading

from werkzeug.serving import run_simple

from webapp import create_app
from workflow.services.worker import TimerWorker
from workflow.storage.db import DEFAULT_URL, Database
from workflow.storage.schema import upgrade

log = logging.getLogger("webapp")
SWEEP_SECONDS = 30


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    db = Database(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    upgrade(db)
    app = create_app(db=db)
    stop = threading.Event()
    worker = TimerWorker(db, interval=SWEEP_SECONDS, stop=stop)
    threading.Thread(target=worker.run, name="timer-sweep", daemon=True).start()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    print(f"Serving on http://{host}:{port}  (database {db.url})")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        stop.set()


if __name__ == "__main__":
    main()
