"""`kravkoll check FOLDER`: the länsöversikt, the batch formats, broken files and determinism."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import threading
import zipfile

import pytest

from .support import EXAMPLE, ROOT, run_cli

COUNTY = "submissions/jamtland/2023"
UNITS = 28


def flat(raw: bytes) -> str:
    return " ".join(raw.decode().replace("│", " ").split())


def lines_with(raw: bytes, needle: str) -> list[str]:
    return [line for line in raw.decode().splitlines() if needle in line]


@pytest.fixture(scope="module")
def overview():
    return run_cli("check", COUNTY)


@pytest.fixture(scope="module")
def batch_json():
    run = run_cli("check", COUNTY, "--format", "json")
    return run, json.loads(run.stdout)


def test_folder_exits_1_because_two_units_fall_short(overview):
    assert overview.returncode == 1, overview.stderr.decode()
    assert overview.stderr == b""


def test_overview_says_26_av_28_for_distriktsskoterskor(overview):
    line = lines_with(overview.stdout, "JHV-BEM-03")[0]
    assert "26 av 28 uppfyller kravet" in line
    out = flat(overview.stdout)
    assert "Mer än hälften av sjuksköterskorna är distriktssköterskor" in out
    assert "2 ej uppfyllt" in out


def test_overview_reproduces_the_published_county_figures(overview):
    def sentence(rule_id):
        return lines_with(overview.stdout, rule_id)[0]

    assert "28 av 28 uppfyller kravet" in sentence("JHV-BEM-01")  # K1 (l.408)
    assert "28 av 28 uppfyller kravet" in sentence("JHV-VER-01")  # jour (l.291)
    assert "28 av 28 uppfyller kravet" in sentence("JHV-BEM-05")  # K3 (l.437)
    assert "28 av 28 uppfyller kravet" in sentence("JHV-KVA-01")  # rehabkoordinator (l.585)
    assert "28 av 28 uppfyller kravet" in sentence("JHV-KVA-02")  # psykosocial (l.599)
    assert "av 26 följer riktlinjen" in sentence("JHV-VER-02")  # SÄBO: 26 uppdrag (l.157)
    out = flat(overview.stdout)
    assert "28 årsbokslut" in out and "26 av 28 enheter uppfyller alla krav" in out
    assert "2 av 28 enheter har krav som inte uppfylls helt" in out


def test_overview_has_matrix_indicators_and_units_asked_for_a_handlingsplan(overview, batch_json):
    _, data = batch_json
    out = flat(overview.stdout)
    assert "Utfall per enhet och regel" in out
    assert "Indikatorer mot gränsvärden" in out and "målnivå minst 65,0 %" in out
    assert "Enheter med krav som inte uppfylls – handlingsplan begärs" in out
    asked = data["summary"]["rulebooks"][0]["handlingsplan_requested"]
    assert len(asked) == 2
    for unit in asked:
        assert [s["rule_id"] for s in unit["shortfalls"]] == ["JHV-BEM-03"]
        assert len(lines_with(overview.stdout, unit["unit"])) >= 2  # matrix row and the list
    # every unit has its row in the matrix
    for r in data["results"]:
        assert r["submission"]["unit"]["name"] in out


def test_batch_json_shape_and_counts(batch_json):
    run, data = batch_json
    assert run.returncode == 1
    assert data["kind"] == "batch" and data["engine"]["name"] == "kravkoll"
    paths = [r["submission"]["path"] for r in data["results"]]
    assert paths == sorted(paths) and len(paths) == UNITS
    assert {r["status"] for r in data["results"]} == {"checked"}
    s = data["summary"]
    assert (s["files"], s["checked"], s["unreadable"], s["exit_code"]) == (UNITS, UNITS, 0, 1)
    assert (s["units_meeting_all_krav"], s["units_with_shortfalls"]) == (26, 2)
    rules = {r["rule_id"]: r for r in s["rulebooks"][0]["rules"]}
    assert rules["JHV-BEM-03"]["counts"]["pass"] == 26 and rules["JHV-BEM-03"]["counts"]["fail"] == 2
    assert rules["JHV-BEM-03"]["text"] == "26 av 28 uppfyller kravet"
    assert rules["JHV-BEM-01"]["counts"]["pass"] == 28
    assert rules["JHV-SAB-01"]["in_scope"] == 26
    matrix = s["rulebooks"][0]["matrix"]
    assert len(matrix["units"]) == UNITS and len(matrix["rules"]) == len(rules)


def test_batch_json_is_what_json_dumps_writes(batch_json):
    run, data = batch_json
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    assert run.stdout.decode() == canonical


def test_a_unit_in_the_batch_is_the_single_file_report(batch_json):
    _, data = batch_json
    unit = dict(data["results"][0])  # a copy: the module's fixture is shared by other tests
    single = json.loads(run_cli("check", unit["submission"]["path"], "--format", "json").stdout)
    unit.pop("status")
    assert unit == single


@pytest.fixture(scope="module")
def broken_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lan") / "2023"
    shutil.copytree(ROOT / COUNTY, folder)
    (folder / "trasig.yaml").write_text("formular: arsbokslut-2023\nenhet: [\n", encoding="utf-8")
    text = (folder / "lavbyn.yaml").read_text(encoding="utf-8")
    (folder / "lavbyn.yaml").write_text(text.replace("jour_och_beredskap: ja",
                                                     "jour_och_beredskap: kanske"), encoding="utf-8")
    return folder


def test_a_broken_file_is_reported_and_gives_exit_2_while_the_rest_is_checked(broken_folder):
    run = run_cli("check", str(broken_folder))
    out = flat(run.stdout)
    assert run.returncode == 2, run.stderr.decode()
    assert "Filer som inte kunde läsas (2)" in out
    assert "trasig.yaml:3:1: ogiltig YAML" in out
    assert "lavbyn.yaml" in out and "verksamhet.jour_och_beredskap" in out
    assert "29 årsbokslut" in out and "27 granskade, 2 kunde inte läsas" in out
    assert "25 av 27 uppfyller kravet" in lines_with(run.stdout, "JHV-BEM-03")[0]
    assert "Traceback" not in run.stderr.decode()


def test_broken_files_in_json_are_error_entries_in_path_order(broken_folder):
    run = run_cli("check", str(broken_folder), "--format", "json")
    data = json.loads(run.stdout)
    assert run.returncode == 2
    errors = [r for r in data["results"] if r["status"] == "error"]
    assert [e["path"].rsplit("/", 1)[1] for e in errors] == ["lavbyn.yaml", "trasig.yaml"]
    assert errors[1]["error"]["kind"] == "input"
    assert errors[1]["error"]["problems"][0]["line"] == 3
    assert sum(r["status"] == "checked" for r in data["results"]) == 27
    assert data["summary"]["exit_code"] == 2


def test_a_missing_file_among_several_is_an_error_entry():
    run = run_cli("check", str(EXAMPLE.relative_to(ROOT)), "finns-inte.yaml", "--format", "csv")
    assert run.returncode == 2
    text = run.stdout.decode("utf-8-sig")
    assert "finns-inte.yaml: filen finns inte" in text and "Hälsocentralen Exempelbyn" in text


def test_an_empty_folder_is_bad_input(tmp_path):
    run = run_cli("check", str(tmp_path))
    assert run.returncode == 2
    assert "mappen innehåller inga årsbokslut" in run.stderr.decode()


def test_csv_matrix_for_excel():
    run = run_cli("check", COUNTY, "--format", "csv")
    assert run.returncode == 1
    assert run.stdout.startswith("\ufeff".encode())
    rows = run.stdout.decode("utf-8-sig").split("\r\n")
    header = rows[0].split(";")
    assert header[:5] == ["fil", "enhet", "hsa_id", "regi", "bedömning"]
    assert "JHV-BEM-03" in header
    body = [r.split(";") for r in rows[1:] if r]
    assert len(body) == UNITS
    col = header.index("JHV-BEM-03")
    assert sum(r[col] == "ej uppfyllt" for r in body) == 2


def test_xlsx_workbook(tmp_path):
    from openpyxl import load_workbook

    target = tmp_path / "lan.xlsx"
    run = run_cli("check", COUNTY, "--format", "xlsx", "--output", str(target))
    assert run.returncode == 1, run.stderr.decode()
    wb = load_workbook(target)
    assert wb.sheetnames == ["Matris", "Regler", "Indikatorer", "Fel"]
    matrix = list(wb["Matris"].iter_rows(values_only=True))
    assert matrix[0][:2] == ("fil", "enhet") and len(matrix) == UNITS + 1
    rules = {r[2]: r for r in wb["Regler"].iter_rows(min_row=2, values_only=True)}
    assert rules["JHV-BEM-03"][7] == "26 av 28 uppfyller kravet"


def test_xlsx_needs_an_output_file():
    run = run_cli("check", COUNTY, "--format", "xlsx")
    assert run.returncode == 2 and "ange en fil med --output" in run.stderr.decode()


@pytest.mark.parametrize("fmt", ["json", "csv", "html", "rich"])
def test_output_is_byte_identical_across_runs_and_with_1_or_2_workers(fmt):
    first = run_cli("check", COUNTY, "--format", fmt, "--workers", "1")
    second = run_cli("check", COUNTY, "--format", fmt, "--workers", "2")
    third = run_cli("check", COUNTY, "--format", fmt, "--workers", "2")
    assert first.returncode == second.returncode == 1
    assert first.stdout == second.stdout == third.stdout


def test_xlsx_is_byte_identical_with_1_or_2_workers(tmp_path):
    outs = []
    for workers in ("1", "2", "2"):
        target = tmp_path / f"w{len(outs)}.xlsx"
        run_cli("check", COUNTY, "--format", "xlsx", "-o", str(target), "--workers", workers)
        outs.append(target.read_bytes())
    assert outs[0] == outs[1] == outs[2]
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0)
               for i in zipfile.ZipFile(io.BytesIO(outs[0])).infolist())


def test_a_large_generated_batch_uses_the_pool_and_gives_the_same_bytes(tmp_path):
    corpus = tmp_path / "stor"
    gen = subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_corpus.py"),
                          "--units", "150", "--out", str(corpus)], capture_output=True, cwd=ROOT)
    assert gen.returncode == 0, gen.stderr.decode()
    pooled = run_cli("check", str(corpus), "--format", "json")  # 150 files: 2 workers by default
    alone = run_cli("check", str(corpus), "--format", "json", "--workers", "1")
    assert pooled.returncode == alone.returncode == 1
    assert pooled.stdout == alone.stdout
    assert len(json.loads(pooled.stdout)["results"]) == 150


def test_single_file_html_csv_xlsx_work_too(tmp_path):
    example = str(EXAMPLE.relative_to(ROOT))
    html = run_cli("check", example, "--format", "html")
    assert html.returncode == 1 and "Hälsocentralen Exempelbyn" in html.stdout.decode()
    csv = run_cli("check", example, "--format", "csv")
    assert csv.stdout.decode("utf-8-sig").count("\r\n") == 2
    run = run_cli("check", example, "--format", "xlsx", "-o", str(tmp_path / "e.xlsx"))
    assert run.returncode == 1 and (tmp_path / "e.xlsx").stat().st_size > 0


def test_progress_bar_on_a_terminal_and_not_in_a_pipe():
    import pty

    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain():
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="80", TERM="xterm")
    env.pop("FORCE_COLOR", None)
    run = subprocess.run([sys.executable, "-m", "engine.cli", "check", COUNTY, "--format", "json"],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=slave, env=env, timeout=120)
    os.close(slave)
    reader.join(timeout=5)
    os.close(master)
    seen = b"".join(chunks).decode(errors="replace")
    assert run.returncode == 1
    assert "Granskar årsbokslut" in seen
    json.loads(run.stdout)  # the report itself is untouched by the bar
    piped = run_cli("check", COUNTY, "--format", "json")
    assert b"Granskar" not in piped.stderr


def test_the_progress_bar_draws_no_thread_before_the_workers_are_forked(monkeypatch):
    """The first file of a folder is checked before the workers are forked (evaluate/batch.py):
    the bar's refresh thread starts with the second file, never across the fork."""
    from engine.report.progress import progress

    monkeypatch.setenv("FORCE_COLOR", "1")  # a terminal, as far as rich can tell
    before = threading.active_count()
    with progress(3) as tick:
        tick()
        assert threading.active_count() == before
        tick()
        assert threading.active_count() == before + 1
        tick()
