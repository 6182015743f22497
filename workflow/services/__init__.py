"""Use cases: every state change is one function here and one transaction."""
from workflow.domain import operations as _operations  # noqa: F401  (registers the BPMN service-task operations)
from workflow.services import notifications as _notifications  # noqa: F401  (notices written at every commit)
from workflow.services import report_summary as _report_summary  # noqa: F401  (report summary kept at every commit)
