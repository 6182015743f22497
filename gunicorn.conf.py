"""gunicorn settings of the production configuration (``make serve-prod``, README "Deploying …").

Every value can be overridden from the environment, so the same file serves a 2-core test box
and a province's servers. Web workers are stateless; timer workers run as separate processes
(``python -m workflow timers run``), started beside gunicorn by ``python -m webapp.serve_prod``
or a process manager.
"""
import multiprocessing
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent

wsgi_app = "webapp:create_app()"
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_WORKERS", 2 * multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", 4))
timeout = int(os.environ.get("WEB_TIMEOUT", 30))        # a stuck request's worker is killed and replaced
graceful_timeout = 20
keepalive = 5
max_requests = 5000                                     # recycle workers now and then, not all at once
max_requests_jitter = 500
accesslog = os.environ.get("ACCESS_LOG", "-")
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
control_socket_disable = True                           # one shared ~/.gunicorn socket would clash between sites

# prometheus_client multiprocess mode: every worker writes its samples to this directory, and a
# scrape of any worker sums them. Set before the app (and prometheus_client) is imported.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(ROOT / "var" / "prometheus"))


def on_starting(server) -> None:
    """Start with an empty metrics directory: samples of a previous run's pids would be summed."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker) -> None:
    """A dead (or SIGKILLed) worker's live gauges must not be reported any more."""
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)
