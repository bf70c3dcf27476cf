"""The click commands behind `kravkoll`. Each command returns its exit code; errors in input
become one Swedish message on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from engine.errors import InputError, UsageError
from engine.evaluate.crosscheck import Disagreement
from engine.model.library import default_folder
from engine.output import check_target
from engine.report import formats

from . import click_sv, params

click_sv.install()  # before the commands below are declared: their help options read it
from engine.exitcodes import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_SHORTFALL


def _date(ctx, param, value: str | None) -> dt.date | None:
    """--as-of, read when the command line is: a wrong date is refused before any work."""
    if value is None:
        return None
    from engine.read.dates import outside_window, parse_day

    day = parse_day(value)
    if day is None:
        raise click.BadParameter(f"'{value}' är inget datum; skriv som 2024-03-31",
                                 param_hint="'--as-of'")
    if outside_window(day):
        raise click.BadParameter(outside_window(day), param_hint="'--as-of'")
    return day


def _err(message: str) -> None:
    """A message on stderr; a value it quotes (a name, a file name) can hold anything, so
    control characters and bidi overrides are written visibly (read.text_rules.shown)."""
    from engine.read.text_rules import shown

    sys.stderr.write(shown(message.rstrip("\n")) + "\n")


_NO_ARGS = getattr(click.exceptions, "NoArgsIsHelpError", None) or getattr(
    click.exceptions, "NoArgsIsHelp", click.exceptions.UsageError)


def _help_hint(exc: click.ClickException, group: click.Group, args: list[str]) -> str:
    """Where to read more: the command's own help. click leaves out the context for some
    errors of the parser (a flag given a value), so the command is then read from args."""
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        return f"Se '{ctx.command_path} --help'."
    path, command = ["kravkoll"], group
    for arg in args:
        sub = command.get_command(None, arg) if isinstance(command, click.Group) else None
        if sub is None:
            if arg.startswith("-"):
                continue
            break
        command = sub
        path.append(arg)
    return f"Se '{' '.join(path)} --help'."


class KravkollGroup(click.Group):
    """Turns every error into a message and an exit code, the same for every command."""

    def list_commands(self, ctx) -> list[str]:  # noqa: D102
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx, cmd_name: str):  # noqa: D102
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            self._load(LAZY_COMMANDS[cmd_name])
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx, args):  # noqa: D102
        if args and args[0] not in self.commands and args[0] not in LAZY_COMMANDS:
            for module in sorted(set(LAZY_COMMANDS.values())):  # "menade du …?" names them all
                self._load(module)
        return super().resolve_command(ctx, args)

    def _load(self, module: str) -> None:
        import importlib

        importlib.import_module(f"{__package__}.{module}").register(self)

    def main(self, args=None, **kwargs):  # noqa: D102
        args = list(sys.argv[1:] if args is None else args)
        try:
            return super().main(args, **kwargs)
        except UsageError as exc:
            _err(f"kravkoll: fel i användning\n{exc}")
            return EXIT_INPUT
        except InputError as exc:
            _err(f"kravkoll: fel i indata\n{exc}")
            return EXIT_INPUT
        except _NO_ARGS as exc:
            _err(exc.ctx.get_help() if getattr(exc, "ctx", None) else str(exc))
            return EXIT_INPUT
        except click.UsageError as exc:  # click's own refusal of the command line, in Swedish
            _err(f"kravkoll: fel i användning\n{exc.format_message()}\n"
                 f"{_help_hint(exc, self, args)}")
            return EXIT_INPUT
        except click.ClickException as exc:
            _err(f"kravkoll: fel i indata\n{exc.format_message()}")
            return EXIT_INPUT
        except click.exceptions.Abort:
            _err("kravkoll: avbrutet")
            return EXIT_INPUT
        except click.exceptions.Exit as exc:
            return exc.exit_code
        except BrokenPipeError:
            return EXIT_OK
        except OSError as exc:  # a path the system refuses: a name too long, a loop of links
            from engine.output import os_reason
            from engine.read.yamlstrict import shown_name

            where = f"{shown_name(exc.filename)}: " if exc.filename is not None else ""
            _err(f"kravkoll: fel i indata\n{where}kan inte läsas eller skrivas ({os_reason(exc)})")
            return EXIT_INPUT
        except Disagreement as exc:  # the two evaluators differ: its own message names both
            _err(f"kravkoll: {exc}\nDetta är ett fel i kravkoll, inte i indata.")
            return EXIT_INTERNAL
        except Exception as exc:  # an engine defect: say so plainly, keep the detail short
            from engine.evaluate.rete import EngineError

            kind = "regelmotorn" if isinstance(exc, EngineError) else type(exc).__name__
            _err(f"kravkoll: internt fel ({kind}): {exc}\nDetta är ett fel i kravkoll, inte i indata.")
            return EXIT_INTERNAL


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=KravkollGroup, context_settings=CONTEXT)
@click.version_option(package_name="kravkoll", message="%(prog)s %(version)s")
def cli() -> None:
    """kravkoll granskar hälsocentralers årsbokslut mot regionens förfrågningsunderlag."""


rulebooks_option = click.option(
    "--rulebooks", "rulebooks", default=None, metavar="MAPP",
    help="Mapp (eller fil) med regelböcker. Standard: ./rulebooks.")


@cli.command()
@click.argument("submission", nargs=-1, required=True, metavar="SUBMISSION",
                type=click.Path(dir_okay=True, path_type=str))
@rulebooks_option
@click.option("--format", "fmt", type=click.Choice(formats.names()), default="rich",
              show_default=True, help="Utdataformat.")
@click.option("--as-of", "as_of", default=None, metavar="DATUM", callback=_date,
              help="Bedömningsdag (ÅÅÅÅ-MM-DD). Standard: årsbokslutets inlämningsdag.")
@click.option("--output", "-o", default=None, metavar="FIL", help="Skriv rapporten till en fil.")
@click.option("--force", is_flag=True, help="Skriv över en befintlig utdatafil.")
@click.option("--verbose", "-v", is_flag=True, help="Visa källa och citat även för uppfyllda regler "
              "(för en mapp: varje enhets hela rapport före länsöversikten).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, metavar="N",
              help="Antal processer för en mapp. Standard: en per tillgänglig processor när "
              "mappen har många filer, annars 1.")
@click.option("--form", "form_id", default=None, metavar="FORMULÄR", type=params.LINE,
              help="SUBMISSION är en enkätexport (CSV eller Excel, en rad per enhet) av formuläret.")
@click.option("--previous", default=None, metavar="FIL", type=click.Path(dir_okay=False),
              help="Enhetens årsbokslut för året före, för regler som jämför med det. Standard: "
              "letas upp bredvid (samma HSA-id, året före) i samma eller närliggande mapp.")
@click.option("--ledger", "ledger_path", default=None, metavar="FIL",
              help="--format ledning: kravliggaren (SQLite) vars öppna krav och vite visas, "
              "per --as-of (standard: dagens datum).")
@click.option("--foregaende-ar", "previous_folder", default=None, metavar="MAPP",
              help="--format ledning: mappen med föregående års årsbokslut; förändringen sedan "
              "dess visas.")
@click.option("--med-enheter", "with_units", is_flag=True,
              help="--format html: skriv ut varje enhets avsnitt också (annars visas de bara på "
              "skärmen och utskriften blir länsöversikten).")
@click.option("--blad", "sheet", default=None, metavar="NAMN",
              help="Excel: bladet som läses (standard: det enda synliga bladet med uppgifter; "
              "dolda blad läses aldrig).")
def check(submission, rulebooks, fmt, as_of, output, force, verbose, workers, form_id, previous,
          ledger_path, previous_folder, with_units, sheet):
    """Granska ett årsbokslut, eller alla i en mapp, mot regelboken som gäller för deras period.

    SUBMISSION är en fil, en mapp (alla *.yaml i den, även i undermappar) eller flera filer.
    För en mapp visas länsöversikten: per krav hur många enheter som uppfyller det, matrisen
    enheter × regler, indikatorernas spridning mot målnivåerna och enheterna som ska lämna
    handlingsplan. Format: rich, json, html, csv och xlsx (matrisen, för Excel); ledning är
    sammanfattningen för ledningen (högst fyra A4-sidor; PDF med -o FIL.pdf), med kravliggaren
    (--ledger) och förändringen sedan föregående år (--foregaende-ar MAPP).

    Slutkod 0: alla krav uppfylls (i varje enhet). 1: minst ett krav uppfylls inte, delvis
    eller saknar uppgift. 2: fel i indata eller användning; för en mapp: minst en fil kunde
    inte läsas (de andra granskas och redovisas ändå). 3: internt fel i kravkoll.
    """
    if output:  # a file that would be refused is refused before the work, not after it
        check_target(output, force)
    paths = list(submission)
    if previous is not None and (len(paths) != 1 or Path(paths[0]).is_dir() or form_id
                                 or fmt == "ledning"):
        raise UsageError.single(previous, "--previous gäller granskning av ett enda årsbokslut"
                                + ("; för ledningssammanfattningen: --foregaende-ar MAPP"
                                   if fmt == "ledning" else ""))
    extras = {"ledger": ledger_path, "previous": previous_folder, "with_units": with_units}
    if sheet is not None and (form_id is None and (len(paths) != 1 or Path(paths[0]).is_dir())):
        raise UsageError.single(None, "--blad gäller en arbetsbok (en ifylld mall, eller "
                                "enkätexporter med --form)")
    if form_id is not None:  # every row of the export is a unit: the county overview
        from .commands_forms import export_paths

        return _check_batch(export_paths(paths, form_id, sheet), rulebooks, fmt, as_of, output,
                            force, verbose, workers, extras)
    if sheet is not None:
        from engine.evaluate.evaluation import sheet_path

        paths = [sheet_path(paths[0], sheet)]
    # the leadership summary is a county report even of one file
    if len(paths) != 1 or Path(paths[0]).is_dir() or fmt == "ledning" or any(extras.values()):
        return _check_batch(paths, rulebooks, fmt, as_of, output, force, verbose, workers, extras)
    from engine.evaluate.evaluation import check as run_check
    from engine.evaluate.evaluation import load_submission
    from engine.model.library import load_library

    books = load_library(rulebooks or default_folder())
    sub = load_submission(paths[0])
    if previous is not None:
        from engine.evaluate.previous_year import check_previous

        sub.previous = load_submission(previous).model
        check_previous(sub.previous, sub.model, previous)
    result = run_check(sub, books, as_of)
    _emit(result, fmt, output, force, verbose)
    return EXIT_SHORTFALL if result.verdict == "fail" else EXIT_OK


def _emit(result, fmt: str, output: str | None, force: bool, verbose: bool) -> None:
    from engine.output import emit

    if fmt == "rich":
        from engine.report import terminal  # rich is loaded only for the terminal report
        from engine.report.console import emit_rich

        emit_rich(lambda console: terminal.render(result, console, verbose), output, force)
    else:
        emit(formats.WRITERS[fmt]([result]), output, force)


def _check_batch(paths, rulebooks, fmt, as_of, output, force, verbose, workers,
                 extras: dict | None = None) -> int:
    """A folder or several files: collect, run every unit, render the chosen format.
    Exit code: see engine/evaluate/batch.py."""
    from . import batch_check

    run = batch_check.collect(paths, rulebooks or default_folder(), fmt, output, force, as_of,
                              **(extras or {}))
    batch_check.render(run, fmt, output, force, verbose, workers, " ".join(paths))
    return run.summary.exit_code


@cli.command()
@click.argument("rule_id", required=False, type=params.IDENT)
@rulebooks_option
@click.option("--period", type=int, default=None, metavar="ÅR", help="Verksamhetsår (standard: senaste regelboken).")
@click.option("--rulebook", "rulebook_id", default=None, metavar="ID", type=params.LINE,
              help="Visa hela regelboken ID så som den gäller, med include och extends lösta.")
def explain(rule_id, rulebooks, period, rulebook_id):
    """Förklara en regel: text, källa och citat, omfattning, villkor och följd. Med --rulebook:
    hela den lösta regelboken (YAML) och dess sha256."""
    from rich.table import Table
    from rich.text import Text

    from engine.evaluate.explain import explain as words
    from engine.model.library import load_library

    books = load_library(rulebooks or default_folder())
    if rulebook_id is not None:
        return _show_rulebook(books, rulebook_id)
    if rule_id is None:
        raise UsageError.single(None, "ange ett regel-id (t.ex. JHV-BEM-02) eller --rulebook ID")
    having = [b for b in books if b.model.rule(rule_id.upper())]
    if period is not None:
        having = [b for b in having if b.model.valid_from.year <= period <= b.model.valid_to.year]
    if not having:
        known = sorted({r.id for b in books for r in b.model.rules})
        import difflib

        hint = difflib.get_close_matches(rule_id.upper(), known, n=1)
        raise InputError.single(None, f"ingen regel med id {rule_id}"
                                + (f" (menade du {hint[0]}?)" if hint else "")
                                + (f" för {period}" if period else ""))
    book = max(having, key=lambda b: b.model.valid_from).model
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for heading, text in words(book.rule(rule_id.upper()), book):
        table.add_row(Text(heading), Text(text))  # Text: "[förslag]" is not markup
    from engine.report.console import SafeConsole

    SafeConsole().print(table)
    others = [b.model.id for b in having if b.model is not book]
    if others:
        SafeConsole().print(f"[dim]Regeln finns också i: {', '.join(others)} (välj med --period)[/]")
    return EXIT_OK


# Commands kept in their own modules, by name: a module is imported (and registers its commands
# with its `register`) when one of them is run or help lists them, not for every `kravkoll check`.
LAZY_COMMANDS = {"test": "commands_gate", "lint": "commands_gate", "diff": "commands_gate",
                 "schema": "commands_forms", "template": "commands_forms",
                 "import": "commands_forms", "demands": "commands_ledger",
                 "dispens": "commands_ledger", "trend": "commands_trend",
                 "serve": "commands_web", "users": "commands_web"}


def _show_rulebook(books, rulebook_id: str) -> int:
    """The resolved rulebook as YAML: what the engine checks with and what the hash covers."""
    import difflib

    import yaml

    found = [b for b in books if b.model.id == rulebook_id]
    if not found:
        hint = difflib.get_close_matches(rulebook_id, [b.model.id for b in books], n=1)
        raise InputError.single(None, f"ingen regelbok med id {rulebook_id}"
                                + (f" (menade du {hint[0]}?)" if hint else "")
                                + f"; kända: {', '.join(sorted(b.model.id for b in books))}")
    book = found[0]
    sources = getattr(book.doc, "sources", [book.path])
    head = [f"# Regelbok {book.model.id}, löst från: {', '.join(sources)}",
            f"# sha256: {book.sha256}"]
    body = yaml.safe_dump(book.doc.data, allow_unicode=True, sort_keys=False, width=100)
    click.echo("\n".join(head) + "\n" + body, nl=False)
    return EXIT_OK
