"""Unit tests of the domain models and configuration-file validation."""
