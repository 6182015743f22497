"""The tables of the engine, grouped by concern; importing this package registers them all."""
from workflow.db import Base
from workflow.models.people import ApiToken, Department, Organisation, User
from workflow.models.process import HumanTask, ProcessInstance, ProcessVersion, TaskSigner
from workflow.models.case import Attachment, Case, Certificate, Counter, Notification, Rating
from workflow.models.audit import AuditEvent, AuditHead
from workflow.models.clock import ClockSegment, Holiday, MatterSetting

__all__ = [
    "Base", "ApiToken", "Department", "Organisation", "User", "HumanTask", "ProcessInstance",
    "ProcessVersion", "TaskSigner", "Attachment", "Case", "Certificate", "Counter", "Notification",
    "Rating", "AuditEvent", "AuditHead", "ClockSegment", "Holiday", "MatterSetting",
]
