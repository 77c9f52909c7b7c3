"""Pure decisions computed from domain models; no I/O."""
