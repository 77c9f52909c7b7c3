"""Pydantic models and invariants of Keptn documents and events; no I/O."""
