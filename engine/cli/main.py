"""The `kravkoll` command. Exit codes: 0 every krav in scope is met, 1 at least one krav is
not met (fail, partial or missing), 2 bad input or usage, 3 an internal error of the engine."""

from __future__ import annotations

import sys

from engine.exitcodes import EXIT_INPUT, EXIT_OK

SUPPORTED = ((3, 11), (3, 12), (3, 13))


def _python_supported() -> bool:
    return sys.version_info[:2] in SUPPORTED


def main(argv: list[str] | None = None) -> int:
    if not _python_supported():
        v = ".".join(map(str, sys.version_info[:3]))
        sys.stderr.write(f"kravkoll: Python {v} stöds inte. kravkoll är byggt och testat för Python "
                         "3.11, 3.12 och 3.13: installera en av dem och skapa .venv med den "
                         "(till exempel python3.13 -m venv .venv).\n")
        return EXIT_INPUT
    from .commands import cli

    try:
        return cli.main(args=argv, prog_name="kravkoll", standalone_mode=False) or EXIT_OK
    except SystemExit as exc:  # pragma: no cover - click's own exits
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT

