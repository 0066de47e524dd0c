"""Test-only helpers (a toy env for the core and the conformance kit)."""
