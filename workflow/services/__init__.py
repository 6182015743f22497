"""Use cases: every state change is one function here and one transaction."""
from workflow.domain import operations as _operations  # noqa: F401  (registers the BPMN service-task operations)
from workflow.services import notifications as _notifications  # noqa: F401  (notices written at every commit)
