"""The commands about a region's form: `kravkoll schema` (its JSON Schema, or the form as a
document to read), `kravkoll template`
(the Excel workbook a unit fills in) and `kravkoll import` (a survey export to YAML submissions).

Registered on the main group by commands.py (`register(cli)`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.errors import InputError, UsageError
from engine.exitcodes import EXIT_INPUT, EXIT_OK
from engine.output import dumps_json

from . import params

form_argument = click.argument("form_id", metavar="FORMULÄR", required=False, type=params.LINE)


@click.command("schema")
@form_argument
@click.option("--format", "fmt", type=click.Choice(["json", "markdown", "html"]), default="json",
              show_default=True, help="json: JSON Schema för en editor; markdown eller html: "
                                      "formuläret som ett dokument att läsa.")
def schema_command(form_id, fmt):
    """Skriv ut ett formulärs årsbokslut som JSON Schema (för validering i en editor) eller som
    ett dokument att läsa (--format markdown eller html).

    FORMULÄR är formulärets id (som årsbokslutets formular), t.ex. arsbokslut-2023 (standard).
    I JSON Schema är frågornas nummer och text fältens titel och intervall minimum/maximum.
    Dokumentet visar varje fråga i formulärets ordning, per avsnitt: nummer, text, typ, enhet,
    tillåtna värden, om den krävs och när ett annat svar gör den obligatorisk.
    """
    from engine.model.form import DEFAULT_FORM, get_form, json_schema

    form = get_form(form_id or DEFAULT_FORM)
    if fmt == "json":
        sys.stdout.write(dumps_json(json_schema(form)))
    else:
        from engine.report.form_doc import html_document, markdown

        sys.stdout.write(markdown(form) if fmt == "markdown" else html_document(form))
    return EXIT_OK


from engine.evaluate.evaluation import export_paths  # noqa: E402,F401  (check --form, trend)

sheet_option = click.option(
    "--blad", "sheet", default=None, metavar="NAMN",
    help="Bladet i arbetsboken som läses (standard: det enda synliga bladet med uppgifter; "
         "dolda blad läses aldrig).")


@click.command("template")
@click.argument("form_id", metavar="FORMULÄR", type=params.LINE)
@click.option("--output", "-o", required=True, metavar="FIL", help="Arbetsboken att skriva (.xlsx).")
@click.option("--force", is_flag=True, help="Skriv över en befintlig fil.")
@click.option("--namn", default=None, type=params.LINE, help="Förifyll enhetens namn.")
@click.option("--hsa-id", "hsa_id", default=None, type=params.IDENT, help="Förifyll enhetens HSA-id.")
@click.option("--from", "source", default=None, metavar="FIL",
              help="Fyll i svaren från ett årsbokslut (YAML) av samma formulär.")
def template_command(form_id, output, force, namn, hsa_id, source):
    """Skriv formulärets Excel-mall som en enhet fyller i: en rad per fråga (nummer, fråga,
    svar, enhet, hjälp), listor för flerval, intervall som datavalidering, låsta frågor.

    Den ifyllda mallen granskas med 'kravkoll check mall.xlsx'.
    """
    from engine.model.form import get_form
    from engine.output import check_target, write_atomic
    from engine.report.template import build

    if not output.lower().endswith(".xlsx"):  # a command line that cannot be run as written
        raise UsageError.single(output, "mallen är en Excel-arbetsbok: ange ett filnamn som "
                                "slutar på .xlsx")
    check_target(output, force)  # refused before the work, as check's -o is
    form = get_form(form_id)
    data = None
    if source is not None:
        from engine.evaluate.evaluation import load_submission

        sub = load_submission(source)
        if sub.model.formular != form.form.id:
            raise InputError.single(source, f"årsbokslutet är formuläret '{sub.model.formular}', "
                                    f"inte '{form.form.id}'", "formular")
        data = sub.doc.data
    prefill = {k: v for k, v in (("enhet.namn", namn), ("enhet.hsa_id", hsa_id)) if v}
    write_atomic(output, build(form, data, prefill), overwrite=force)
    click.echo(f"Mallen för {form.form.id} skriven till {output}", err=True)
    return EXIT_OK


@click.command("import")
@click.argument("export", metavar="EXPORT")
@click.option("--form", "form_id", required=True, metavar="FORMULÄR", type=params.LINE, help="Exportens formulär.")
@click.option("--output", "-o", "out_dir", required=True, metavar="MAPP",
              help="Mappen som får ett årsbokslut (YAML) per enhet.")
@click.option("--force", is_flag=True, help="Skriv över befintliga filer.")
@sheet_option
def import_command(export, form_id, out_dir, force, sheet):
    """Skriv ett årsbokslut (YAML) per enhet ur en enkätexport (CSV eller Excel, en rad per
    enhet, kolumner med frågans nummer eller fältets namn). En ifylld mall ger ett årsbokslut.

    Varje målfil prövas innan någon skrivs: finns en redan (utan --force) skrivs ingen.
    Slutkod 0: alla rader skrivna. 2: någon rad har fel (de andra skrivs ändå).
    """
    from engine.report.submission_yaml import export_yaml
    from engine.model.form import get_form
    from engine.output import check_target, write_atomic
    from engine.read.text_rules import shown
    from engine.read.workbook import read_table

    form = get_form(form_id)
    table = read_table(export)
    failed, ready = 0, []
    for name, text in export_yaml(table, form, sheet):
        if name is None:
            failed += 1
            click.echo(f"kravkoll: fel i indata\n{shown(str(text))}", err=True)
            continue
        ready.append((Path(out_dir) / name, text))
    for target, _ in ready:  # every target before the first is written
        check_target(target, force)
    for target, text in ready:
        write_atomic(target, text, overwrite=force)
    click.echo(f"{len(ready)} årsbokslut skrivna till {out_dir}"
               + (f"; {failed} rader med fel" if failed else ""), err=True)
    return EXIT_INPUT if failed else EXIT_OK


def register(cli: click.Group) -> None:
    cli.add_command(schema_command)
    cli.add_command(template_command)
    cli.add_command(import_command)
