"""Survey exports and folders as a region hands them to `check`, `import` and `demands
register` (issue 19): delimiters, one column per part of a mapping answer, the same unit twice,
hidden rows and columns, the sheet to read, and import that writes nothing half-way."""

from __future__ import annotations

import csv
import json
import sqlite3

import openpyxl
import pytest
import yaml

from .intake_builders import (FORM, export_table, export_workbook, filled_template, set_dimension,
                              unit_data, units)
from .support import ROOT, run_cli

RULEBOOKS = str(ROOT / "rulebooks")


def _csv(path, keys, rows, delimiter):
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(keys)
        for r in rows:
            w.writerow(["" if v is None else str(v).replace(".", ",") if isinstance(v, float)
                        else v for v in r])
    return path


def _checked(run) -> dict:
    assert run.returncode in (0, 1), run.stderr.decode()
    report = json.loads(run.stdout)
    return {u["submission"]["unit"]["hsa_id"]: [(f["rule_id"], f["outcome"]) for f in u["findings"]]
            for u in report["results"] if u.get("findings")}


def _check(path, *extra):
    return run_cli("check", str(path), "--form", FORM, "--format", "json", "--rulebooks",
                   RULEBOOKS, *extra)


@pytest.fixture(scope="module")
def three():
    return export_table(units(3))


def test_tab_and_semicolon_separated_exports_check_like_the_workbook(tmp_path, three):
    keys, rows = three
    book = tmp_path / "export.xlsx"
    book.write_bytes(export_workbook(keys, rows))
    want = _checked(_check(book))
    assert len(want) == 3
    for delimiter, name in (("\t", "export.tsv.csv"), (";", "semikolon.csv"), (",", "komma.csv")):
        assert _checked(_check(_csv(tmp_path / name, keys, rows, delimiter))) == want, name


@pytest.mark.parametrize("field", ["bemanning.vakanta_tjanster", "verksamhet.oppettider"])
def test_one_column_per_part_of_a_mapping_answer_is_accepted(tmp_path, three, field):
    # Every mapping-typed question (counts and schedule): how survey tools export a question
    # with several numbers, beside the one-cell form `lakare 1; distriktsskoterskor 2`.
    keys, rows = three
    datas = units(3)
    group, name = field.split(".")
    at = keys.index(field)
    parts = sorted({k for d in datas for k in (d[group].get(name) or {})})
    assert parts, "the corpus has answers to split"
    wide_keys = keys[:at] + [f"{field}.{p}" for p in parts] + keys[at + 1:]
    wide_rows = [r[:at] + [(d[group].get(name) or {}).get(p) for p in parts]
                 + r[at + 1:] for r, d in zip(rows, datas)]
    one, wide = tmp_path / "en.xlsx", tmp_path / "delar.xlsx"
    one.write_bytes(export_workbook(keys, rows))
    wide.write_bytes(export_workbook(wide_keys, wide_rows))
    assert _checked(_check(wide)) == _checked(_check(one))
    both = tmp_path / "bada.xlsx"
    both.write_bytes(export_workbook(keys + [wide_keys[at]], [r + [wr[at]] for r, wr in
                                                              zip(rows, wide_rows)]))
    run = _check(both)
    assert run.returncode == 2
    assert f"anger samma svar ({field})" in run.stderr.decode()


def test_a_hidden_sheet_placed_first_in_an_export_is_not_read(tmp_path, three):
    keys, rows = three
    forged = [list(r) for r in rows]
    col = keys.index("kvalitet.tillganglighet_0an_procent")
    for r in forged:
        r[col] = 100

    def hidden_first(wb):
        ws = wb.create_sheet("Rättad", 0)
        ws.append(keys)
        for r in forged:
            ws.append(r)
        ws.sheet_state = "veryHidden"
        wb.active = 1
    plain, tricked = tmp_path / "export.xlsx", tmp_path / "dold.xlsx"
    plain.write_bytes(export_workbook(keys, rows))
    tricked.write_bytes(export_workbook(keys, rows, hidden_first))
    assert _checked(_check(tricked)) == _checked(_check(plain))


def test_rows_outside_an_exports_stated_dimension_are_units_too(tmp_path, three):
    keys, rows = three
    path = tmp_path / "export.xlsx"
    path.write_bytes(set_dimension(export_workbook(keys, rows), "A1:C2"))
    assert len(_checked(_check(path))) == 3


def test_the_same_unit_twice_in_an_export_is_refused_naming_both_rows(tmp_path, three):
    keys, rows = three
    path = tmp_path / "export.xlsx"
    path.write_bytes(export_workbook(keys, rows + [rows[0]]))
    run = _check(path)
    assert run.returncode == 2 and not run.stdout.strip()
    assert "finns på två rader: rad 2 och rad 5" in run.stderr.decode()
    out = tmp_path / "ut"
    run = run_cli("import", str(path), "--form", FORM, "-o", str(out))
    assert run.returncode == 2 and not out.exists()


def test_a_hidden_export_row_is_not_a_unit_and_a_hidden_duplicate_column_is_refused(tmp_path, three):
    keys, rows = three

    def hide_row(wb):
        wb.active.row_dimensions[3].hidden = True
    path = tmp_path / "dold-rad.xlsx"
    path.write_bytes(export_workbook(keys, rows, hide_row))
    assert len(_checked(_check(path))) == 2

    at = keys.index("kvalitet.medrave")

    def hidden_copy(wb):
        ws = wb.active
        col = ws.max_column + 1
        ws.cell(1, col, "2.4.21")
        for r in range(2, ws.max_row + 1):
            ws.cell(r, col, "nej")
        ws.column_dimensions[openpyxl.utils.get_column_letter(col)].hidden = True
    path = tmp_path / "dold-kolumn.xlsx"
    path.write_bytes(export_workbook(keys, rows, hidden_copy))
    run = _check(path)
    assert run.returncode == 2, run.stderr
    err = run.stderr.decode()
    assert "anger samma svar (kvalitet.medrave)" in err and "(dold)" in err
    assert openpyxl.utils.get_column_letter(at + 1) + "1" in err


def test_an_export_with_two_data_sheets_asks_for_blad(tmp_path, three):
    keys, rows = three

    def second(wb):
        ws = wb.create_sheet("Info")
        ws["A1"] = "Exporterad 2024-03-01"
    path = tmp_path / "export.xlsx"
    path.write_bytes(export_workbook(keys, rows, second))
    run = _check(path)
    assert run.returncode == 2 and "välj ett med --blad NAMN" in run.stderr.decode()
    assert len(_checked(_check(path, "--blad", "Export"))) == 3


def test_a_filled_template_given_with_form_is_checked_as_a_template(tmp_path):
    path = tmp_path / "mall.xlsx"
    path.write_bytes(filled_template())
    run = _check(path)
    assert list(_checked(run)) == [unit_data()["enhet"]["hsa_id"]]


def test_a_csv_field_over_131072_characters_is_an_input_error(tmp_path, three):
    keys, rows = three
    path = _csv(tmp_path / "lang.csv", keys, rows, ";")
    text = path.read_text(encoding="utf-8")
    path.write_text(text + '"' + "x" * 140_000 + '"\n', encoding="utf-8")
    run = _check(path)
    assert run.returncode == 2
    assert "ett fält är längre än 131072 tecken" in run.stderr.decode()


def test_import_refuses_before_writing_when_any_target_exists(tmp_path, three):
    keys, rows = three
    path = tmp_path / "export.xlsx"
    path.write_bytes(export_workbook(keys, rows))
    out = tmp_path / "ut"
    out.mkdir()
    names = ["akermo.yaml", "alvasen.yaml", "bergbodarna.yaml"]
    (out / names[-1]).write_text("orört\n", encoding="utf-8")
    run = run_cli("import", str(path), "--form", FORM, "-o", str(out))
    assert run.returncode == 2 and "finns redan" in run.stderr.decode()
    assert sorted(p.name for p in out.iterdir()) == [names[-1]]  # nothing written
    assert (out / names[-1]).read_text(encoding="utf-8") == "orört\n"


def test_a_sheet_name_with_a_line_break_cannot_add_keys_to_imported_files(tmp_path, three):
    keys, rows = three
    path = tmp_path / "export.xlsx"
    raw = export_workbook(keys, rows)
    # Excel refuses such a name, a file made by hand does not
    from .intake_builders import zip_edit
    raw = zip_edit(raw, "xl/workbook.xml",
                   lambda x: x.replace(b'name="Export"',
                                       b'name="Export&#10;injicerad: 1&#13;&#10;andra: 2"'))
    path.write_bytes(raw)
    out = tmp_path / "ut"
    run = run_cli("import", str(path), "--form", FORM, "-o", str(out))
    assert run.returncode == 0, run.stderr.decode()
    for f in out.glob("*.yaml"):
        text = f.read_text(encoding="utf-8")
        head = text.split("\n\n", 1)[0]
        assert all(line.startswith("#") for line in head.splitlines()), head
        assert "\\n" in head
        data = yaml.safe_load(text)
        assert "injicerad" not in data and "andra" not in data


def test_two_files_of_the_same_unit_and_year_in_a_folder_are_refused_naming_both(tmp_path):
    folder = tmp_path / "lan"
    folder.mkdir()
    unit = ROOT / "submissions" / "jamtland" / "2023" / "akermo.yaml"
    (folder / "akermo.yaml").write_bytes(unit.read_bytes())
    (folder / "akermo-ny.yaml").write_bytes(unit.read_bytes().replace(b"inlamnad: 2024-02-03",
                                                                      b"inlamnad: 2024-02-20"))
    (folder / "alvasen.yaml").write_bytes(
        (ROOT / "submissions" / "jamtland" / "2023" / "alvasen.yaml").read_bytes())
    run = run_cli("check", str(folder), "--format", "json", "--rulebooks", RULEBOOKS)
    assert run.returncode == 2
    everything = run.stderr.decode() + run.stdout.decode()
    assert "akermo.yaml" in everything and "akermo-ny.yaml" in everything
    assert "samma enhet" in everything

    ledger = tmp_path / "krav.sqlite"
    run = run_cli("demands", "register", str(folder), "--rulebooks", RULEBOOKS, "--ledger",
                  str(ledger), "--as-of", "2024-03-15")
    assert run.returncode == 2
    err = run.stderr.decode()
    assert "akermo.yaml" in err and "akermo-ny.yaml" in err and "samma enhet" in err
    if ledger.exists():  # nothing registered from that run
        with sqlite3.connect(ledger) as db:
            assert db.execute("SELECT count(*) FROM checks").fetchone()[0] == 0


def test_demands_register_reads_an_export_with_form(tmp_path, three):
    keys, rows = three
    path = tmp_path / "export.csv"
    _csv(path, keys, rows, ";")
    ledger = tmp_path / "krav.sqlite"
    run = run_cli("demands", "register", str(path), "--form", FORM, "--rulebooks", RULEBOOKS,
                  "--ledger", str(ledger), "--as-of", "2024-03-15", "--format", "json")
    assert run.returncode == 0, run.stderr.decode()
    regs = json.loads(run.stdout)
    hsa = {r["submission"]["hsa_id"] for r in regs["registrations"]}
    assert len(hsa) == 3
    again = run_cli("demands", "register", str(path), "--form", FORM, "--rulebooks", RULEBOOKS,
                    "--ledger", str(ledger), "--as-of", "2024-03-15", "--format", "json")
    assert again.returncode == 0, again.stderr.decode()
    assert all(r["already"] for r in json.loads(again.stdout)["registrations"])


def test_an_upload_read_from_bytes_gives_every_unit_or_its_error(three):
    # The function the web upload calls: bytes and a name, no file on disk.
    from engine.errors import InputError
    from engine.evaluate.evaluation import load_table
    from engine.read.workbook import read_bytes

    keys, rows = three
    rows = [list(r) for r in rows]
    rows[1][keys.index("kvalitet.medrave")] = "kanske"
    units_read = load_table(read_bytes(export_workbook(keys, rows), "upp.xlsx"), FORM)
    assert [type(u).__name__ for u in units_read] == ["LoadedSubmission", "InputError",
                                                      "LoadedSubmission"]
    assert "upp.xlsx rad 3" in str(units_read[1]) and "kvalitet.medrave" in str(units_read[1])
    template = load_table(read_bytes(filled_template(), "mall.xlsx"))
    assert template[0].model.enhet.hsa_id == unit_data()["enhet"]["hsa_id"]
    with pytest.raises(InputError, match="--blad gäller en Excel-arbetsbok"):
        load_table(read_bytes(";".join(keys).encode() + b"\n", "x.csv"), FORM, "Blad1")


def test_an_export_saved_the_way_excel_saves_it_checks_the_same(tmp_path, three):
    from .intake_builders import excel_style

    keys, rows = three
    plain, saved = tmp_path / "openpyxl.xlsx", tmp_path / "excel.xlsx"
    plain.write_bytes(export_workbook(keys, rows))
    saved.write_bytes(excel_style(plain.read_bytes()))
    assert _checked(_check(saved)) == _checked(_check(plain))
