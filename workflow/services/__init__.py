"""Use cases: every state change is one function here and one transaction."""
from workflow.domain import operations as _operations  # noqa: F401  (registers the BPMN service-task operations)
