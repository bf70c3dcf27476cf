"""The rulebook gate: case files, rulebook tests, lint, impact of a change (kravkoll test/lint/diff)."""
