"""Hostile and broken input for the commands beyond a single `kravkoll check FIL` (which
test_hostile.py and test_properties.py cover): a folder check in every format, `test`, `lint`
and `diff` with hostile rulebooks and case files, the kravliggare commands with hostile
arguments and ledgers, files named from units staying in their folder, and a batch registration
killed with SIGKILL part-way.

Every bad input ends with exit code 2 (lint: 1, its documented code for a rulebook with errors)
and a Swedish message naming the file; never a traceback, never an internal error, never a file
written outside its folder or over an existing one, never a half-written ledger.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cli.main import main

from .support import EXAMPLE, ROOT, RULEBOOKS, copy_region, run_cli, variant
from .test_hostile import SUBMISSIONS
from .test_properties import apply, edit

BASE = EXAMPLE.read_text(encoding="utf-8")
HSA = "SE2321000207-E00000000042"
JAMTLAND = RULEBOOKS / "jamtland"
FORMATS = ["rich", "json", "html", "csv", "xlsx", "sarif", "junit"]


def no_crash(text: str) -> None:
    assert "Traceback" not in text and "internt fel" not in text, text


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# --- 1. A folder with good and hostile files, in every format -------------------------------------

HUGE = BASE + "# " + "x" * 3_000_000 + "\n"
FORMULA_NAME = '=HYPERLINK("http://x") <script>alert(1)</script> ]]> ../../etc/x'

# file name -> (content, fragments of its message). Names are the catalogue's, plus what only a
# folder can hold: a file too large, a control character typed as an escape, and file names
# that cannot be printed (a control character, Latin-1 bytes).
BAD = {f"{slug(name)}.yaml": content_and_expected
       for name, content_and_expected in SUBMISSIONS.items()}
BAD["huge.yaml"] = (HUGE, ["största tillåtna storlek"])
BAD["escaped-control.yaml"] = (BASE.replace("namn: Hälsocentralen Exempelbyn",
                                            'namn: "Hälso\\x01centralen"', 1),
                               ["otillåtet tecken '\\x01'", "enhet.namn"])
BAD["a\x01b.yaml"] = (BASE, ["sökvägen innehåller kontrolltecken"])
BAD_BYTES_NAME = b"h\xe4lsa.yaml"  # Latin-1, not UTF-8: shown as h\xe4lsa.yaml
BAD_BYTES_SHOWN = "h\\xe4lsa.yaml"

# Each good file its own unit: the same HSA-id and year twice in a folder is an input error
# (issue 19), which is not what these files test.
GOOD = {name: data.replace(HSA.encode(), f"SE2321000207-E0000000006{i}".encode())
        for i, (name, data) in enumerate({
            "exempelbyn.yaml": BASE.encode("utf-8"),
            "latin-1.yaml": BASE.replace("–", "-").replace("…", "...").encode("latin-1"),
            "bom-crlf.yaml": b"\xef\xbb\xbf" + BASE.replace("\n", "\r\n").encode("utf-8"),
            "windows-1252.yml": BASE.replace("\n", "\r\n").encode("cp1252"),
            "formel.yaml": BASE.replace("namn: Hälsocentralen Exempelbyn",
                                        "namn: " + json.dumps(FORMULA_NAME), 1).encode("utf-8"),
        }.items())}


def shown(name: str) -> str:
    return name.replace("\x01", "\\x01")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mix") / "in"
    folder.mkdir()
    for name, (content, _) in BAD.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    fd = os.open(os.fsencode(folder) + b"/" + BAD_BYTES_NAME, os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, BASE.encode("utf-8"))
    os.close(fd)
    for name, data in GOOD.items():
        (folder / name).write_bytes(data)
    bad = {f"{folder}/{shown(n)}": expected for n, (_, expected) in BAD.items()}
    bad[f"{folder}/{BAD_BYTES_SHOWN}"] = ["sökvägen innehåller kontrolltecken eller byte som "
                                          "inte är UTF-8"]
    return {"folder": folder, "bad": bad, "good": {f"{folder}/{n}" for n in GOOD}}


def strings(data) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        data = list(data.values())
    return [s for item in data for s in strings(item)] if isinstance(data, list) else []


def check_folder(capsys, *args) -> tuple[int, str]:
    code = main(["check", *map(str, args), "--rulebooks", str(RULEBOOKS)])
    err = capsys.readouterr().err
    no_crash(err)
    return code, err


def test_the_folder_json_reports_every_good_file_and_every_bad_one_with_its_message(
        mixed, capsys, tmp_path):
    out = tmp_path / "rapport.json"
    code, _ = check_folder(capsys, mixed["folder"], "--format", "json", "-o", out)
    assert code == 2
    data = json.loads(out.read_text(encoding="utf-8"))
    items = {r["path"] if r["status"] == "error" else r["submission"]["path"]: r
             for r in data["results"]}
    assert set(items) == set(mixed["bad"]) | mixed["good"]  # nothing lost, nothing added
    assert {p for p, r in items.items() if r["status"] == "checked"} == mixed["good"]
    for path, expected in mixed["bad"].items():
        message = items[path]["error"]["message"]
        assert items[path]["error"]["kind"] == "input"
        assert message.startswith(path), message
        for fragment in expected:
            assert fragment in message, (path, message)
    assert data["summary"]["files"] == len(items) and data["summary"]["exit_code"] == 2
    # files saved on Windows are read as written
    for path, item in items.items():
        if item["status"] == "checked" and not path.endswith("formel.yaml"):
            assert '"Hälsocentralen Exempelbyn"' in json.dumps(item, ensure_ascii=False), path


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "json"])
def test_every_format_reports_good_and_bad_files_without_crashing(mixed, capsys, tmp_path, fmt):
    out = tmp_path / f"rapport.{fmt}"
    code, _ = check_folder(capsys, mixed["folder"], "--format", fmt, "-o", out)
    assert code == 2
    bad, good = mixed["bad"], mixed["good"]
    if fmt == "xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(out)
        assert {r[0] for r in wb["Fel"].iter_rows(min_row=2, values_only=True)} == set(bad)
        matrix = list(wb["Matris"].iter_rows(min_row=2))
        assert {r[0].value for r in matrix if r[0].value in good} == good
        (formula,) = [r[1] for r in matrix if str(r[0].value).endswith("formel.yaml")]
        assert formula.value == FORMULA_NAME and formula.data_type == "s"  # text, not a formula
        return
    text = out.read_text(encoding="utf-8")
    if fmt == "junit":
        root = ET.fromstring(text)  # well-formed, whatever the names held
        errors = root.findall(".//testcase/error")
        assert len(errors) == len(bad)
        assert {e.get("message").split(":")[0] for e in errors} == set(bad)
        assert any(s.get("name", "").startswith("=HYPERLINK") for s in root.iter("testsuite"))
    elif fmt == "sarif":
        text = "\n".join(strings(json.loads(text)))
    elif fmt == "html":
        assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)" in text
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
        assert {r[0] for r in rows if len(r) > 4 and r[4] == "kunde inte läsas"} == set(bad)
    for path in [*bad, *good] if fmt != "rich" else bad:  # rich names units, not files
        assert path in text, path


def test_the_folder_as_a_process_prints_no_traceback(mixed):
    run = run_cli("check", str(mixed["folder"]), timeout=120)
    out, err = run.stdout.decode(), run.stderr.decode()
    assert run.returncode == 2, err
    no_crash(out + err)
    assert f"Filer som inte kunde läsas ({len(mixed['bad'])})" in out


def test_a_path_that_never_ends_is_cut_at_the_size_limit(tmp_path):
    run = run_cli("check", str(EXAMPLE), "/dev/zero", timeout=60)
    out = run.stdout.decode()
    assert run.returncode == 2
    no_crash(out + run.stderr.decode())
    assert "/dev/zero: filen är större än 2097152 byte" in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_existing_output_file_is_never_overwritten_without_force(mixed, capsys, tmp_path, fmt):
    out = tmp_path / f"rapport.{fmt}"
    out.write_bytes(b"tidigare rapport\n")
    code, err = check_folder(capsys, mixed["folder"], "--format", fmt, "-o", out)
    assert code == 2 and "filen finns redan; ange --force" in err
    assert out.read_bytes() == b"tidigare rapport\n"
    assert os.listdir(tmp_path) == [out.name]  # no temporary file left behind


def test_force_replaces_the_file_and_leaves_no_temporary_file(capsys, tmp_path):
    out = tmp_path / "rapport.json"
    out.write_bytes(b"tidigare rapport\n")
    assert main(["check", str(EXAMPLE), str(EXAMPLE.parent), "--rulebooks", str(RULEBOOKS),
                 "--format", "json", "-o", str(out), "--force"]) == 1
    assert json.loads(out.read_text(encoding="utf-8"))["kind"] == "batch"
    assert os.listdir(tmp_path) == [out.name]


@pytest.mark.parametrize("target, expected", [
    ("mapp", "är en mapp; ange ett filnamn"),
    ("fil/rapport.json", "en del av sökvägen är en fil, inte en mapp"),
])
def test_an_output_path_that_cannot_be_written_is_a_swedish_error(capsys, tmp_path, target, expected):
    (tmp_path / "mapp").mkdir()
    (tmp_path / "fil").write_text("x")
    code = main(["check", str(EXAMPLE.parent), "--rulebooks", str(RULEBOOKS), "--format", "json",
                 "-o", str(tmp_path / target), "--force"])
    err = capsys.readouterr().err
    assert code == 2 and expected in err, err
    no_crash(err)


# --- 2. test, lint and diff with hostile rulebooks and case files ---------------------------------

def rulebook_edits(pwned: Path) -> dict:
    """name -> (edit of the 2023 rulebook, fragments of the message)."""
    return {
        "syntax error": (lambda t: t.replace("rules:\n", "rules: [\n", 1), ["ogiltig YAML"]),
        "unknown field path": (
            lambda t: t.replace("field: kvalitet.medrave,", "field: kvalitet.medrav,"),
            ["fältet 'kvalitet.medrav' finns inte", "rules[13].check.answer.field"]),
        "missing parameter": (lambda t: t.replace("right: {param: di03l1_malniva}",
                                                  "right: {param: di03l1_mal}"),
                              ["okänd parameter 'di03l1_mal'"]),
        "alias": (lambda t: t.replace("rules:\n", "x: &a 1\nrules:\n", 1),
                  ["ankare (&a) är inte tillåtet"]),
        "python tag": (lambda t: t.replace(
            "title: Inga patienter nekas listning i strid med listningsreglerna",
            f"title: !!python/object/apply:os.system ['touch {pwned}']"), ["taggen !!python"]),
        "braces in a title": (lambda t: t.replace("title: Inga patienter nekas listning",
                                                  "title: Inga {rule.__class__.__init__.__globals__}"),
                              ["klammerparenteser"]),
        "empty": (lambda t: "# bara en kommentar\n", ["filen är tom"]),
        "NUL bytes": (lambda t: t[:200] + "\x00" + t[200:], ["NUL-tecken"]),
        "escaped control character": (lambda t: t.replace(
            "title: Inga patienter nekas listning i strid med listningsreglerna",
            'title: "Inga patienter\\e nekas"'), ["otillåtet tecken '\\x1b'"]),
    }


RULEBOOK_CASES = sorted(rulebook_edits(Path("x")))


def hostile_region(tmp_path: Path, name: str) -> tuple[Path, Path, Path]:
    """A copy of the Jämtland folder (rulebooks, cases, settings) with one hostile edit."""
    pwned = tmp_path / "pwned"
    region = tmp_path / "regler" / "jamtland"
    copy_region(region)  # with the national layers its rulebooks include
    change, expected = rulebook_edits(pwned)[name]
    book = region / "halsoval-2023.yaml"
    text = book.read_text(encoding="utf-8")
    changed = change(text)
    assert changed != text
    book.write_text(changed, encoding="utf-8")
    return region.parent, book, pwned


@pytest.mark.parametrize("name", RULEBOOK_CASES)
def test_test_lint_and_diff_refuse_a_hostile_rulebook_by_file_and_line(tmp_path, name):
    folder, book, pwned = hostile_region(tmp_path, name)
    expected = rulebook_edits(pwned)[name][1]
    where = re.compile(re.escape(str(book)) + r"(:\d+)?")
    runs = {
        "test": run_cli("test", str(folder)),
        "diff new": run_cli("diff", str(JAMTLAND / "halsoval-2023.yaml"), str(book),
                            "submissions/jamtland/2023"),
        "diff old": run_cli("diff", str(book), str(JAMTLAND / "halsoval-2023.yaml"),
                            "submissions/jamtland/2023"),
    }
    for what, run in runs.items():
        err = run.stderr.decode()
        no_crash(run.stdout.decode() + err)
        assert run.returncode == 2, (what, err)
        assert err.startswith("kravkoll: fel i indata") and where.search(err), (what, err)
        for fragment in expected:
            assert fragment in err, (what, err)
    lint = run_cli("lint", str(folder))
    out = lint.stdout.decode()
    no_crash(out + lint.stderr.decode())
    assert lint.returncode == 1, out  # lint's documented code for errors in a rulebook
    assert re.search(re.escape(str(book)) + r":\d+:.* fel: ", out), out
    for fragment in expected:
        assert fragment in out, out
    assert not pwned.exists()  # a rulebook never runs code


HEAD = "rule: JHV-BEM-03\nbase: underlag/hc-2023.yaml\ncases:\n"
CASE_FILES = {
    "syntax error": (HEAD + "  - name: [x\n", [":5:1:", "ogiltig YAML"]),
    "unknown field path": (HEAD + "  - name: a\n    changes: {bemanning.sjukskoterskor.distrikt: 1}\n"
                                  "    expect: {JHV-BEM-03: pass}\n",
                           [":5:15:", "fältet 'bemanning.sjukskoterskor.distrikt' finns inte"]),
    "unknown rule": (HEAD + "  - name: a\n    expect: {JHV-XXX-99: pass}\n",
                     [":5:", "regeln JHV-XXX-99 finns inte"]),
    "unknown outcome": (HEAD + "  - name: a\n    expect: {JHV-BEM-03: ok}\n",
                        [":5:26:", "'ok' är inte ett tillåtet värde"]),
    "alias": ("rule: JHV-BEM-03\nbase: &b underlag/hc-2023.yaml\ncases:\n  - name: a\n    base: *b\n"
              "    expect: {JHV-BEM-03: pass}\n", [":2:7:", "ankare (&b) är inte tillåtet"]),
    "python tag": (HEAD + "  - name: !!python/object/apply:os.system ['echo pwned']\n"
                          "    expect: {JHV-BEM-03: pass}\n", [":4:11:", "taggen !!python"]),
    "no cases": ("rule: JHV-BEM-03\nbase: underlag/hc-2023.yaml\ncases: []\n",
                 [":3:8:", "fält 'cases': får inte vara tom"]),
    "missing base": ("rule: JHV-BEM-03\nbase: underlag/finns-inte.yaml\ncases:\n  - name: a\n"
                     "    expect: {JHV-BEM-03: pass}\n",
                     [":2:", "basårsbokslutet 'underlag/finns-inte.yaml' finns inte"]),
    "wrong type": (HEAD + "  - name: a\n    changes:\n"
                          "      bemanning.sjukskoterskor_arsarbetare.distriktsskoterskor: [1]\n"
                          "    expect: {JHV-BEM-03: pass}\n", [":6:", "förväntade ett tal"]),
    "empty": ("", ["filen är tom"]),
    "deep nesting": ("a: " + "[" * 100 + "]" * 100 + "\n", ["för djup nästling"]),
}


@pytest.mark.parametrize("name", sorted(CASE_FILES))
def test_kravkoll_test_refuses_a_hostile_case_file_by_file_and_line(tmp_path, name):
    text, expected = CASE_FILES[name]
    region = tmp_path / "regler" / "jamtland"
    copy_region(region)  # with the national layers its rulebooks include
    for other in (region / "tests").glob("*.yaml"):
        other.unlink()
    case_file = region / "tests" / "fientlig.yaml"
    case_file.write_text(text, encoding="utf-8")
    for fmt in ("rich", "junit"):
        run = run_cli("test", str(region.parent), "--format", fmt)
        err = run.stderr.decode()
        no_crash(run.stdout.decode() + err)
        assert run.returncode == 2, err
        assert f"{case_file}" in err and "pwned" not in run.stdout.decode()
        for fragment in expected:
            assert fragment in err, err


def test_a_hostile_settings_file_is_named_by_test_and_lint(tmp_path):
    region = tmp_path / "regler" / "jamtland"
    copy_region(region)  # with the national layers its rulebooks include
    settings_file = region / "kravkoll.yaml"
    settings_file.write_text("coverage: !!python/object/apply:os.system ['echo pwned']\n",
                             encoding="utf-8")
    run = run_cli("test", str(region.parent), "--coverage")
    err = run.stderr.decode()
    assert run.returncode == 2 and f"{settings_file}:1:11:" in err and "taggen !!python" in err, err
    lint = run_cli("lint", str(region.parent))
    out = lint.stdout.decode()
    assert lint.returncode == 1 and f"{settings_file}:1:" in out and "[installningar]" in out, out
    no_crash(err + out + lint.stderr.decode())


# --- 3. The kravliggare commands: hostile arguments and ledgers ---------------------------------

UNKNOWN = "SE2321000207-E00000000099"


def dump(ledger: Path) -> list[str]:
    with closing(sqlite3.connect(ledger)) as db:
        return list(db.iterdump())


@pytest.fixture(scope="module")
def registered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("led")
    ledger = folder / "l.sqlite"
    run = run_cli("demands", "register", str(EXAMPLE), "--ledger", str(ledger), "--as-of", "2024-04-01")
    assert run.returncode == 0, run.stderr.decode()
    plan = folder / "plan.pdf"
    plan.write_bytes(b"%PDF-1.4\n")
    (folder / "blocker").write_text("en fil, inte en mapp")
    bad = folder / "in"
    bad.mkdir()
    (bad / "a-ny.yaml").write_text(BASE.replace(HSA, "SE2321000207-E00000000077"), encoding="utf-8")
    (bad / "b-trasig.yaml").write_text("enhet:\n  namn: [x\n", encoding="utf-8")
    return {"folder": folder, "ledger": ledger, "plan": plan, "dump": dump(ledger)}


def hostile_ledger_args(f: Path) -> dict:
    """name -> (arguments, fragment of the message). None of them may change the ledger."""
    letters = str(f / "brev")
    return {
        "unknown HSA-id in list": (["demands", "list", UNKNOWN, "--as-of", "2024-05-01"],
                                   f"har ingen granskning av {UNKNOWN}"),
        "unknown HSA-id in history": (["demands", "history", UNKNOWN],
                                      f"har ingen granskning av {UNKNOWN}"),
        "unknown HSA-id in plan": (["demands", "plan", UNKNOWN, "JHV-BEM-03", "--date", "2024-05-01",
                                    "--file", str(f / "plan.pdf")], "ingen kravpost för JHV-BEM-03"),
        "unknown HSA-id in a letter": (["demands", "letter", UNKNOWN, "--as-of", "2024-05-01", "--out",
                                        letters], f"ingen granskning av {UNKNOWN}"),
        "malformed HSA-id": (["demands", "list", "SE123", "--as-of", "2024-05-01"],
                             "'SE123' är inget HSA-id"),
        "a path as HSA-id": (["demands", "letter", "../../etc/x", "--as-of", "2024-05-01", "--out", letters],
                             "'../../etc/x' är inget HSA-id"),
        "unknown rule": (["demands", "plan", HSA, "JHV-XXX-99", "--date", "2024-05-01", "--file",
                          str(f / "plan.pdf")], "ingen kravpost för JHV-XXX-99"),
        "malformed rule id": (["demands", "approve", HSA, "x'; DROP TABLE demands; --", "--date",
                               "2024-05-01"], "är inget regel-id"),
        "a rule met, no demand": (["demands", "rattelse", HSA, "JHV-LIS-01", "--date", "2024-05-01"],
                                  "ingen kravpost för JHV-LIS-01"),
        "date that does not exist": (["demands", "reject", HSA, "JHV-BEM-03", "--date", "2024-02-30"],
                                     "--date: '2024-02-30' är inget datum"),
        "date in another form": (["demands", "list", "--as-of", "31/12/2024"],
                                 "--as-of: '31/12/2024' är inget datum"),
        "date before the last event": (["demands", "rattelse", HSA, "JHV-BEM-03", "--date", "2020-01-01"],
                                       "ligger före den första granskningen"),
        "plan file missing": (["demands", "plan", HSA, "JHV-BEM-03", "--date", "2024-05-01", "--file",
                               str(f / "finns-inte.pdf")], "filen finns inte"),
        "letters into a file": (["demands", "letter", HSA, "--as-of", "2024-05-01", "--out",
                                 str(f / "blocker")], "en del av sökvägen är en fil, inte en mapp"),
        "decision day before the submission": (["demands", "register", str(EXAMPLE), "--as-of",
                                                "2024-01-01"],
                                               "ligger före årsbokslutets inlämningsdag"),
        "a folder with a broken file": (["demands", "register", str(f / "in"), "--as-of", "2024-04-01"],
                                        "b-trasig.yaml:3:1: ogiltig YAML"),
        "dispens for an unknown rule": (["dispens", "grant", HSA, "JHV-XXX-99", "--reason", "r",
                                         "--diarienummer", "d", "--until", "2025-01-01"],
                                        "ingen regel med id JHV-XXX-99"),
        "dispens ending before it starts": (["dispens", "grant", HSA, "JHV-BEM-03", "--reason", "r",
                                             "--diarienummer", "d", "--from", "2026-01-01", "--until",
                                             "2025-01-01"], "ligger före startdatum"),
        "dispens without a reason": (["dispens", "grant", HSA, "JHV-BEM-03", "--reason", "  ",
                                      "--diarienummer", "d", "--until", "2025-01-01", "--from",
                                      "2024-01-01"], "behöver en motivering"),
        "dispens with a malformed date": (["dispens", "grant", HSA, "JHV-BEM-03", "--reason", "r",
                                           "--diarienummer", "d", "--until", "2025-13-01"],
                                          "--until: '2025-13-01' är inget datum"),
        "end an unknown dispens": (["dispens", "end", HSA, "JHV-BEM-03", "--diarienummer", "nope",
                                    "--date", "2025-01-01"], "ingen dispens nope"),
        "dispens list for a malformed HSA-id": (["dispens", "list", "x"], "'x' är inget HSA-id"),
    }


# A value of the wrong form on the command line is a usage error, not an error in the ledger.
WRONG_COMMAND_LINE = {"malformed HSA-id", "a path as HSA-id", "malformed rule id",
                      "date that does not exist", "date in another form",
                      "dispens with a malformed date", "dispens list for a malformed HSA-id"}


@pytest.mark.parametrize("name", sorted(hostile_ledger_args(Path("."))))
def test_hostile_ledger_arguments_are_swedish_errors_and_change_nothing(registered, name):
    args, expected = hostile_ledger_args(registered["folder"])[name]
    run = run_cli(*args, "--ledger", str(registered["ledger"]))
    err = run.stderr.decode()
    no_crash(run.stdout.decode() + err)
    assert run.returncode == 2, err
    heading = "fel i användning" if name in WRONG_COMMAND_LINE else "fel i indata"
    assert err.startswith(f"kravkoll: {heading}") and expected in err, err
    assert dump(registered["ledger"]) == registered["dump"]
    assert not (registered["folder"] / "brev").exists()


def _corrupt_page(path: Path, table: str) -> None:
    """Overwrite the root page of one table: the header still reads, that table does not."""
    with closing(sqlite3.connect(path)) as db:
        size = db.execute("PRAGMA page_size").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    with open(path, "r+b") as fh:
        fh.seek((root - 1) * size)
        fh.write(b"\xff" * size)


def make_ledger(kind: str, folder: Path, source: Path) -> tuple[Path, str]:
    """(a ledger path, the fragment every command must say about it)."""
    if kind == "a folder":
        (folder / "l.sqlite").mkdir()
        return folder / "l.sqlite", "är en mapp, inte en kravliggare"
    if kind == "not SQLite":
        (folder / "l.sqlite").write_text("kravliggare\n" * 400)
        return folder / "l.sqlite", "filen är ingen SQLite-databas"
    if kind == "truncated":
        (folder / "l.sqlite").write_bytes(source.read_bytes()[:100])
        return folder / "l.sqlite", "databasfilen är skadad"
    if kind == "a damaged table":
        shutil.copy(source, folder / "l.sqlite")
        _corrupt_page(folder / "l.sqlite", "inputs")  # the journal every command reads
        return folder / "l.sqlite", "kravliggaren är skadad och kan inte läsas"
    if kind == "below a file":
        (folder / "fil").write_text("x")
        return folder / "fil" / "l.sqlite", "kravliggaren"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["a folder", "not SQLite", "truncated", "a damaged table",
                                  "below a file"])
def test_a_ledger_that_is_not_a_usable_ledger_is_a_swedish_error(registered, tmp_path, kind):
    ledger, expected = make_ledger(kind, tmp_path, registered["ledger"])
    other = variant(tmp_path, {"enhet.hsa_id": "SE2321000207-E00000000077"}, "annan.yaml")
    for args in (["demands", "list", "--as-of", "2024-05-01"],
                 ["demands", "register", str(other), "--as-of", "2024-04-01"]):
        run = run_cli(*args, "--ledger", str(ledger))
        err = run.stderr.decode()
        no_crash(run.stdout.decode() + err)
        assert run.returncode == 2, (args, err)
        assert f"{ledger}" in err and expected in err, (args, err)
        assert re.search(r"[a-z]+ is |database|not a|malformed", err) is None, err  # no English


# --- 4. Names derived from units never leave the output folder ---------------------------------

NAMES = {"SE2321000207-E00000000101": "../../etc/x",
         "SE2321000207-E00000000102": "Hälsocentralen/../../"}


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def test_unit_names_like_paths_never_move_a_letter_or_report_out_of_its_folder(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for hsa, name in NAMES.items():
        variant(inbox, {"enhet.hsa_id": hsa, "enhet.namn": name}, f"{hsa}.yaml")
    ledger = tmp_path / "l.sqlite"
    run = run_cli("demands", "register", str(inbox), "--ledger", str(ledger), "--as-of", "2024-04-01")
    assert run.returncode == 0, run.stderr.decode()
    out = tmp_path / "ut"
    before = files_under(tmp_path)
    for hsa in NAMES:
        run = run_cli("demands", "letter", hsa, "--ledger", str(ledger), "--as-of", "2024-05-01",
                      "--out", str(out / "brev"))
        assert run.returncode == 0, run.stderr.decode()
    for fmt in ("html", "csv", "xlsx", "json", "junit", "sarif"):
        run = run_cli("check", str(inbox), "--format", fmt, "-o", str(out / f"rapport.{fmt}"))
        assert run.returncode == 1, run.stderr.decode()
    new = files_under(tmp_path) - before
    letters = {out / "brev" / f"{hsa}-2023-2024-05-01.{ext}" for hsa in NAMES for ext in ("md", "html")}
    reports = {out / f"rapport.{fmt}" for fmt in ("html", "csv", "xlsx", "json", "junit", "sarif")}
    assert new == letters | reports
    for path in new:
        assert path.resolve().is_relative_to(out.resolve())
    for hsa, name in NAMES.items():  # the name is in the letter, as text
        text = (out / "brev" / f"{hsa}-2023-2024-05-01.md").read_text(encoding="utf-8")
        assert f"{name} (HSA-id {hsa})" in text
    # a second letter the same day gets a new name; the first is never overwritten
    hsa = next(iter(NAMES))
    first = {p: p.read_bytes() for p in letters}
    run = run_cli("demands", "letter", hsa, "--ledger", str(ledger), "--as-of", "2024-05-01",
                  "--out", str(out / "brev"))
    assert run.returncode == 0 and f"{hsa}-2023-2024-05-01-2.md" in run.stdout.decode()
    assert {p: p.read_bytes() for p in letters} == first


def test_an_hsa_id_that_is_a_path_is_refused_before_anything_is_written(tmp_path):
    sub = variant(tmp_path, {"enhet.hsa_id": "SE2321000207-../../x"}, "ut.yaml")
    run = run_cli("demands", "register", str(sub), "--ledger", str(tmp_path / "l.sqlite"),
                  "--as-of", "2024-04-01")
    err = run.stderr.decode()
    assert run.returncode == 2 and "fält 'enhet.hsa_id'" in err, err
    assert not (tmp_path / "l.sqlite").exists()


# --- 5. kill -9 in the middle of a batch registration ------------------------------------------
#
# `demands register FOLDER` checks every file before it opens the ledger (a bad file stops the
# command before anything is written), then writes one transaction per unit (demands.register:
# BEGIN IMMEDIATE … COMMIT, WAL, synchronous=FULL). A SIGKILL can therefore only fall between
# two units or inside one unit's uncommitted transaction, which SQLite rolls back.
#
# What "consistent" means here, from ledger.py's schema:
# - PRAGMA integrity_check is ok and PRAGMA foreign_key_check finds nothing;
# - every demand has its events: the first is its creation (from_status NULL, event 'finding')
#   and the last one's to_status is the demand's status;
# - no half-written unit: every unit with a check row has exactly the demands (and events and
#   plans) the clean run gave it, and a unit without a check row has none.
# Each run is killed right after it has committed a unit with demands (the first such unit of
# the 300 is the 24th), so the killed ledgers hold demands; the re-run must then give exactly the
# demands of a clean run into a fresh ledger. Nothing here is timed: a run that finishes before
# it can be killed skips the test.

UNITS = 300
KEY = "hsa_id, rule_id, period, status"


def _corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("korpus") / "in"
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_corpus.py"), "--units",
                          str(UNITS), "--out", str(folder)], capture_output=True, timeout=300)
    assert run.returncode == 0, run.stderr.decode()
    return folder


def _register(folder: Path, ledger: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "engine.cli", "demands", "register", str(folder),
                             "--ledger", str(ledger), "--as-of", "2024-04-01", "--format", "json"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _registered(ledger: Path) -> tuple[int, int]:
    """(units, units with shortfalls, which make demands) registered so far, read without
    writing (WAL lets a reader in beside the writer)."""
    if not ledger.exists():
        return 0, 0
    try:
        with closing(sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=0.2)) as db:
            return (db.execute("SELECT COUNT(*) FROM checks").fetchone()[0],
                    db.execute("SELECT COUNT(*) FROM checks WHERE verdict = 'fail'").fetchone()[0])
    except sqlite3.Error:  # not created yet, or the schema is being written
        return 0, 0


def _kill_part_way(folder: Path, ledger: Path) -> int | None:
    """Start a registration and SIGKILL it as soon as it has written a unit with demands (most
    units meet every krav; killing among those would test little); returns how many units were
    in the ledger when it died, or None when it finished first."""
    _, before = _registered(ledger)
    proc = _register(folder, ledger)
    try:
        while proc.poll() is None:
            if _registered(ledger)[1] > before:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.001)
        proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    if proc.returncode != -signal.SIGKILL:
        return None
    done = _registered(ledger)[0]
    return done if done < UNITS else None


def _state(ledger: Path) -> dict:
    """The checks in the file and the demands derived from its journal (replay.py)."""
    from engine.followup import replay
    from engine.followup.ledger import Ledger

    with closing(sqlite3.connect(ledger)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        journal = db.execute("SELECT COUNT(*) FROM inputs WHERE kind = 'check'").fetchone()[0]
        assert journal == db.execute("SELECT COUNT(*) FROM checks").fetchone()[0]
    with Ledger(ledger, readonly=True) as led, led.read():
        # the fold holds the derived rows in memory (unit_state.UnitState, no database): read
        # them through the ledger's interface
        state = replay.state(led)
        rows = state.demands()
        demands = [tuple(getattr(d, k) for k in KEY.split(", ")) for d in rows]
        checks = [c.hsa_id for c in state.checks()]
        plans = state.plans()
        per_unit = {}
        for d in rows:
            events = state.events(d.id)
            assert events, f"demand {d.id} has no events"
            assert events[0].from_status is None and events[0].event == "finding"
            assert events[-1].to_status == d.status
            n = per_unit.setdefault(d.hsa_id, [0, 0, 0])
            n[0], n[1], n[2] = n[0] + 1, n[1] + len(events) * max(1, len(plans.get(d.id, ()))), \
                n[2] + len(plans.get(d.id, ()))
        per_unit = {k: tuple(v) for k, v in per_unit.items()}
    return {"demands": demands, "checks": checks, "per_unit": per_unit}


@pytest.fixture(scope="module")
def corpus_and_clean_run(tmp_path_factory):
    folder = _corpus(tmp_path_factory)
    clean = tmp_path_factory.mktemp("ren") / "l.sqlite"
    proc = _register(folder, clean)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    return folder, _state(clean)


def test_a_registration_killed_twice_part_way_is_consistent_and_a_rerun_completes_it(
        corpus_and_clean_run, tmp_path):
    folder, clean = corpus_and_clean_run
    assert len(clean["checks"]) == UNITS and clean["demands"]
    ledger = tmp_path / "l.sqlite"
    seen = []
    for _ in range(2):  # two kills in a row on the same ledger, each part-way
        done = _kill_part_way(folder, ledger)
        if done is None:
            pytest.skip(f"`demands register` of {UNITS} units finished before it could be killed "
                        "part-way; this machine writes too fast for the test")
        seen.append(done)
        state = _state(ledger)
        assert len(state["checks"]) == done and len(set(state["checks"])) == done
        for hsa in set(state["checks"]):  # every unit in the ledger is whole …
            assert state["per_unit"].get(hsa) == clean["per_unit"].get(hsa), hsa
        assert set(state["per_unit"]) <= set(state["checks"])  # … and no demand without its unit
        assert set(state["demands"]) <= set(clean["demands"])
    assert seen[0] < seen[1] < UNITS
    proc = _register(folder, ledger)  # the re-run completes the work
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    final = _state(ledger)
    assert sorted(final["demands"]) == sorted(clean["demands"])
    assert len(final["demands"]) == len(set(final["demands"]))  # no duplicates
    assert sorted(final["checks"]) == sorted(clean["checks"])
    assert final["per_unit"] == clean["per_unit"]


# --- 6. Any bytes in a folder: 0, 1 or 2, no traceback -----------------------------------------

a_file = st.one_of(st.binary(max_size=3000),
                   st.lists(edit, min_size=1, max_size=3).map(lambda e: apply(e).encode("utf-8")),
                   st.just(BASE.encode("utf-8")))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(a_file, min_size=1, max_size=3),
       st.sampled_from(["json", "csv", "html", "sarif", "junit", "xlsx", "rich"]))
def test_any_files_in_a_folder_end_in_0_1_or_2_and_every_file_is_accounted_for(capsys, files, fmt):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for i, data in enumerate(files):
            (folder / f"{i}.yaml").write_bytes(data)
        out = Path(tmp) / f"rapport.{fmt}"
        code = main(["check", str(folder), "--rulebooks", str(RULEBOOKS), "--format", fmt,
                     "-o", str(out)])
        err = capsys.readouterr().err
        assert code in (0, 1, 2), err
        no_crash(err)
        assert out.exists()
        if fmt == "json":
            data = json.loads(out.read_text(encoding="utf-8"))
            assert data["summary"]["files"] == len(files) == len(data["results"])
            assert data["summary"]["exit_code"] == code


def test_csv_never_starts_a_cell_with_a_formula(tmp_path):
    from .support import variant

    folder = tmp_path / "mapp"
    folder.mkdir()
    variant(folder, {"enhet.namn": "=HYPERLINK(\"http://x\")"}, name="a.yaml")
    run = run_cli("check", str(folder), "--format", "csv")
    text = run.stdout.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert not any(cell.startswith("=") for line in text.splitlines() for cell in line.split(";"))


def test_written_reports_follow_the_umask_not_private(tmp_path):
    import os
    import stat

    from .support import EXAMPLE

    target = tmp_path / "rapport.json"
    old = os.umask(0o022)
    try:
        run_cli("check", str(EXAMPLE), "--format", "json", "--output", str(target))
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
