"""Which output formats `kravkoll check` offers, and the function that writes each.

A writer takes the list of check results (one per submission) and returns the text or bytes
to write; `rich` is the exception, drawn straight on a console by commands.py. Add a format by
adding a line here and a module in this package.
"""

from __future__ import annotations

from collections.abc import Callable


def _json(results, **_):
    from . import json_report

    if len(results) == 1:
        return json_report.render(results[0])
    return json_report.dumps([json_report.as_dict(r) for r in results])


# name -> writer(results, **options) -> str | bytes
WRITERS: dict[str, Callable] = {
    "json": _json,
}

# Formats whose output is binary and must go to a file (--output).
BINARY: set[str] = set()


def names() -> list[str]:
    return ["rich", *sorted(WRITERS)]
