"""Targets defined by the tests, as a user defines one: data only (docs/TARGETS.md)."""
