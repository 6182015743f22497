"""gunicorn settings of the production configuration (``make serve-prod``, README "Deploying …").

Every value can be overridden from the environment, so the same file serves a 2-core test box
and a province's servers. Web workers are stateless; timer workers run as separate processes
(``python -m workflow timers run``), started beside gunicorn by ``python -m webapp.serve_prod``
or a process manager.
"""
import multiprocessing
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent

wsgi_app = "webapp:create_app()"
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_WORKERS", 2 * multiprocessing.cpu_count()))
worker_class = "gthread"
preload_app = True            # a worker that dies is replaced by a fork of the loaded app in milliseconds
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
# scrape of any worker sums them. Set (and the directory ready) before the preloaded app imports
# prometheus_client, which happens before any server hook runs.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(ROOT / "var" / "prometheus"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _prepare_metrics_dir(directory: Path) -> None:
    """Drop the files of processes that no longer run (a previous start's workers): their samples
    would be summed into this run's. Files of running processes stay, so a reload loses nothing."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.glob("*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)


_prepare_metrics_dir(Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]))


def post_fork(server, worker) -> None:
    """A forked worker must not share the master's database connections: start with empty pools."""
    server.app.wsgi().extensions["db"].after_fork()


def child_exit(server, worker) -> None:
    """A dead (or SIGKILLed) worker's live gauges must not be reported any more."""
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)
