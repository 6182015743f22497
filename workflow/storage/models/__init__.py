"""The tables of the engine, grouped by concern; importing this package registers them all."""
from workflow.storage.db import Base
from workflow.storage.models.audit import AuditEvent, AuditHead
from workflow.storage.models.case import (Attachment, Case, Certificate, Counter, FilingKey, Notification,
                                          OfficeSetting, OutboxMessage, Rating)
from workflow.storage.models.clock import AwardRound, ClockSegment, Holiday, MatterSetting
from workflow.storage.models.ops import WorkerHeartbeat
from workflow.storage.models.people import ApiToken, Department, Organisation, User
from workflow.storage.models.process import HumanTask, ProcessInstance, ProcessVersion, TaskSigner
from workflow.storage.models.report import CaseDay, TaskDay

__all__ = [
    "Base", "ApiToken", "Department", "Organisation", "User", "HumanTask", "ProcessInstance",
    "ProcessVersion", "TaskSigner", "Attachment", "Case", "Certificate", "Counter", "Notification",
    "FilingKey", "OfficeSetting", "OutboxMessage", "Rating", "AuditEvent", "AuditHead", "AwardRound", "ClockSegment",
    "Holiday", "MatterSetting", "WorkerHeartbeat", "CaseDay", "TaskDay",
]
