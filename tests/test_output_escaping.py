"""Every output escapes what it got for its format (issue 19), also when input validation was
never asked: a ledger written by an older kravkoll (or edited) whose unit name, diarienummer,
note or dispens reason holds ESC, CR/LF, a C1 control or a bidi override. Nothing raw reaches
the terminal; xlsx, docx and JUnit stay well-formed XML (exit 3 before); an e-mail draft's
headers cannot be split (header injection); rich markup in data is shown as the text it is."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import sqlite3
import xml.etree.ElementTree as ET
from contextlib import closing
from pathlib import Path

import openpyxl
import pytest

from engine.followup.demands import grant_dispens, record_forelaggande, record_vite
from engine.followup.ledger import Ledger

from .support import EXAMPLE, RULEBOOKS, run_cli, variant

HSA = "SE2321000207-E00000000042"
DNR = "RS\r\nBcc: ond@example.se\r\n\x1b[2J\u202eX"
NOTE = "Anteckning\x1b]0;titel\x07 \u202e[red]röd[/] \x9b31m"
NAME = "Hälsocentralen\x1b[31m Exempelbyn \u202eNROn"
RAW = ("\x1b", "\u202e", "\r", "\x9b", "\x07")
WIDE = {"COLUMNS": "250"}


def no_raw(text: str) -> None:
    for ch in RAW:
        assert ch not in text, (ch, text[:3000])


def ok(*args: str) -> tuple[str, str]:
    run = run_cli(*args, env=WIDE)
    out, err = run.stdout.decode(), run.stderr.decode()
    assert run.returncode == 0, (args, err)
    assert "Traceback" not in err and "internt fel" not in err, err
    return out, err


@pytest.fixture(scope="module")
def old(tmp_path_factory) -> Path:
    """A ledger whose rows hold what today's input validation refuses: written through the
    library (no command line), the unit's name changed in the file afterwards."""
    folder = tmp_path_factory.mktemp("gammal")
    path = folder / "l.sqlite"
    ok("demands", "register", str(EXAMPLE), "--rulebooks", str(RULEBOOKS), "--ledger", str(path),
       "--as-of", "2024-03-01")
    with Ledger(path) as ledger:
        record_forelaggande(ledger, HSA, ["JHV-BEM-03"], dt.date(2024, 3, 2), DNR, 30, False, NOTE)
        record_vite(ledger, HSA, ["JHV-BEM-03"], dt.date(2024, 5, 2), 10_000, DNR, None, NOTE)
        grant_dispens(ledger, HSA, "JHV-TILL-01", "D\x1b1", "Skäl\x1b[5m \u202eXX",
                      dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    with closing(sqlite3.connect(path)) as db:
        db.execute("UPDATE checks SET unit_name = ?", (NAME,))
        db.execute("UPDATE demands SET unit_name = ?", (NAME,))
        db.commit()
    (folder / "avsandare.yaml").write_text(
        "region: Region Jämtland Härjedalen\nbestallarenhet: Hälsovalsenheten\n"
        "handlaggare: Anna Andersson\ntelefon: 063-14 75 00\nepost: halsoval@regionjh.se\n"
        "svarsadress: |\n  Box 654\n  831 27 Östersund\n"
        f"enheter:\n  {HSA}: exempelbyn@example.se\n", encoding="utf-8")
    return path


def test_history_and_list_write_no_control_character_and_show_markup_as_text(old):
    out, err = ok("demands", "history", HSA, "--ledger", str(old))
    no_raw(out + err)
    assert "\\x1b" in out and "[red]röd[/]" in out, out
    out, err = ok("demands", "list", "--as-of", "2024-06-01", "--ledger", str(old))
    no_raw(out + err)
    assert "\\x1b[31m Exempelbyn" in out and "\\u202eNROn" in out, out
    out, err = ok("dispens", "list", "--as-of", "2024-06-01", "--ledger", str(old))
    no_raw(out + err)
    assert "Skäl\\x1b[5m \\u202eXX" in out, out


def test_the_register_as_xlsx_and_html_is_written_with_the_characters_visible(old, tmp_path):
    ok("demands", "list", "--all", "--as-of", "2024-06-01", "--format", "xlsx", "-o",
       str(tmp_path / "k.xlsx"), "--ledger", str(old))
    wb = openpyxl.load_workbook(tmp_path / "k.xlsx")
    cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if c.value is not None]
    assert any("Hälsocentralen\\x1b[31m Exempelbyn" in c for c in cells), cells[:40]
    ok("demands", "list", "--all", "--as-of", "2024-06-01", "--format", "html", "-o",
       str(tmp_path / "k.html"), "--ledger", str(old))
    page = (tmp_path / "k.html").read_text(encoding="utf-8")
    no_raw(page)
    assert "\\u202eNROn" in page


def test_a_letter_as_docx_and_its_email_draft_are_written_and_the_headers_cannot_be_split(
        old, tmp_path):
    from docx import Document

    target = tmp_path / "brev.docx"
    out, err = ok("demands", "letter", HSA, "--as-of", "2024-06-01", "--format", "docx", "-o",
                  str(target), "--eml", "--ledger", str(old))
    no_raw(out + err)
    text = "\n".join(p.text for p in Document(str(target)).paragraphs)
    assert "(dnr RS\\x0d" in text and "\\x1b[2J\\u202eX" in text, text[:2000]
    no_raw(text)
    raw = target.with_suffix(".eml").read_bytes()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Bcc"] is None and msg.get_all("Bcc") is None  # no header was injected
    subject = str(msg["Subject"])
    assert "\n" not in subject and "\r" not in subject and "Bcc: ond@example.se" in subject
    assert str(msg["To"]).endswith("<exempelbyn@example.se>")
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            no_raw(part.get_content().replace("\r\n", "\n"))  # SMTP's own line ends


def test_a_letter_as_markdown_and_html_shows_the_characters_visibly(old, tmp_path):
    for suffix in ("md", "html"):
        target = tmp_path / f"brev.{suffix}"
        ok("demands", "letter", HSA, "--as-of", "2024-06-01", "-o", str(target),
           "--ledger", str(old))
        text = target.read_text(encoding="utf-8")
        no_raw(text)
        assert "\\x1b" in text


def test_the_safe_console_writes_data_visibly_even_inside_a_table_and_on_a_terminal():
    from rich.table import Table
    from rich.text import Text

    from engine.report.console import SafeConsole

    buffer = io.StringIO()
    console = SafeConsole(file=buffer, width=120, force_terminal=True, color_system="standard",
                          highlight=False)
    console.print(NAME, markup=False)
    table = Table("Enhet")
    table.add_row(Text(NAME))
    table.add_row(NAME)
    console.print(table)
    console.print("[bold]fet[/bold] rubrik")  # the program's own markup still styles
    written = buffer.getvalue()
    data = written.replace("\x1b[1m", "").replace("\x1b[0m", "")  # rich's own bold
    assert "\x1b" not in data and "\u202e" not in data, repr(written)
    assert written.count("\\x1b[31m Exempelbyn") == 3, written
    assert "\x1b[1mfet" in written  # styled by rich, not escaped


def test_junit_stays_well_formed_when_a_finding_holds_a_control_character():
    import dataclasses

    from engine.evaluate.evaluation import check, load_submission
    from engine.model.library import load_library
    from engine.report import junit

    from engine.evaluate.findings import SHORTFALLS

    result = check(load_submission(str(EXAMPLE)), load_library(RULEBOOKS))
    i = next(i for i, f in enumerate(result.findings) if f.outcome in SHORTFALLS)
    result.findings[i] = dataclasses.replace(result.findings[i],
                                             title="värde\x1b[2J\x00 \u202eslut")
    for text in (junit.render_check([result]), junit.batch_unit(result)):
        root = ET.fromstring(text.split("\n", 1)[1] if text.startswith("<?xml") else text)
        assert root is not None
        assert "\\x1b[2J\\x00" in text and "\x1b" not in text and "\x00" not in text


def test_a_unit_name_with_rich_markup_is_shown_as_text_in_the_check_report(tmp_path):
    sub = variant(tmp_path, {"enhet.namn": "Hälsocentralen [red]Röd[/red] [bold]Fet"})
    run = run_cli("check", str(sub), "--rulebooks", str(RULEBOOKS), env=WIDE)
    assert run.returncode in (0, 1), run.stderr.decode()
    assert "Hälsocentralen [red]Röd[/red] [bold]Fet" in run.stdout.decode()


def test_an_error_message_quoting_a_path_with_a_control_character_shows_it_visibly(tmp_path):
    run = run_cli("check", str(tmp_path / "saknas\x1b[2J.yaml"))
    err = run.stderr.decode()
    assert run.returncode == 2 and "\x1b" not in err and "\\x1b[2J" in err, err


def test_json_output_escapes_c1_and_bidi_controls_and_keeps_the_values(old):
    import json

    def strings(node):
        if isinstance(node, dict):
            return [s for v in node.values() for s in strings(v)]
        if isinstance(node, list):
            return [s for v in node for s in strings(v)]
        return [node] if isinstance(node, str) else []

    for args, value in ((["demands", "history", HSA, "--format", "json"], DNR),
                        (["demands", "list", "--all", "--as-of", "2024-06-01", "--format", "json"],
                         NAME)):
        out, err = ok(*args, "--ledger", str(old))
        no_raw(out + err)
        assert "\\u202e" in out
        assert value in strings(json.loads(out))  # the same value, read back
