"""click's own words in Swedish: help headings and every message of a usage error.

click looks its texts up through module-level `_` and `ngettext` (gettext) in each of its
modules; with no Swedish catalogue installed they stay English. `install()` gives those modules
functions that know every text click 8.1-8.x shows a person (the msgids below are copied from
click's source) and pass anything else through. tests/test_hostile_cli.py reads click's source
and fails if a text a user can meet is missing here.
"""

from __future__ import annotations

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

SWEDISH = {
    # help
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
    "(Deprecated) {text}": "(Föråldrad) {text}",
    "{text} {deprecated_message}": "{text} {deprecated_message}",
    "(dynamic)": "(beräknas)",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "Aborted!": "Avbrutet!",
    # a wrong command line (exceptions.py, core.py, parser.py)
    "Error: {message}": "Fel: {message}",
    "Try '{command} {option}' for help.": "Se '{command} {option}'.",
    "Invalid value: {message}": "Ogiltigt värde: {message}",
    "Invalid value for {param_hint}: {message}": "Ogiltigt värde för {param_hint}: {message}",
    # MissingParameter writes "<this><hint>.": "Argument saknas: 'RULE_ID'."
    "Missing argument": "Argument saknas:",
    "Missing option": "Flagga saknas:",
    "Missing parameter": "Värde saknas:",
    "Missing {param_type}": "Saknas ({param_type}):",
    "Missing parameter: {param_name}": "Värde saknas: {param_name}",
    "No such option: {name}": "Okänd flagga: {name}",
    "No such option {name!r}.": "Okänd flagga {name!r}.",
    "No such command {name!r}.": "Okänt kommando {name!r}.",
    "Did you mean {possibility}?": "Menade du {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Menade du någon av {possibilities}?)",
    "(Possible options: {possibilities})": "(Möjliga flaggor: {possibilities})",
    "Could not open file {filename!r}: {message}": "Kan inte öppna filen {filename!r}: {message}",
    "unknown error": "okänt fel",
    "Missing command.": "Kommando saknas.",
    "Got unexpected extra argument ({args})": "Oväntat extra argument ({args})",
    "Got unexpected extra arguments ({args})": "Oväntade extra argument ({args})",
    "Value must be an iterable.": "Värdet måste vara en följd av värden.",
    "Takes {nargs} values but 1 was given.": "Tar {nargs} värden men fick 1.",
    "Takes {nargs} values but {len} were given.": "Tar {nargs} värden men fick {len}.",
    "Option {name!r} does not take a value.": "Flaggan {name!r} tar inget värde.",
    "Option {name!r} requires an argument.": "Flaggan {name!r} behöver ett värde.",
    "Option {name!r} requires {nargs} arguments.": "Flaggan {name!r} behöver {nargs} värden.",
    "Argument {name!r} takes {nargs} values.": "Argumentet {name!r} tar {nargs} värden.",
    "DeprecationWarning: The command {name!r} is deprecated.":
        "Varning: kommandot {name!r} är föråldrat.",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}":
        "Varning: kommandot {name!r} är föråldrat.{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}":
        "Varning: {name!r} är föråldrad.{extra_message}",
    # values of the wrong kind (types.py)
    "file": "filen",
    "directory": "mappen",
    "path": "sökvägen",
    "Choose from:\n\t{choices}": "Välj bland:\n\t{choices}",
    "{value!r} is not {choice}.": "{value!r} är inte {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} är inte något av {choices}.",
    "{value!r} does not match the format {format}.": "{value!r} följer inte formatet {format}.",
    "{value!r} does not match the formats {formats}.":
        "{value!r} följer inte något av formaten {formats}.",
    # number_type is a type's name, set to Swedish by install()
    "{value!r} is not a valid {number_type}.": "{value!r} är inget giltigt {number_type}.",
    "{value} is not in the range {range}.": "{value} ligger utanför intervallet {range}.",
    "{value!r} is not a valid boolean.": "{value!r} är inget sanningsvärde (ja/nej).",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} är inget sanningsvärde. Giltiga värden: {states}",
    "{value!r} is not a valid UUID.": "{value!r} är inget giltigt UUID.",
    "{len_type} values are required, but {len_value} was given.":
        "{len_type} värden krävs, men fick {len_value}.",
    "{len_type} values are required, but {len_value} were given.":
        "{len_type} värden krävs, men fick {len_value}.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} finns inte.",
    "{name} {filename!r} is a file.": "{name} {filename!r} är en fil.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} är en mapp.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} går inte att läsa.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} går inte att skriva.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} går inte att köra.",
    # prompts (termui.py, decorators.py)
    "Do you want to continue?": "Vill du fortsätta?",
    "Confirm the action without prompting.": "Bekräfta utan att fråga.",
    "Repeat for confirmation": "Upprepa för att bekräfta",
    "Error: The two entered values do not match.": "Fel: de två värdena är olika.",
    "Error: The value you entered was invalid.": "Fel: värdet är ogiltigt.",
    "Error: invalid input": "Fel: ogiltigt svar",
    "Error: {e.message}": "Fel: {e.message}",
    "Press any key to continue...": "Tryck på en tangent för att fortsätta …",
}

# The names click puts in "{value!r} is not a valid {number_type}." and in help (HELTAL).
TYPE_NAMES = {click.types.IntParamType: "heltal", click.types.IntRange: "heltal",
              click.types.FloatParamType: "decimaltal", click.types.FloatRange: "decimaltal",
              click.types.BoolParamType: "sanningsvärde"}

MODULES = (click.core, click.decorators, click.exceptions, click.formatting, click.parser,
           click.termui, click.types)


def _swedish(message: str) -> str:
    return SWEDISH.get(message, message)


def _swedish_n(singular: str, plural: str, n: int) -> str:
    return _swedish(singular if n == 1 else plural)


def install() -> None:
    """Before the commands are declared: click.Path and the help options read `_` then."""
    for module in MODULES:
        module._ = _swedish
        if hasattr(module, "ngettext"):
            module.ngettext = _swedish_n
    for cls, name in TYPE_NAMES.items():
        cls.name = name
    for cls in (click.core.Command, click.core.Group):
        cls.collect_usage_pieces = _usage_pieces_sv(cls.collect_usage_pieces)


# click's default metavars are literals set per command, not texts it looks up through gettext.
USAGE_PIECES = {"[OPTIONS]": "[FLAGGOR]", "COMMAND [ARGS]...": "KOMMANDO [ARGUMENT]..."}


def _usage_pieces_sv(collect):
    """'Användning: kravkoll demands [FLAGGOR] KOMMANDO [ARGUMENT]...'."""
    if getattr(collect, "swedish", False):
        return collect

    def pieces(self, ctx) -> list[str]:
        return [USAGE_PIECES.get(piece, piece) for piece in collect(self, ctx)]

    pieces.swedish = True
    return pieces
