"""One module per group of qm commands."""
