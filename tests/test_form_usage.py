"""A form id on the command line that names no form is a wrong command line ("fel i användning",
exit 2), with the known forms and a suggestion; a form id read from a file stays bad input.

What a user would check: `kravkoll schema arsboksslut-2023` says "fel i användning", suggests
arsbokslut-2023 and lists the forms there are; a filled template whose formular cell is
misspelt is reported at that cell as bad input.
"""

from __future__ import annotations

import openpyxl
import pytest
import yaml

from engine.cli.main import main
from engine.model.form import get_form
from engine.report.template import build

from .support import EXAMPLE

COMMANDS = {
    "schema": ["schema", "arsboksslut-2023"],
    "schema markdown": ["schema", "arsboksslut-2023", "--format", "markdown"],
    "template": ["template", "arsboksslut-2023", "-o", "{tmp}/mall.xlsx"],
    "import": ["import", "{tmp}/export.csv", "--form", "arsboksslut-2023", "-o", "{tmp}/ut"],
    "check --form": ["check", "{tmp}/export.csv", "--form", "arsboksslut-2023"],
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_an_unknown_form_on_the_command_line_is_a_usage_error(tmp_path, capsys, name):
    (tmp_path / "export.csv").write_text("1.1;2.1.1\nx;y\n", encoding="utf-8")
    code = main([a.replace("{tmp}", str(tmp_path)) for a in COMMANDS[name]])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert lines[0] == "kravkoll: fel i användning"
    assert lines[1].startswith("okänt formulär 'arsboksslut-2023' (menade du arsbokslut-2023?)")
    known = lines[1].split("; kända formulär: ", 1)[1].split(", ")
    assert {"arsbokslut-2021", "arsbokslut-2023", "vb-uppfoljning-2024"} <= set(known)
    assert known == sorted(known)
    assert "Traceback" not in err and not (tmp_path / "mall.xlsx").exists()


def test_an_unknown_form_without_a_near_name_lists_the_known_ones(capsys):
    assert main(["schema", "blankett-1999"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kravkoll: fel i användning\nokänt formulär 'blankett-1999'; kända "
                          "formulär: ")


def test_a_misspelt_form_in_a_filled_template_is_bad_input_at_its_cell(tmp_path, capsys):
    book = tmp_path / "mall.xlsx"
    book.write_bytes(build(get_form("arsbokslut-2023"),
                           yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))))
    wb = openpyxl.load_workbook(book)
    ws = wb["Årsbokslut"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 6).value == "formular")
    ws.cell(row, 3).value = "arsboksslut-2023"
    wb.save(book)
    assert main(["check", str(book)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kravkoll: fel i indata\n")
    assert f"mall.xlsx:Årsbokslut!C{row}: fält 'formular': okänt formulär 'arsboksslut-2023'" in err
