"""Deployed process versions, running instances and the human-task projection."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from workflow.storage.db import Base, UTCDateTime, utcnow


class ProcessVersion(Base):
    """One deployed BPMN file; stored once, its parsed spec cached as JSON."""
    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("process_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int]
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    xml: Mapped[str] = mapped_column(Text)
    # Read only through load_spec's cache, by its own query: loading a version row (task pages,
    # admin lists) must not drag the parsed spec (the largest value in the database) along.
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deployed_by: Mapped[str | None] = mapped_column(String(64))


class ProcessInstance(Base):
    """A running BPMN workflow: its state without the spec, and an optimistic version."""
    __tablename__ = "process_instances"
    __table_args__ = (Index("ix_instances_failed", "failed_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    matter_code: Mapped[str] = mapped_column(String(32))
    department_code: Mapped[str | None] = mapped_column(String(32))
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"), index=True)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default="running")
    outcome: Mapped[str | None] = mapped_column(String(32))
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The last engine step or service task that failed in a sweep (cleared when it next succeeds).
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HumanTask(Base):
    """Projection of one READY manual task, so inboxes are SQL and never deserialize workflows."""
    __tablename__ = "human_tasks"
    __table_args__ = (
        # Inbox pieces read these in page order (green channel first, then oldest), so a
        # page is an index range and a count never touches the table (bench/engine.py).
        Index("ix_tasks_queue", "state", "role", "department_code", "assignee_id", text("green_channel DESC"),
              "created_at", "hold", "distinct_assignees"),
        Index("ix_tasks_queue_due", "state", "role", "department_code", "due_at", "assignee_id",
              "distinct_assignees"),
        Index("ix_tasks_assignee", "state", "assignee_id", text("green_channel DESC"), "created_at", "due_at"),
        Index("ix_tasks_due", "state", "light", "due_at"),
        Index("ix_tasks_spiff", "instance_id", "spiff_task_id"),
        Index("ix_tasks_closed", "closed_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    matter_code: Mapped[str] = mapped_column(String(32))
    bpmn_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    form_key: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    department_code: Mapped[str | None] = mapped_column(String(32))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    state: Mapped[str] = mapped_column(String(16), default="open")
    hold: Mapped[str | None] = mapped_column(String(32))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    candidates: Mapped[list] = mapped_column(JSON, default=list)
    distinct_assignees: Mapped[bool] = mapped_column(default=False)
    # The multi-instance activation (parent task) this task belongs to: the two-person rule
    # compares siblings of one activation only, so a re-run of the step starts afresh.
    activation: Mapped[str | None] = mapped_column(String(64))
    # Who transferred (转办) or delegated (委派) the task to its assignee, until the assignee acts.
    handed_over_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handover: Mapped[str | None] = mapped_column(String(16))
    signers_pending: Mapped[int] = mapped_column(default=0, server_default="0")
    green_channel: Mapped[bool] = mapped_column(default=False)
    step_limit_days: Mapped[int | None]
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    yellow_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    light: Mapped[str] = mapped_column(String(8), default="green")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str | None] = mapped_column(String(32))
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str | None] = mapped_column(String(32))


class TaskSigner(Base):
    """加签: an extra person whose opinion is required before the task may complete."""
    __tablename__ = "task_signers"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opinion: Mapped[str | None] = mapped_column(Text)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
