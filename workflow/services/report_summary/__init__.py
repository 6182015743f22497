"""The period report's summary (``report_case_days``, ``report_task_days``), kept in the transaction
of every command that changes what it counts.

Why: the supervisor dashboard and the period report counted every case and step of their period;
a province files ~100,000 cases a year, so a year to date is ~100k cases and ~200k steps, and
took seconds. They now read a row per day and matter (and per day and step) instead.

How it stays exact: a ``before_flush`` listener notes each case, instance and task a transaction
changes in a way the report sees. For a case it keeps the case's share of the summary as it was
before the transaction (read from the database the first time the transaction touches the case:
every command has locked the case row by then, so nobody else can change it until we commit).
At commit (the audit hook: after the case, instance and counter locks, before the audit head)
the case's share is recounted from its rows and the difference is added to the summary rows with
``INSERT … ON CONFLICT DO UPDATE``, in key order, so two commands never wait on each other's
summary rows crosswise. Whatever wrote the row (a clerk, a timer, the sweep) the summary follows,
and a rolled-back command changes nothing. Rows written by hand in SQL (a data fix, the bulk
generator of ``bench/scale.py``) bypass the ORM: run :func:`rebuild` after them
(``python -m workflow db rebuild-report-summary``).

What the clock decides stays live: whether a running case is overdue (``ix_cases_running``).
Medians and percentiles stay exact: each row keeps the durations it counts (float64, big-endian).
"""
from workflow.services.report_summary import tracking as _tracking  # noqa: F401  (registers the listeners)
from workflow.services.report_summary.shares import CASE_COUNTS, items_of, recount, unit_matters
from workflow.services.report_summary.store import (TaskSums, case_days, differences, finished_by_status, monthly,
                                                    rebuild, stored, task_days)

__all__ = ["CASE_COUNTS", "TaskSums", "case_days", "differences", "finished_by_status", "items_of", "monthly",
           "rebuild", "recount", "stored", "task_days", "unit_matters"]
