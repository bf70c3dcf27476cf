"""click's own words (help headings, "[required]") in Swedish.

click looks its texts up through a module-level `_` (gettext) in each of its modules; with no
Swedish catalogue installed they stay English. We give those modules a `_` that knows the
handful of texts a person meets in `kravkoll --help`, and passes anything else through.
"""

from __future__ import annotations

import click.core
import click.decorators
import click.formatting

SWEDISH = {
    "Usage:": "Användning:",
    "Options": "Flaggor",
    "Positional arguments": "Argument",
    "Commands": "Kommandon",
    "Show this message and exit.": "Visa den här hjälpen och avsluta.",
    "Show the version and exit.": "Visa versionen och avsluta.",
    "required": "krävs",
    "default: {default}": "standard: {default}",
    "env var: {var}": "miljövariabel: {var}",
    "deprecated": "föråldrad",
    "Aborted!": "Avbrutet!",
}


def _swedish(message: str) -> str:
    return SWEDISH.get(message, message)


def install() -> None:
    for module in (click.core, click.decorators, click.formatting):
        module._ = _swedish
