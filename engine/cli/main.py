"""The `kravkoll` command. Exit codes: 0 every krav in scope is met, 1 at least one krav is
not met (fail, partial or missing), 2 bad input or usage, 3 an internal error of the engine."""

from __future__ import annotations

import os
import sys

from engine.exitcodes import EXIT_INPUT, EXIT_OK

SUPPORTED = ((3, 11), (3, 12), (3, 13))
PLUGIN_FINDER = "pydantic.plugin._loader"


def _python_supported() -> bool:
    return sys.version_info[:2] in SUPPORTED


def without_pydantic_plugins() -> None:
    """Validate with no pydantic plugins, as PYDANTIC_DISABLE_PLUGINS=__all__ does, without
    loading pydantic's plugin finder at all.

    Why: the first validator pydantic builds asks its finder for plugins, and the finder imports
    importlib.metadata (with email, socket, zipfile, csv, tempfile …) and reads the entry points
    of every installed package: about a tenth of the CPU of a one-file check. kravkoll has no
    plugin, and a plugin only observes validation (pydantic.plugin's on_validate_* events).
    Safe: pydantic asks its finder for `get_plugins` only (pydantic/plugin/_schema_validator.py),
    and this one gives what pydantic's gives with plugins disabled, nothing; a name it does not
    have (a later pydantic) is taken from pydantic's own finder. Whoever wants their plugins
    sets PYDANTIC_DISABLE_PLUGINS (empty: every plugin), and pydantic's own finder is used."""
    if "PYDANTIC_DISABLE_PLUGINS" in os.environ or PLUGIN_FINDER in sys.modules:
        return
    import types

    finder = types.ModuleType(PLUGIN_FINDER, "No pydantic plugins (engine/cli/main.py).")
    finder.get_plugins = lambda: ()

    def pydantics_own(name: str):
        if name.startswith("__"):  # the import system's questions (__path__ …): a plain module
            raise AttributeError(name)
        import importlib

        if sys.modules.get(PLUGIN_FINDER) is finder:
            del sys.modules[PLUGIN_FINDER]
        return getattr(importlib.import_module(PLUGIN_FINDER), name)

    finder.__getattr__ = pydantics_own
    sys.modules[PLUGIN_FINDER] = finder


def import_frozen() -> None:
    """Import the commands with the cyclic garbage collector paused, then move what the imports
    made (modules, classes, pydantic models: nearly all of it lives as long as the process) to
    the collector's permanent generation (gc.freeze), so that no later collection scans it
    again: the collections of one check took 13 ms with the library cache and 28 ms without,
    5 and 8 ms so. Reference counting still frees whatever is no longer used; only a cycle the
    imports left behind is never collected. A forked worker (a folder's check) shares the
    frozen objects with its parent instead of copying the pages a scan would touch."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        from . import commands  # noqa: F401

        gc.freeze()
    finally:
        if enabled:
            gc.enable()


def main(argv: list[str] | None = None) -> int:
    if not _python_supported():
        v = ".".join(map(str, sys.version_info[:3]))
        sys.stderr.write(f"kravkoll: Python {v} stöds inte. kravkoll är byggt och testat för Python "
                         "3.11, 3.12 och 3.13: installera en av dem och skapa .venv med den "
                         "(till exempel python3.13 -m venv .venv).\n")
        return EXIT_INPUT
    without_pydantic_plugins()  # before anything imports pydantic
    if __package__ + ".commands" not in sys.modules:
        import_frozen()
    from .commands import cli

    try:
        return cli.main(args=argv, prog_name="kravkoll", standalone_mode=False) or EXIT_OK
    except SystemExit as exc:  # pragma: no cover - click's own exits
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT

