"""`kravkoll trend FOLDER…`: the units' indicators and krav over the years, one folder (or survey
export, or filled-in template) per year.

Or the kravliggare's history (--ledger): the årsbokslut it registered, the one that stands per
unit and year (the later inlämningsdag; on the same day the content's sha256, as the ledger
decides), read again from where they were registered. The ledger keeps each check's outcomes
but not every answer of the form, so the files themselves are the trend's input; one that is
gone or has changed since it was registered is refused, never silently replaced."""

from __future__ import annotations

from pathlib import Path

import click

from engine.errors import InputError, UsageError
from engine.exitcodes import EXIT_OK

from . import params

FORMATS = ("rich", "html", "xlsx", "json")


@click.command("trend")
@click.argument("inputs", nargs=-1, required=False, metavar="MAPP…")
@click.option("--ledger", "ledger_path", default=None, metavar="FIL",
              help="Läs åren ur kravliggaren: de årsbokslut den fört in (det som gäller per "
                   "enhet och år), i stället för mappar.")
@click.option("--enhet", "enhet", default=None, metavar="NAMN|HSA-ID", type=params.LINE,
              help="Visa en enhet: dess indikatorer och krav över åren mot länets.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="rich", show_default=True,
              help="Utdataformat (html: linjediagram som SVG; xlsx: ett blad per vy).")
@click.option("--output", "-o", default=None, metavar="FIL", help="Skriv till filen.")
@click.option("--force", is_flag=True, help="Skriv över en befintlig fil.")
@click.option("--rulebooks", "rulebooks", default=None, metavar="MAPP",
              help="Mapp (eller fil) med regelböcker. Standard: ./rulebooks.")
@click.option("--form", "form_id", default=None, metavar="FORMULÄR", type=params.LINE,
              help="Indata är enkätexporter (CSV eller Excel, en rad per enhet) av formuläret.")
def trend_command(inputs, ledger_path, enhet, fmt, output, force, rulebooks, form_id):
    """Visa indikatorer och krav över flera år: en mapp med årsbokslut (eller en enkätexport)
    per år; året är årsbokslutens period.

    Per enhet (--enhet) och för länet: varje indikator och krav år för år, kontinuitet och
    tillgänglighet mot enhetens egen baslinje (målet +20 % i 2.3.6/2.3.7) och enheterna
    rangordnade mot länets median. En enhet som bara finns vissa år visas de åren.

    Med --ledger FIL i stället för mappar: de årsbokslut kravliggaren fört in, lästa från där
    de fördes in; en fil som saknas eller har ändrats sedan dess avvisas.
    """
    from engine.evaluate.trend import build
    from engine.model.library import default_folder, load_library
    from engine.output import check_target, emit

    if bool(inputs) == bool(ledger_path):
        raise UsageError.single(None, "ange en mapp (eller enkätexport) per år, eller --ledger "
                                "FIL, men inte båda")
    if fmt == "xlsx" and not output:
        raise UsageError.single(None, "formatet xlsx är binärt; ange en fil med --output")
    if output:
        check_target(output, force)  # refused before the work
    books = load_library(rulebooks or default_folder())
    if ledger_path:
        years, registered = _ledger_years(ledger_path)
    else:
        years, registered = [(source, _paths(source, form_id)) for source in inputs], None
    trend = build(years, books, registered)
    unit = trend.unit(enhet) if enhet is not None else None
    if fmt == "rich":
        from engine.report.console import emit_rich
        from engine.report.trend_text import draw

        emit_rich(lambda console: draw(trend, console, unit), output, force)
    elif fmt == "json":
        from engine.report.trend_json import json_text

        emit(json_text(trend, unit), output, force)
    elif fmt == "html":
        from engine.report.trend_html import html_page

        emit(html_page(trend, unit), output, force)
    else:
        from engine.report.trend_xlsx import xlsx_bytes

        emit(xlsx_bytes(trend, unit), output, force)
    return EXIT_OK


def _paths(source: str, form_id: str | None) -> list[str]:
    """The submissions one input (one year) holds: a folder's files, an export's rows, a file."""
    from engine.evaluate.batch import collect

    p = Path(source)
    if not p.exists():
        raise InputError.single(source, "finns inte; ange en mapp (eller enkätexport) per år")
    if p.is_dir():
        return collect([source])
    from engine.read.suffixes import TABLE_SUFFIXES

    if form_id is not None and p.suffix.lower() in TABLE_SUFFIXES:
        from .commands_forms import export_paths

        return export_paths([source], form_id)
    return [source]


def _ledger_years(path: str) -> tuple[list[tuple[str, list[str]]], dict[str, tuple[str, str]]]:
    """(label, paths) per year: the submission that stands per unit and period in the ledger;
    and per path the sha256 it was registered with, which trend.build holds it to as it reads
    it (read once, not once to compare and again to check)."""
    from engine.followup.standing import by_year

    if not Path(path).is_file():
        raise UsageError.single(path, "--ledger: kravliggaren finns inte")
    return by_year(path)


def register(cli: click.Group) -> None:
    cli.add_command(trend_command)
