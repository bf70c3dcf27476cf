"""The commands that gate a rulebook edit: `kravkoll test`, `kravkoll lint`, `kravkoll diff`.

Registered on the main group by commands.py (`register(cli)`). Like every command they return
their exit code; bad input raises InputError, which the group turns into exit code 2.
"""

from __future__ import annotations

import click

from engine.exitcodes import EXIT_OK, EXIT_SHORTFALL
from engine.output import check_target, dumps_json, emit

DEFAULT_PATH = "rulebooks"

output_option = click.option("--output", "-o", default=None, metavar="FIL",
                              help="Skriv resultatet till en fil.")
force_option = click.option("--force", is_flag=True, help="Skriv över en befintlig utdatafil.")


def _output_first(output: str | None, force: bool) -> None:
    """An output file that would be refused is refused before the work, not after it."""
    if output:
        check_target(output, force)


@click.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--coverage", is_flag=True,
              help="Visa regler som fallen inte får både uppfyllda och ej uppfyllda; slutkod 1 "
                   "under gränsen i mappens kravkoll.yaml.")
@click.option("--format", "fmt", type=click.Choice(["rich", "json", "junit", "sarif"]),
              default="rich", show_default=True, help="Utdataformat.")
@output_option
@force_option
@click.option("--verbose", "-v", is_flag=True, help="Visa varje fall, även de som gick igenom.")
def test_command(paths, coverage, fmt, output, force, verbose):
    """Kör regelböckernas testfall (MAPP/tests/*.yaml) och jämför utfallen med de väntade.

    Utan sökväg: ./rulebooks. Slutkod 0: alla fall gav väntat utfall (och täckningen nådde
    gränsen, med --coverage). 1: något fall misslyckades eller täckningen är för låg.
    2: fel i en fallfil, eller inga testfall hittades.
    """
    from engine.gate.rulebook_tests import as_dict, render_rich, run

    _output_first(output, force)

    result = run(list(paths) or [DEFAULT_PATH], coverage=coverage)
    if fmt == "rich":
        from engine.report.console import emit_rich

        emit_rich(lambda console: render_rich(result, console, verbose), output, force)
    elif fmt == "json":
        emit(dumps_json(as_dict(result)),
               output, force)
    elif fmt == "sarif":
        from engine.report import sarif

        emit(sarif.render_tests(result), output, force)
    else:
        from engine.report import junit

        emit(junit.render_tests(result), output, force)
    return EXIT_OK if result.ok else EXIT_SHORTFALL


@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Utdataformat.")
@output_option
@force_option
def lint_command(paths, fmt, output, force):
    """Granska regelböcker utöver deras format: fält, svar, citat, följder, parametrar,
    giltighetstider och id:n.

    Utan sökväg: ./rulebooks. Varje meddelande: fil:rad: fält 'x': fel/varning: text [kod].
    Slutkod 0: inga fel (varningar får finnas). 1: minst ett fel. 2: fel i användningen.
    """
    from engine.gate.lint import lint, render_json, render_text

    _output_first(output, force)

    report = lint(list(paths) or [DEFAULT_PATH])
    emit(render_json(report) if fmt == "json" else render_text(report), output, force)
    return EXIT_SHORTFALL if report.errors else EXIT_OK


@click.command("diff")
@click.argument("args", nargs=-1, type=click.Path(path_type=str),
                metavar="[GAMMAL.yaml] NY.yaml MAPP")
@click.option("--base", "base", default=None, metavar="REV",
              help="Jämför med regelboken i git-versionen REV (t.ex. origin/main) i stället "
                   "för en gammal fil.")
@click.option("--format", "fmt", type=click.Choice(["rich", "markdown", "json"]), default="rich",
              show_default=True, help="Utdataformat (markdown passar en pull request).")
@click.option("--fail-on-change", is_flag=True,
              help="Slutkod 1 om någon enhet får ändrat utfall.")
@output_option
@force_option
def diff_command(args, base, fmt, fail_on_change, output, force):
    """Visa vad en ändring i en regelbok gör med enheternas utfall.

    \b
    kravkoll diff GAMMAL.yaml NY.yaml MAPP_MED_ÅRSBOKSLUT
    kravkoll diff --base origin/main NY.yaml MAPP_MED_ÅRSBOKSLUT

    Varje årsbokslut granskas mot båda regelböckerna (oavsett giltighetstid, om båda läser
    dess formulär). Slutkod 0, eller 1 med --fail-on-change när något utfall ändras.
    """
    from engine.gate.impact import (
        diff,
        load_pair,
        render_json,
        render_markdown,
        render_rich,
        submission_files,
    )

    _output_first(output, force)
    old, new, folder = load_pair(tuple(args), base)
    impact = diff(old, new, submission_files(folder))
    if fmt == "rich":
        from engine.report.console import emit_rich

        emit_rich(lambda console: render_rich(impact, console), output, force)
    else:
        emit(render_json(impact) if fmt == "json" else render_markdown(impact), output, force)
    return EXIT_SHORTFALL if fail_on_change and impact.changed else EXIT_OK


def register(cli: click.Group) -> None:
    for command in (test_command, lint_command, diff_command):
        cli.add_command(command)
