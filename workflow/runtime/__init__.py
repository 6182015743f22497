"""The BPMN runtime on SpiffWorkflow: specs, instances, the task projection, commands."""
