"""What the operator watches: one heartbeat row per timer worker."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.storage.db import Base, UTCDateTime


class WorkerHeartbeat(Base):
    """Written by a timer worker after every sweep; ``/healthz`` reads the ages."""
    __tablename__ = "worker_heartbeats"
    worker: Mapped[str] = mapped_column(String(120), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_sweep_at: Mapped[datetime] = mapped_column(UTCDateTime)
    interval_seconds: Mapped[float]
    sweeps: Mapped[int] = mapped_column(default=0)
    woken: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
    last_failures: Mapped[int] = mapped_column(default=0)
