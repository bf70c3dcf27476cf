"""The same text rules everywhere (engine/read/text_rules.py, issue 19): control characters,
bidi overrides and (where a line is expected) line breaks are refused in YAML values, Excel
cells, CSV fields and command-line options, each with a Swedish message naming the file and
line or cell and the field, or the option; exit 2 and nothing written."""

from __future__ import annotations

import csv
import sqlite3
from contextlib import closing
from pathlib import Path

import openpyxl
import pytest
import yaml

from engine.model.form import get_form
from engine.read import text_rules
from engine.read.text_rules import BLOCK, IDENT, LINE, check, one_line, problem, shown
from engine.report.template import build

from .support import EXAMPLE, RULEBOOKS, example_data, run_cli, variant, write_yaml

HSA = "SE2321000207-E00000000042"
FORM = "arsbokslut-2023"
BIDI = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
C0 = [chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)]
C1 = [chr(c) for c in range(0x80, 0xA0)]


def refused(run) -> str:
    err = run.stderr.decode()
    assert run.returncode == 2, (run.returncode, err, run.stdout.decode()[-2000:])
    assert "Traceback" not in err and "internt fel" not in err, err
    assert "\x1b" not in err and "\u202e" not in err, "the message itself carries the character"
    return err


# --- the rules ---------------------------------------------------------------------------------

@pytest.mark.parametrize("ch", C0 + ["\x7f"] + C1 + BIDI + ["\ufffe", "\uffff", "\ud800"])
@pytest.mark.parametrize("kind", [BLOCK, LINE, IDENT])
def test_controls_bidi_overrides_and_noncharacters_are_refused_in_every_kind_of_text(ch, kind):
    why = problem(f"Vårdcentralen{ch} Norr", kind)
    assert why is not None and f"U+{ord(ch):04X}" in why and "tecken 14" in why, why
    with pytest.raises(text_rules.TextRefused):
        check(f"a{ch}", kind)


def test_a_bidi_override_is_explained_as_one():
    why = problem("Hälsocentralen \u202eNORR", LINE)
    assert "U+202E" in why and "RLO" in why and "riktningsstyrning" in why, why


@pytest.mark.parametrize("ch", ["\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029", "\t"])
def test_a_line_break_or_tab_is_refused_where_a_line_is_expected(ch):
    assert problem(f"RS 2024{ch}Bcc: x", LINE) is not None
    assert problem(f"RS 2024{ch}Bcc: x", IDENT) is not None


def test_a_text_block_keeps_line_feeds_and_tabs_and_reads_crlf_as_lf_but_not_a_lone_cr():
    assert check("rad ett\n\tindrag\nrad tre", BLOCK) == "rad ett\n\tindrag\nrad tre"
    assert check("rad ett\r\nrad två", BLOCK) == "rad ett\nrad två"
    assert "U+000D" in problem("skrivs\röver", BLOCK)


def test_outer_white_space_of_a_line_is_not_a_line_break_the_model_strips_it_anyway():
    assert problem("  Vårdcentralen Norr\n", LINE) is None


def test_direction_marks_are_kept_in_names_but_invisible_characters_not_in_identifiers():
    # decided: LRM, RLM and ALM reorder nothing but neutral characters beside them, and names
    # written in Arabic or Hebrew need them; an identifier has no invisible character at all
    for mark in ("\u200e", "\u200f", "\u061c"):
        assert problem(f"مركز{mark} 12", LINE) is None
        assert problem(f"RS-2024{mark}", IDENT) is not None
    assert "U+200B" in problem("RS\u200b-2024", IDENT)
    assert problem("Hälsocentralen Östersund – Söder", IDENT) is None


def test_what_an_output_writes_shows_every_refused_character_visibly():
    assert shown("a\x1b[31mb\u202ec\x9bd\r") == "a\\x1b[31mb\\u202ec\\x9bd\\x0d"
    assert shown("rad\n\tindrag") == "rad\n\tindrag"
    assert one_line("RS\r\nBcc: x") == "RS\\x0d\\x0aBcc: x"
    assert shown("Vårdcentralen Ö") == "Vårdcentralen Ö"


# --- YAML submissions --------------------------------------------------------------------------

def test_a_bidi_override_in_a_yaml_unit_name_is_refused_at_its_line(tmp_path):
    sub = variant(tmp_path, {"enhet.namn": "Hälsocentralen \u202eNROn"})
    err = refused(run_cli("check", str(sub), "--rulebooks", str(RULEBOOKS)))
    line = next(i for i, t in enumerate(sub.read_text(encoding="utf-8").splitlines(), 1)
                if "\u202e" in t)
    assert f"{sub}:{line}:" in err and "fält 'enhet.namn'" in err and "U+202E" in err, err


def test_a_line_break_in_a_yaml_unit_name_is_refused_but_kept_in_a_comment(tmp_path):
    data = example_data()
    data["enhet"]["namn"] = "Hälsocentralen\nExempelbyn"
    err = refused(run_cli("check", str(write_yaml(tmp_path / "a.yaml", data)),
                          "--rulebooks", str(RULEBOOKS)))
    assert "fält 'enhet.namn'" in err and "radbrytning" in err and "en enda rad" in err, err
    data = example_data()
    data["enhet"]["namn"] = "Hälsocentralen Exempelbyn"
    data["ovrigt"] = {**data.get("ovrigt", {}), "viktiga_handelser": "Ny chef.\nNytt tak.\n"}
    run = run_cli("check", str(write_yaml(tmp_path / "b.yaml", data)), "--rulebooks", str(RULEBOOKS))
    assert run.returncode in (0, 1), run.stderr.decode()


def test_a_control_character_written_as_a_yaml_escape_is_refused(tmp_path):
    path = tmp_path / "a.yaml"
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "Hälsocentralen Exempelbyn", '"Hälsocentralen\\e[2J Exempelbyn"', 1)
    path.write_text(text, encoding="utf-8")
    err = refused(run_cli("check", str(path), "--rulebooks", str(RULEBOOKS)))
    assert "U+001B" in err and "enhet.namn" in err, err


# --- CSV exports and Excel templates -----------------------------------------------------------

def _export(tmp_path: Path, name: str) -> Path:
    """A survey export (CSV, ;-separated) of two units, the second named `name`."""
    rows = []
    for i, hsa in enumerate((HSA, "SE2321000207-E00000000077")):
        data = example_data()
        data["enhet"]["hsa_id"] = hsa
        if i == 1:
            data["enhet"]["namn"] = name
        flat = {}

        def walk(node, prefix=""):
            for k, v in node.items():
                if isinstance(v, dict) and k not in ("oppettider", "vakanta_tjanster"):
                    walk(v, f"{prefix}{k}.")
                elif not isinstance(v, (dict, list)):
                    flat[prefix + k] = v
        walk(data)
        rows.append(flat)
    keys = sorted(set(rows[0]) & set(rows[1]))
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(keys)
        for r in rows:
            w.writerow(["" if r[k] is None else str(r[k]).replace(".", ",")
                        if isinstance(r[k], float) else r[k] for k in keys])
    return path


@pytest.mark.parametrize("name, code", [
    ("Ond\x1b[31m hc \u202eabc", "U+001B"),  # the case: ESC and U+202E in one name
    ("Hälsocentralen \u202eNROn", "U+202E"),
    ("Hälsocentralen\x9b2J", "U+009B"),
])
def test_a_control_or_bidi_character_in_an_exported_unit_name_is_refused_at_its_cell(
        tmp_path, name, code):
    export = _export(tmp_path, name)
    for fmt in ("rich", "xlsx", "junit"):  # xlsx and junit ended in exit 3 before
        args = ["check", str(export), "--form", FORM, "--rulebooks", str(RULEBOOKS),
                "--format", fmt] + (["-o", str(tmp_path / f"ut.{fmt}"), "--force"]
                                    if fmt != "rich" else [])
        run = run_cli(*args)
        err = run.stderr.decode()
        assert run.returncode == 2, (fmt, err)
        assert "Traceback" not in err and "internt fel" not in err, err
        out = run.stdout.decode()
        assert "\x1b" not in out and "\u202e" not in out  # no terminal: rich writes no codes
    whole = run_cli("check", str(export), "--form", FORM, "--rulebooks", str(RULEBOOKS),
                    "--format", "json")
    assert whole.returncode == 2
    text = whole.stdout.decode() + whole.stderr.decode()
    assert "rad 3" in text and "enhet.namn" in text and code in text, text[-3000:]


def _template_with(tmp_path: Path, name: str) -> Path:
    out = tmp_path / "mall.xlsx"
    out.write_bytes(build(get_form(FORM), yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))))
    wb = openpyxl.load_workbook(out)
    ws = wb["Årsbokslut"]
    row = next(r[0].row for r in ws.iter_rows() if r[5].value == "enhet.namn")
    ws.cell(row, 3).value = name
    wb.save(out)
    return out, row


@pytest.mark.parametrize("name, what", [("Hälsocentralen \u202eNROn", "U+202E"),
                                        ("Hälsocentralen\nExempelbyn", "radbrytning")])
def test_a_bidi_override_or_line_break_in_a_template_cell_is_refused_at_the_cell(tmp_path, name,
                                                                                 what):
    path, row = _template_with(tmp_path, name)
    err = refused(run_cli("check", str(path), "--rulebooks", str(RULEBOOKS)))
    assert f"mall.xlsx:Årsbokslut!C{row}: fält 'enhet.namn':" in err and what in err, err


# --- command-line options ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("rader") / "l.sqlite"
    run = run_cli("demands", "register", str(EXAMPLE), "--rulebooks", str(RULEBOOKS),
                  "--ledger", str(path), "--as-of", "2024-04-01")
    assert run.returncode == 0, run.stderr.decode()
    return path


def _dump(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as db:
        return list(db.iterdump())


@pytest.mark.parametrize("option, value, what", [
    ("--diarienummer", "RS-2024:1\r\nBcc: ond@example.se", "radbrytning"),
    ("--diarienummer", "RS-2024:1\x1b[2J", "U+001B"),
    ("--diarienummer", "RS-2024:\u202e1", "U+202E"),
    ("--diarienummer", "RS-2024\u200b:1", "U+200B"),
    ("--note", "Beslut\x1b]0;titel\x07", "U+001B"),
    ("--note", "skrivs\röver", "U+000D"),
    ("--note", "Beslut \u2066om\u2069 vite", "U+2066"),
])
def test_a_control_character_in_a_command_line_option_is_exit_2_and_nothing_is_recorded(
        ledger, tmp_path, option, value, what):
    copy = tmp_path / "l.sqlite"
    copy.write_bytes(ledger.read_bytes())
    before = _dump(copy)
    args = ["demands", "forelaggande", HSA, "JHV-BEM-03", "--date", "2024-05-02",
            "--diarienummer", "RS-2024:1", "--frist-dagar", "30", "--ledger", str(copy)]
    if option == "--diarienummer":
        args[args.index("--diarienummer") + 1] = value
    else:
        args += [option, value]
    err = refused(run_cli(*args))
    assert f"Ogiltigt värde för '{option}'" in err and what in err, err
    assert _dump(copy) == before


def test_a_note_may_have_several_lines(ledger, tmp_path):
    copy = tmp_path / "l.sqlite"
    copy.write_bytes(ledger.read_bytes())
    run = run_cli("demands", "forelaggande", HSA, "JHV-BEM-03", "--date", "2024-05-02",
                  "--diarienummer", "RS-2024:1", "--frist-dagar", "30", "--note", "Första raden.\nAndra raden.",
                  "--ledger", str(copy))
    assert run.returncode == 0, run.stderr.decode()


@pytest.mark.parametrize("args, option", [
    (["template", FORM, "--namn", "Hälsocentralen\nNorr"], "--namn"),
    (["template", FORM, "--namn", "Hälsocentralen \u202eNorr"], "--namn"),
    (["demands", "list", "--region", "Region\x1b[2J"], "--region"),
    (["dispens", "grant", HSA, "JHV-BEM-03", "--reason", "skäl\x1b", "--diarienummer", "D1",
      "--until", "2024-12-31"], "--reason"),
    (["demands", "history", "Hälsocentralen\x1b[2J"], "HSA-ID|NAMN"),
])
def test_names_and_reasons_on_the_command_line_follow_the_same_rules(ledger, tmp_path, args,
                                                                     option):
    err = refused(run_cli(*args, *(["--ledger", str(ledger)] if args[0] != "template"
                                   else ["-o", str(tmp_path / "m.xlsx")])))
    assert "Ogiltigt värde" in err and option in err, err
    assert not (tmp_path / "m.xlsx").exists()
