"""`kravkoll trend`: indicators and krav over the years, per unit and for the county.

A user checks: over the three corpus years the county's figures change as the region published
(seed 004, the numbers typed in here); in a small constructed county the ranking against the
median and the change against a unit's own baseline are the ones worked out by hand; the HTML
has one chart per indicator and no script; the workbook opens with a sheet per view; bad input
is one message and exit code 2.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess

import pytest
import yaml

from .support import ROOT, run_cli, with_changes, write_yaml

YEARS = [str(ROOT / "submissions" / "jamtland" / str(y)) for y in (2021, 2022, 2023)]
BASE = ROOT / "rulebooks" / "jamtland" / "tests" / "underlag"


@pytest.fixture(scope="module")
def corpus_json():
    run = run_cli("trend", *YEARS, "--format", "json")
    assert run.returncode == 0, run.stderr.decode()
    return json.loads(run.stdout)


def _county(data, key, year):
    (ind,) = [i for i in data["indicators"] if i["key"] == key]
    return ind["county"][str(year)]["mean"]


# --- the published changes (seed 004) ------------------------------------------------------------

@pytest.mark.parametrize("key,change,places", [
    ("kvalitet.tillganglighet_0an_procent", 3, 1),  # "ökat med 3 procentenheter sedan ifjol" (l.41, l.783)
    ("kvalitet.tillganglighet_3an_procent", -1.5, 1),  # "minskning med 1,5 procentenhet" (l.818)
    ("bemanning.ko05s", -0.05, 2),  # sjuksköterska "sjunkit med motsvarande 5 procentenheter" (l.534)
    ("bemanning.ko05l", -0.03, 2),  # läkare "sjunkit med motsvarande 3 procentenheter" (l.493)
    ("kvalitet.hba1c_over_70_procent", -0.6, 1),  # "förbättring på 0,6 procentenheter" (l.960)
])
def test_the_county_changes_2022_to_2023_are_the_published_ones(corpus_json, key, change, places):
    assert corpus_json["years"] == [2021, 2022, 2023]
    assert round(_county(corpus_json, key, 2023) - _county(corpus_json, key, 2022), places) == change


def test_the_county_2023_figures_are_the_published_ones(corpus_json):
    assert round(_county(corpus_json, "kvalitet.tillganglighet_0an_procent", 2023)) == 86  # l.781
    assert round(_county(corpus_json, "bemanning.ko05s", 2023), 2) == 0.33  # l.518
    assert round(_county(corpus_json, "bemanning.ko05l", 2023), 2) == 0.32  # l.477


def test_the_terminal_shows_the_changes_in_swedish():
    run = run_cli("trend", *YEARS, env={"COLUMNS": "200"})
    assert run.returncode == 0, run.stderr.decode()
    out = run.stdout.decode()
    rows: dict[str, str] = {}  # the first table (the county's indicators) first
    for line in out.splitlines():
        if line.count("│") > 4:
            rows.setdefault(line.split("│")[1].strip(), line)
    assert "+3,0 p.e." in rows["2.4.10 Tillgänglighet 0:an"]  # l.783
    assert "−0,05" in rows["2.3.7 Ko05S"]  # l.534
    assert "−0,03" in rows["2.3.6 Ko05L"]  # l.493
    assert "Mer än hälften av sjuksköterskorna är distriktssköterskor" in out  # rule titles
    assert "JHV-" not in out  # rule ids are not for readers


def test_the_krav_are_counted_per_year_and_a_new_rule_did_not_apply_before(corpus_json):
    rules = {r["rule_id"]: r for r in corpus_json["rules"]}
    # "Alla hälsocentraler utom två uppfyller kravet på mer än 50% distriktssköterskor" (l.420)
    assert rules["JHV-BEM-03"]["county"]["2023"] == {"met": 26, "in_scope": 28, "checked": True}
    # the informationssäkerhet proposals are in the 2023 rulebook only (halsoval-2021/2022 lack them)
    assert rules["JHV-INF-01"]["county"]["2022"]["checked"] is False
    assert rules["JHV-INF-01"]["county"]["2023"]["checked"] is True


# --- a constructed county of two years ----------------------------------------------------------

def _unit(year: int, n: int, zero: float, ko05s: float, before: float | None = None) -> dict:
    data = yaml.safe_load((BASE / f"hc-{year}.yaml").read_text(encoding="utf-8"))
    changes = {"enhet.namn": f"Hälsocentralen Enhet{n}", "enhet.hsa_id": f"SE2321000207-E0000000010{n}",
               "kvalitet.tillganglighet_0an_procent": zero, "bemanning.ko05s": ko05s}
    if before is not None:
        changes["bemanning.ko05s_foregaende_ar"] = before
    return with_changes(data, changes)


@pytest.fixture
def small(tmp_path):
    """Three units in 2022 and four in 2023 (Enhet4 is new). 0:an in 2023: 90, 80, 70, 60 ->
    median 75; Enhet1 first, Enhet4 last. Ko05S: Enhet1 0,30 -> 0,36 (+20 %, the target),
    Enhet2 0,40 -> 0,38 (−5 %)."""
    y22, y23 = tmp_path / "ar2022", tmp_path / "ar2023"
    y22.mkdir()
    y23.mkdir()
    for n, (z22, k22, z23, k23) in enumerate([(85, 0.30, 90, 0.36), (82, 0.40, 80, 0.38),
                                              (75, 0.20, 70, 0.21)], start=1):
        write_yaml(y22 / f"enhet{n}.yaml", _unit(2022, n, z22, k22, before=k22))
        write_yaml(y23 / f"enhet{n}.yaml", _unit(2023, n, z23, k23, before=k22))
    write_yaml(y23 / "enhet4.yaml", _unit(2023, 4, 60, 0.25, before=0.25))
    return y22, y23


def test_ranking_against_the_median_and_change_against_the_baseline(small):
    y22, y23 = small
    run = run_cli("trend", str(y23), str(y22), "--format", "json")  # order of folders is free
    assert run.returncode == 0, run.stderr.decode()
    data = json.loads(run.stdout)
    assert data["years"] == [2022, 2023]
    (zero,) = [i for i in data["indicators"] if i["key"] == "kvalitet.tillganglighet_0an_procent"]
    assert zero["county"]["2023"]["median"] == 75
    assert [(r["unit"][-6:], r["rank"], r["vs_median"], r["better"]) for r in zero["ranking"]] == [
        ("Enhet1", 1, 15, True), ("Enhet2", 2, 5, True), ("Enhet3", 3, -5, False),
        ("Enhet4", 4, -15, False)]
    units = {u["name"][-6:]: u for u in data["units"]}
    b1 = units["Enhet1"]["baseline"]["bemanning.ko05s"]
    assert (b1["first_year"], b1["first"], b1["last"]) == (2022, 0.30, 0.36)
    assert round(b1["change_percent"], 6) == 20.0 and b1["steps"][-1]["target_met"] is True
    b2 = units["Enhet2"]["baseline"]["bemanning.ko05s"]
    assert round(b2["change_percent"], 6) == -5.0 and b2["steps"][-1]["target_met"] is False
    # a unit present in one year only is shown for that year, not refused
    assert list(units["Enhet4"]["years"]) == ["2023"]
    assert units["Enhet4"]["baseline"]["bemanning.ko05s"]["first_year"] == 2023


def test_one_unit_by_name_or_hsa_id(small):
    y22, y23 = small
    by_name = run_cli("trend", str(y22), str(y23), "--enhet", "enhet1", "--format", "json")
    by_id = run_cli("trend", str(y22), str(y23), "--enhet", "SE2321000207-E00000000101",
                    "--format", "json")
    assert by_name.returncode == 0 and by_name.stdout == by_id.stdout
    assert [u["name"] for u in json.loads(by_name.stdout)["units"]] == ["Hälsocentralen Enhet1"]
    text = run_cli("trend", str(y22), str(y23), "--enhet", "Hälsocentralen Enhet4",
                   env={"COLUMNS": "200"}).stdout.decode()
    assert "inget årsbokslut" in text  # 2022, the year before the unit came


# --- formats -------------------------------------------------------------------------------------

def test_html_has_one_svg_chart_per_indicator_and_no_script(corpus_json, tmp_path):
    target = tmp_path / "trend.html"
    run = run_cli("trend", *YEARS, "--format", "html", "-o", str(target))
    assert run.returncode == 0, run.stderr.decode()
    page = target.read_text(encoding="utf-8")
    figures = re.findall(r"<figure><figcaption>(.*?)</figcaption><svg", page)
    assert len(figures) == len(corpus_json["indicators"]) == page.count("<svg")
    assert [f.split("<span>")[0] for f in figures] == [i["label"] for i in corpus_json["indicators"]]
    assert "<script" not in page.lower() and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    assert '<html lang="sv">' in page and "Vårdgarantin 0:an" in page


def test_xlsx_opens_with_a_sheet_per_view(tmp_path):
    from openpyxl import load_workbook

    target = tmp_path / "trend.xlsx"
    run = run_cli("trend", *YEARS, "--format", "xlsx", "-o", str(target))
    assert run.returncode == 0, run.stderr.decode()
    wb = load_workbook(io.BytesIO(target.read_bytes()))
    assert wb.sheetnames == ["Län indikatorer", "Län krav", "Baslinje länet", "Baslinje",
                             "Rangordning", "Rangordning per indikator"]
    ws = wb["Län indikatorer"]
    assert [c.value for c in ws[2]][:4] == ["indikator", "2021", "2022", "2023"]
    zero = next(r for r in ws.iter_rows(min_row=3, values_only=True)
                if r[0] == "2.4.10 Tillgänglighet 0:an")
    assert round(zero[3] - zero[2], 1) == 3  # l.783
    assert wb["Baslinje"].max_row >= 2 + 28 * 4  # 28 units × Ko05L, Ko05S, 0:an, 3:an
    again = tmp_path / "again.xlsx"
    run_cli("trend", *YEARS, "--format", "xlsx", "-o", str(again))
    assert again.read_bytes() == target.read_bytes()  # same input, same bytes


# --- bad input -----------------------------------------------------------------------------------

def _refused(*args) -> str:
    run = run_cli("trend", *args)
    err = run.stderr.decode()
    assert run.returncode == 2, (run.returncode, err)
    assert "Traceback" not in err and run.stdout == b""
    return err


def test_a_missing_folder_is_refused(tmp_path):
    err = _refused(YEARS[2], str(tmp_path / "saknas"))
    assert "saknas: finns inte" in err


def test_two_folders_of_the_same_year_are_refused(small, tmp_path):
    y22, _ = small
    err = _refused(str(y22), YEARS[1])
    assert "år 2022" in err and str(y22) in err


def test_a_folder_with_two_years_is_refused(small, tmp_path):
    y22, y23 = small
    mixed = tmp_path / "blandat"
    mixed.mkdir()
    (mixed / "a.yaml").write_bytes((y22 / "enhet1.yaml").read_bytes())
    (mixed / "b.yaml").write_bytes((y23 / "enhet2.yaml").read_bytes())
    err = _refused(str(mixed))
    assert "flera år (2022, 2023)" in err


def test_an_unknown_unit_and_xlsx_without_output_are_refused(small):
    y22, y23 = small
    assert "ingen enhet med namn eller HSA-id 'Okänd'" in _refused(str(y22), str(y23), "--enhet", "Okänd")
    assert "--output" in _refused(str(y22), "--format", "xlsx")


def test_a_broken_file_names_file_and_field(small):
    y22, _ = small
    path = y22 / "enhet1.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "tillganglighet_0an_procent: 85", "tillganglighet_0an_procent: mycket"), encoding="utf-8")
    err = _refused(str(y22))
    assert str(path) in err and "tillganglighet_0an_procent" in err


# --- in a real browser ---------------------------------------------------------------------------

CHROMIUM = next((c for c in ("chromium", "chromium-browser", "google-chrome") if shutil.which(c)), None)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium saknas: installera med `apt-get install -y "
                    "chromium` för att pröva sidan i en webbläsare")
def test_chromium_renders_every_chart_offline(corpus_json, tmp_path):
    page = tmp_path / "trend.html"
    assert run_cli("trend", *YEARS, "--enhet", "Tjärnvik", "--format", "html", "-o", str(page)).returncode == 0
    run = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND",
         f"--user-data-dir={tmp_path / 'profil'}", "--dump-dom", page.as_uri()],
        capture_output=True, timeout=120)
    dom = run.stdout.decode()
    assert dom.count("<polyline") >= len(corpus_json["indicators"])  # the county's line in each chart
    assert "Hälsocentralen Tjärnvik" in dom


def test_a_survey_export_is_a_year_like_its_folder(corpus_json, tmp_path):
    from .test_workbook import _export  # the 28 units of 2023 as one export row each

    export = _export(tmp_path)
    run = run_cli("trend", YEARS[0], YEARS[1], str(export), "--form", "arsbokslut-2023",
                  "--format", "json")
    assert run.returncode == 0, run.stderr.decode()
    data = json.loads(run.stdout)
    assert data["sources"]["2023"] == str(export)
    assert [i["county"] for i in data["indicators"]] == [i["county"] for i in corpus_json["indicators"]]
    assert data["standing"] == corpus_json["standing"]


def test_a_unit_twice_in_one_year_is_refused(small):
    y22, _ = small
    (y22 / "kopia.yaml").write_bytes((y22 / "enhet2.yaml").read_bytes())
    err = _refused(str(y22))
    assert "SE2321000207-E00000000102 finns två gånger år 2022" in err
