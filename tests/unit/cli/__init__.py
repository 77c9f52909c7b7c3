"""Unit tests of the qm command line."""
