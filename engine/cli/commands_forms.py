"""The commands about a region's form: `kravkoll schema` (JSON Schema of a form), `kravkoll
form` (the form's questions as a table).

Registered on the main group by commands.py (`register(cli)`).
"""

from __future__ import annotations

import sys

import click

from engine.exitcodes import EXIT_OK
from engine.output import dumps_json

form_argument = click.argument("form_id", metavar="FORMULÄR", required=False)


@click.command("schema")
@form_argument
def schema_command(form_id):
    """Skriv ut JSON Schema för ett formulärs årsbokslut (för validering i en editor).

    FORMULÄR är formulärets id (som årsbokslutets formular), t.ex. arsbokslut-2023 (standard).
    Frågornas nummer och text är fältens titel; intervall blir minimum/maximum.
    """
    from engine.model.form import DEFAULT_FORM, get_form, json_schema

    sys.stdout.write(dumps_json(json_schema(get_form(form_id or DEFAULT_FORM))))
    return EXIT_OK


def register(cli: click.Group) -> None:
    cli.add_command(schema_command)
