"""The workbook route: `kravkoll template` writes the form as Excel, `check` reads it filled in,
a survey export (one row per unit) is checked as a county and imported as YAML files."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import openpyxl
import pytest
import yaml

from engine.evaluate.evaluation import check, load_submission
from engine.model.form import get_form
from engine.report.template import build

from .support import EXAMPLE, ROOT, run_cli

UNITS = sorted((ROOT / "submissions" / "jamtland" / "2023").glob("*.yaml"))


def _corpus_alone(tmp_path: Path) -> Path:
    """The 2023 corpus copied where no earlier year lies beside it, as an export has none: in
    the repository, 2022 sits next to it and the rules that compare with the year before
    (JHV-MAL-07/08, `previous:`) read it."""
    folder = tmp_path / "lan-2023"
    folder.mkdir()
    for unit in UNITS:
        (folder / unit.name).write_bytes(unit.read_bytes())
    return folder
FORM = "arsbokslut-2023"


def _findings(result) -> list[dict]:
    out = []
    for f in result.findings:
        d = f.to_dict()
        d.pop("location")
        out.append(d)
    return out


def _rows(ws) -> dict[str, tuple[int, list]]:
    """field key (column F) -> (row, values) of a template sheet, read with openpyxl."""
    out = {}
    for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if len(row) >= 6 and isinstance(row[5], str) and r > 3:
            out[row[5]] = (r, list(row))
    return out


def test_template_read_by_openpyxl_has_questions_dropdowns_ranges_and_locks(tmp_path):
    out = tmp_path / "mall.xlsx"
    run = run_cli("template", FORM, "-o", str(out), "--namn", "Hälsocentralen Test",
                  "--hsa-id", "SE2321000207-E00000000099")
    assert run.returncode == 0, run.stderr
    wb = openpyxl.load_workbook(out)
    ws = wb["Årsbokslut"]
    rows = _rows(ws)
    form = get_form(FORM).form
    assert [k for k in rows if not k.startswith("enhet.filialer.")] == \
        [q.field for q in form.questions if q.type != "items"]
    r, values = rows["forutsattningar.cni"]
    assert values[0] == "2.1.3" and values[1].startswith("CNI index") and values[3] == "index"
    assert rows["enhet.namn"][1][2] == "Hälsocentralen Test"
    assert rows["enhet.hsa_id"][1][2] == "SE2321000207-E00000000099"
    assert rows["formular"][1][2] == FORM and rows["period"][1][2] == 2023
    assert ws.protection.sheet
    assert ws.cell(r, 3).protection.locked is False and ws.cell(r, 2).protection.locked is True
    rules = {(dv.type, dv.formula1, dv.formula2): str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert f"C{r}" in rules[("decimal", "0", "5")].split()
    regi_row = rows["enhet.regi"][0]
    assert f"C{regi_row}" in rules[("list", '"regiondriven,extern"', None)].split()
    assert ws.cell(rows["forutsattningar.antal_listade"][0], 3).number_format == "#,##0"


def test_template_read_by_calamine_shows_the_same_rows(tmp_path):
    calamine = pytest.importorskip("python_calamine")
    out = tmp_path / "mall.xlsx"
    out.write_bytes(build(get_form(FORM), yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))))
    wb = calamine.CalamineWorkbook.from_path(str(out))
    assert wb.sheet_names == ["Årsbokslut"]
    data = wb.get_sheet_by_name("Årsbokslut").to_python()
    by_key = {row[5]: row for row in data[3:] if len(row) > 5 and row[5]}
    assert by_key["bemanning.lakare_arsarbetare.specialister_allmanmedicin"][2] == 3.2
    assert by_key["verksamhet.oppettider"][2].startswith("mandag 08:00-17:00; tisdag")
    assert by_key["enhet.tillaggsuppdrag"][2] == "sabo; familjecentral; st_lakare"
    assert by_key["enhet.filialer.1.namn"][2] == "Exempelbyns filial Västerdal"
    assert by_key["kvalitet.medrave"][0] == "2.4.21"
    assert str(by_key["inlamnad"][2]).startswith("2024-02-23")


@pytest.mark.parametrize("path", UNITS, ids=[p.stem for p in UNITS])
def test_each_unit_round_trips_yaml_to_workbook_with_identical_findings(path, books, tmp_path):
    # the same year before for both (the workbook is written elsewhere, where no 2022 lies
    # beside it): JHV-MAL-07/08 compare with the unit's previous årsbokslut (previous:)
    sub = load_submission(str(path))
    yaml_result = check(sub, books)
    workbook = tmp_path / f"{path.stem}.xlsx"
    workbook.write_bytes(build(get_form(FORM), load_submission(str(path)).doc.data))
    from_workbook = load_submission(str(workbook))
    from engine.evaluate.previous_year import find_previous

    from_workbook.previous = find_previous(str(path), sub.model, load_submission)
    wb_result = check(from_workbook, books)
    assert _findings(wb_result) == _findings(yaml_result)
    for f in wb_result.findings:
        if f.location.path and f.outcome != "not_applicable":
            assert f.location.cell and f.location.cell.startswith("Årsbokslut!C"), f.rule_id


def test_a_bad_cell_is_named_by_sheet_cell_field_and_what_was_expected(tmp_path):
    out = tmp_path / "mall.xlsx"
    out.write_bytes(build(get_form(FORM), yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))))
    wb = openpyxl.load_workbook(out)
    ws = wb["Årsbokslut"]
    row = _rows(ws)["kvalitet.di03l1_procent"][0]
    ws.cell(row, 3).value = 161.8
    wb.save(out)
    run = run_cli("check", str(out))
    err = run.stderr.decode()
    assert run.returncode == 2
    assert f"mall.xlsx:Årsbokslut!C{row}: fält 'kvalitet.di03l1_procent': en andel i procent får " \
           "vara högst 100 (fick 161,8)" in err, err
    assert "Traceback" not in err


def test_a_file_that_is_no_workbook_gets_a_swedish_message(tmp_path):
    bad = tmp_path / "mall.xlsx"
    bad.write_text("inte en arbetsbok", encoding="utf-8")
    run = run_cli("check", str(bad))
    assert run.returncode == 2
    assert "ingen Excel-arbetsbok" in run.stderr.decode() and "UTF-8" not in run.stderr.decode()


# --- survey exports ---------------------------------------------------------------------------

HEADINGS = {"forutsattningar.andel_aktivt_val_procent": "2.1.2",
            "verksamhet.jour_och_beredskap": "2.2.5",
            "bemanning.lakare_arsarbetare.totalt": "2.3.2 Läkare totalt"}


def _flat(data, prefix=""):
    """A unit's answers as one export row: lists joined with ;, mappings as 'namn värde'."""
    out = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if path == "enhet.filialer":
            for i, item in enumerate(value, start=1):
                out.update(_flat(item, f"{path}.{i}."))
        elif isinstance(value, dict) and path.split(".")[-1] in ("oppettider", "vakanta_tjanster"):
            out[path] = "; ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, dict):
            out.update(_flat(value, path + "."))
        elif isinstance(value, list):
            out[path] = "; ".join(str(v) for v in value)
        else:
            out[path] = value
    return out


def _export(tmp_path: Path, suffix=".xlsx", change=None) -> Path:
    rows = [_flat(yaml.safe_load(p.read_text(encoding="utf-8"))) for p in UNITS]
    if change:
        change(rows)
    keys = sorted({k for r in rows for k in r})
    random.Random(7).shuffle(keys)  # any column order
    heads = [HEADINGS.get(k, k) for k in keys]
    path = tmp_path / f"export{suffix}"
    if suffix == ".xlsx":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(heads)
        for r in rows:
            ws.append([r.get(k) if r.get(k) != "" else None for k in keys])
        wb.save(path)
    else:
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, delimiter=";")
            w.writerow(heads)
            for r in rows:
                w.writerow([str(r.get(k)).replace(".", ",") if isinstance(r.get(k), float)
                            else ("" if r.get(k) is None else r.get(k)) for k in keys])
    return path


def _units(report: dict) -> dict:
    return {u["submission"]["unit"]["hsa_id"]: [(f["rule_id"], f["outcome"], f["observed"])
                                                for f in u["findings"]]
            for u in report["results"] if u.get("findings")}


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_survey_export_of_the_28_units_checks_as_the_county(tmp_path, suffix):
    export = _export(tmp_path, suffix)
    run = run_cli("check", str(export), "--form", FORM, "--format", "json")
    assert run.returncode in (0, 1), run.stderr
    folder = run_cli("check", str(_corpus_alone(tmp_path)), "--format", "json")
    got, want = json.loads(run.stdout), json.loads(folder.stdout)
    assert len(_units(got)) == 28
    assert _units(got) == _units(want)


def test_a_bad_row_is_exit_2_and_the_other_units_are_still_checked(tmp_path):
    def spoil(rows):
        rows[3]["bemanning.tackningsgrad_procent"] = "mycket"
    export = _export(tmp_path, change=spoil)
    run = run_cli("check", str(export), "--form", FORM, "--format", "json")
    assert run.returncode == 2
    report = json.loads(run.stdout)
    assert len(_units(report)) == 27
    err = run.stderr.decode() + json.dumps(report, ensure_ascii=False)
    assert "export.xlsx rad 5" in err and "bemanning.tackningsgrad_procent" in err
    assert "'mycket' är inte ett tal" in err


def test_an_unknown_column_is_named_with_a_suggestion(tmp_path):
    def rename(rows):
        for r in rows:
            r["kvalitet.medrav"] = r.pop("kvalitet.medrave")
    run = run_cli("check", str(_export(tmp_path, change=rename)), "--form", FORM)
    assert run.returncode == 2
    assert "okänd kolumn 'kvalitet.medrav' (menade du kvalitet.medrave?)" in run.stderr.decode()


def test_import_writes_one_yaml_per_unit_that_checks_the_same(tmp_path, books):
    out = tmp_path / "ut"
    run = run_cli("import", str(_export(tmp_path)), "--form", FORM, "-o", str(out))
    assert run.returncode == 0, run.stderr
    files = sorted(out.glob("*.yaml"))
    assert len(files) == 28
    first = files[0].read_text(encoding="utf-8")
    assert "rad " in first.split("\n")[1] and "export.xlsx" in first.split("\n")[1]
    alone = sorted(_corpus_alone(tmp_path).glob("*.yaml"))
    by_hsa = {load_submission(str(p)).model.enhet.hsa_id: p for p in alone}
    for f in files:
        imported = check(load_submission(str(f)), books)
        original = check(load_submission(str(by_hsa[imported.submission.model.enhet.hsa_id])), books)
        assert _findings(imported) == _findings(original)
