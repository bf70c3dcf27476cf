"""The county workbook is written as XML text straight into the zip (engine/report/xlsx_stream.py):
what a user checks is that Excel's readers (openpyxl here) and LibreOffice Calc read the cells,
colours and layout the workbook means, and that the same input gives the same bytes."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile

import pytest
from openpyxl import load_workbook

from engine.report.xlsx_stream import BOLD, ROTATED, Workbook, column

from .support import run_cli

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
COUNTY = "submissions/jamtland/2023"


def _book() -> bytes:
    book = Workbook({"gron": "C8E6C9", "rod": "FFCDD2"})
    book.sheet("Matris", iter([
        (["namn", "antal", "andel", "R-1"], [BOLD, BOLD, BOLD, ROTATED]),
        (["=SUMMA(A1)", 3, 65.0, "uppfyllt"], [None, None, None, "gron"]),
        (["  indrag\noch rad", 12_345_678_901, 0.1, "ej uppfyllt"], [None, None, None, "rod"]),
        ([], None),
        (["styr\x1btecken", "", None, 84.5], None),
    ]), widths={"A": 34, "D": 8}, freeze="B2", filter_rows=3, filter_columns=4)
    book.sheet("O'Hara & co", iter([(["x"], BOLD)]))
    return book.bytes()


def test_cells_styles_and_layout_read_back_as_written():
    wb = load_workbook(io.BytesIO(_book()))
    assert wb.sheetnames == ["Matris", "O'Hara & co"]
    ws = wb["Matris"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("namn", "antal", "andel", "R-1")
    # a text beginning with "=" is text, never a formula; 65.0 reads as 65, as Excel shows it
    assert rows[1] == ("=SUMMA(A1)", 3, 65, "uppfyllt") and ws["A2"].data_type == "s"
    assert rows[2] == ("  indrag\noch rad", 12_345_678_901, 0.1, "ej uppfyllt")
    # an empty text is an empty cell; a control character is written visibly
    assert rows[4][0] == "styr\\x1btecken" and rows[4][1:3] == (None, None)
    assert rows[4][3] == 84.5
    assert all(c.font.b for c in ws[1]) and ws["D1"].alignment.text_rotation == 90
    assert not ws["A1"].alignment.text_rotation and not ws["A2"].font.b
    assert ws["D2"].fill.fgColor.rgb[-6:] == "C8E6C9" and ws["D3"].fill.fgColor.rgb[-6:] == "FFCDD2"
    assert ws["A2"].fill.fill_type is None
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref == "A1:D3"
    assert ws.column_dimensions["A"].width == 34 and ws.column_dimensions["D"].width == 8
    assert wb["O'Hara & co"]["A1"].value == "x"


def test_the_same_input_gives_the_same_bytes_with_fixed_dates():
    first, second = _book(), _book()
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"2000-01-01T00:00:00Z" in z.read("docProps/core.xml")


def test_a_value_a_cell_cannot_hold_is_refused():
    book = Workbook({})
    with pytest.raises(TypeError):
        book.sheet("S", iter([([object()], None)]))
    with pytest.raises(TypeError):
        Workbook({}).sheet("S", iter([([float("nan")], None)]))


def test_columns_are_lettered_as_in_excel():
    assert [column(n) for n in (1, 26, 27, 43, 702, 703)] == ["A", "Z", "AA", "AQ", "ZZ", "AAA"]


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) finns inte: "
                    "apt-get install libreoffice-calc-nogui")
def test_calc_reads_the_county_workbook_as_openpyxl_does(tmp_path):
    target = tmp_path / "lan.xlsx"
    assert run_cli("check", COUNTY, "--format", "xlsx", "-o", str(target)).returncode == 1
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
                    "--calc", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir",
                    str(tmp_path / "calc"), str(target)], check=True, capture_output=True,
                   timeout=240)
    ours, calcs = load_workbook(target), load_workbook(tmp_path / "calc" / "lan.xlsx")
    assert calcs.sheetnames == ours.sheetnames == ["Matris", "Regler", "Indikatorer", "Fel"]
    for name in ours.sheetnames:
        # Calc drops trailing empty rows; every row it keeps holds the same values
        theirs = [r for r in calcs[name].iter_rows(values_only=True) if any(v is not None for v in r)]
        mine = [r for r in ours[name].iter_rows(values_only=True) if any(v is not None for v in r)]
        assert theirs == mine, name
    matris = calcs["Matris"]  # (a headless Calc keeps no view settings: no frozen panes)
    assert matris.auto_filter.ref == ours["Matris"].auto_filter.ref
    assert matris["G2"].fill.fill_type == "solid"
    assert matris["G1"].alignment.text_rotation == 90 and matris["A1"].font.b


def test_xml_escapes_are_the_standard_librarys():
    """The writer escapes text and attributes itself (not through xml.sax.saxutils, whose
    import costs a check's start): the same bytes for every kind of text."""
    from xml.sax.saxutils import escape, quoteattr

    from engine.report import xlsx_stream

    for text in ["Åre & Östersund <2023>", 'blad "ett"', "blad \"ett\" och 'två'", "it's",
                 "rad\nny\rtab\t", ""]:
        assert xlsx_stream.escape(text) == escape(text)
        assert xlsx_stream.quoteattr(text) == quoteattr(text)
