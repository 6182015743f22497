"""``/healthz`` and ``/metrics``, and the request metrics every response feeds.

``/healthz`` is public (a load balancer polls it) and says only what is up: 200 or 503 with
each check's details (no secrets, no case data). ``/metrics`` answers when ``METRICS_TOKEN`` is
set and the request carries ``Authorization: Bearer <token>``, or, without a token configured,
only to loopback clients (Prometheus on the same host); anyone else gets 404. Under gunicorn,
``PROMETHEUS_MULTIPROC_DIR`` makes every worker write its samples there and a scrape of any
worker returns the sum (gunicorn.conf.py empties the directory at start and marks dead workers).
"""
from __future__ import annotations

import hmac
import os
import time

from flask import Blueprint, Flask, Response, abort, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client import multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from workflow.services import health, monitoring

bp = Blueprint("ops", __name__)
LOOPBACK = {"127.0.0.1", "::1"}
REQUESTS = Histogram("licensing_http_request_duration_seconds", "HTTP requests by endpoint, method and status",
                     ["endpoint", "method", "status"],
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))


@bp.get("/healthz")
def healthz():
    report = health.check(_db())
    response = jsonify({"status": "ok" if report.ok else "unavailable", "checks": report.checks})
    response.status_code = 200 if report.ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics")
def metrics():
    if not _may_scrape():
        abort(404)
    return Response(_exposition(), mimetype=CONTENT_TYPE_LATEST)


def _may_scrape() -> bool:
    token = os.environ.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return hmac.compare_digest(given.encode(), token.encode())
    return request.remote_addr in LOOPBACK


def _exposition() -> bytes:
    """This process's metrics (or every worker's, in multiprocess mode) and the database gauges."""
    shared = CollectorRegistry()
    shared.register(DatabaseCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(shared)
        return generate_latest(shared)
    return generate_latest(REGISTRY) + generate_latest(shared)


class DatabaseCollector:
    """Gauges read from the database at scrape time (the same in every process)."""

    def collect(self):
        shot = monitoring.snapshot(_db())
        tasks = GaugeMetricFamily("licensing_open_tasks", "Open tasks by matter and light", labels=["matter", "light"])
        for (matter, light), count in sorted(shot.open_tasks.items()):
            tasks.add_metric([matter, light], count)
        yield tasks
        yield GaugeMetricFamily("licensing_overdue_cases", "Running cases past their decision date",
                                value=shot.overdue_cases)
        yield GaugeMetricFamily("licensing_timers_due", "Running instances whose timer is due", value=shot.timers_due)
        yield GaugeMetricFamily("licensing_oldest_due_timer_seconds", "Age of the oldest due, unfired timer",
                                value=shot.oldest_due_timer_seconds)
        yield GaugeMetricFamily("licensing_timer_lag_seconds", "Longest due-to-fired delay, last 15 minutes",
                                value=shot.timer_lag_max_seconds)
        yield from _worker_metrics(shot)
        if shot.audit_head_age_seconds is not None:
            yield GaugeMetricFamily("licensing_audit_head_age_seconds", "Time since the newest audit event",
                                    value=shot.audit_head_age_seconds)


def _worker_metrics(shot: monitoring.Snapshot):
    age = GaugeMetricFamily("licensing_timer_worker_last_sweep_age_seconds", "Since a worker's last sweep",
                            labels=["worker"])
    failures = CounterMetricFamily("licensing_sweep_failures", "Failed cases/instances in sweeps", labels=["worker"])
    for worker, (seconds, failed) in sorted(shot.workers.items()):
        age.add_metric([worker], seconds)
        failures.add_metric([worker], failed)
    yield age
    yield failures


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _observe(response):
    started = g.pop("request_started", None)
    if started is not None and request.endpoint != "ops.metrics":
        endpoint = request.endpoint or "unmatched"
        REQUESTS.labels(endpoint, request.method, str(response.status_code)).observe(time.perf_counter() - started)
    return response


def _db():
    from webapp import get_db
    return get_db()


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_start_timer)
    app.after_request(_observe)
