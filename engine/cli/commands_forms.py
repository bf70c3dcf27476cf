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

form_argument = click.argument("form_id", metavar="FORMULÄR", required=False)


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


sheet_option = click.option(
    "--blad", "sheet", default=None, metavar="NAMN",
    help="Bladet i arbetsboken som läses (standard: det enda synliga bladet med uppgifter; "
         "dolda blad läses aldrig).")


def export_paths(paths: list[str], form_id: str, sheet: str | None = None) -> list[str]:
    """Each unit row of the survey exports, as a path `check` loads one unit from; a filled-in
    template given with --form is its one unit."""
    from engine.evaluate.evaluation import export_row_path, read_once, sheet_path
    from engine.model.form import get_form
    from engine.model.form_cells import export_rows
    from engine.read.workbook import read_table

    form = get_form(form_id)
    out = []
    for path in paths:
        if not Path(path).is_file():
            table = read_table(path)  # says what is wrong with the path
        table = read_once(path, read_table)  # read once: the units are loaded from the same copy
        if _template_of(table, form, sheet):
            out.append(sheet_path(path, sheet))
            continue
        rows = export_rows(table, form, sheet)
        if not rows:
            raise InputError.single(path, "exporten har rubriker men inga rader med enheter")
        out.extend(export_row_path(path, r, form.form.id, sheet) for r in rows)
    return out


def _template_of(table, form, sheet: str | None) -> bool:
    """Whether the file is a filled-in template (not an export); one of another form than
    --form is refused."""
    from engine.model.form_cells import is_template, template_form_id

    if not table.workbook or not is_template(table, sheet):
        return False
    named = template_form_id(table, sheet)
    if named is not None and named != form.form.id:
        raise InputError.single(table.file, f"arbetsboken är en ifylld mall av formuläret "
                                f"{named}, inte {form.form.id} (--form)")
    return True


@click.command("template")
@click.argument("form_id", metavar="FORMULÄR")
@click.option("--output", "-o", required=True, metavar="FIL", help="Arbetsboken att skriva (.xlsx).")
@click.option("--force", is_flag=True, help="Skriv över en befintlig fil.")
@click.option("--namn", default=None, help="Förifyll enhetens namn.")
@click.option("--hsa-id", "hsa_id", default=None, help="Förifyll enhetens HSA-id.")
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
@click.option("--form", "form_id", required=True, metavar="FORMULÄR", help="Exportens formulär.")
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
    from engine.evaluate.evaluation import path_label
    from engine.report.submission_yaml import file_name, to_yaml
    from engine.model.form import get_form
    from engine.model.form_cells import (export_rows, from_export_row, from_template,
                                         validate_cells)
    from engine.output import check_target, write_atomic
    from engine.read.workbook import read_table

    form = get_form(form_id)
    table = read_table(export)
    if _template_of(table, form, sheet):
        rows, template = [None], True
    else:
        rows, template = export_rows(table, form, sheet), False
    failed, names, ready = 0, set(), []
    for row in rows:
        try:
            if template:
                doc, _ = from_template(table, sheet)
            else:
                doc = from_export_row(table, form, row, sheet)
                doc.file = path_label(table.file, row)
            sub = validate_cells(doc, form)
        except InputError as exc:
            failed += 1
            click.echo(f"kravkoll: fel i indata\n{exc}", err=True)
            continue
        name = file_name(sub, names)
        where = f"rad {row}, " if row is not None else ""
        header = f"Ur {table.file}, {where}blad {doc.sheet}, formulär {form.form.id}."
        ready.append((Path(out_dir) / name, to_yaml(doc.data, form, header)))
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
