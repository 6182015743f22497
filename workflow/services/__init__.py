"""Use cases: every state change is one function here and one transaction."""
