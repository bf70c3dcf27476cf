"""Spreadsheets people fill in: an Excel workbook (.xlsx/.xlsm) or a CSV export, read as plain
cell values with where each stands (sheet and cell, `Årsbokslut!C41`).

What the cells mean is the form's business (engine/model/form_cells.py); this module only reads
them, refusing what is no spreadsheet with the same Swedish messages as a bad YAML file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import InputError

from .yamlstrict import MAX_BYTES, Document, decode, shown_name

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
TABLE_SUFFIXES = WORKBOOK_SUFFIXES + (".csv",)
MAX_WORKBOOK_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 500


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]  # rows[i][j] is row i+1, column j+1; None for an empty cell


@dataclass
class Table:
    file: str
    sheets: list[Sheet]
    sha256: str = ""


def column_letter(col: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while col:
        col, rest = divmod(col - 1, 26)
        out = chr(65 + rest) + out
    return out


def cell_name(sheet: str, row: int, col: int) -> str:
    quoted = f"'{sheet}'" if not sheet.replace("_", "").isalnum() else sheet
    return f"{quoted}!{column_letter(col)}{row}"


@dataclass
class CellDocument(Document):
    """A submission read from cells: positions are (row, column) in `sheet`."""

    sheet: str = ""
    source_row: int | None = None  # the row of a survey export the unit came from

    def cell(self, path: tuple) -> str | None:
        """`Årsbokslut!C41`: the cell of the answer at path, or of its nearest given parent."""
        row, col = self.locate(path)
        return cell_name(self.sheet, row, col) if row and col else None


def read_table(path: str | Path) -> Table:
    """Every sheet of a workbook, or the one table of a CSV file."""
    import hashlib

    name = shown_name(path)
    p = Path(path)
    if not p.is_file():
        raise InputError.single(name, "filen finns inte")
    raw = p.read_bytes()
    suffix = p.suffix.lower()
    if suffix == ".csv":
        if len(raw) > MAX_BYTES:
            raise InputError.single(name, f"filen är för stor (högst {MAX_BYTES // 1024 // 1024} MB)")
        table = Table(name, [Sheet(p.stem, _csv_rows(decode(raw, name), name))])
    else:
        if len(raw) > MAX_WORKBOOK_BYTES:
            raise InputError.single(name, "arbetsboken är för stor (högst 20 MB)")
        table = Table(name, _workbook_sheets(raw, name))
    table.sha256 = hashlib.sha256(raw).hexdigest()
    return table


def _csv_rows(text: str, name: str) -> list[list[Any]]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
        dialect.delimiter = ";" if text.count(";") >= text.count(",") else ","
    rows = [[c if c.strip() else None for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    if len(rows) > MAX_ROWS:
        raise InputError.single(name, f"för många rader (högst {MAX_ROWS})")
    return rows


def _workbook_sheets(raw: bytes, name: str) -> list[Sheet]:
    import openpyxl

    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise InputError.single(name, "filen är ingen Excel-arbetsbok (.xlsx); spara den som "
                                "Excel-arbetsbok eller CSV")
    try:
        wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError.single(name, f"arbetsboken kan inte läsas ({type(exc).__name__})") from None
    sheets = []
    try:
        for ws in wb.worksheets:
            rows = []
            for row in ws.iter_rows(values_only=True):
                if len(rows) >= MAX_ROWS:
                    raise InputError.single(name, f"bladet {ws.title} har för många rader "
                                            f"(högst {MAX_ROWS})")
                rows.append([_plain(v) for v in row[:MAX_COLUMNS]])
            while rows and all(v is None for v in rows[-1]):
                rows.pop()
            sheets.append(Sheet(ws.title, rows))
    finally:
        wb.close()
    return sheets


def _plain(value: Any) -> Any:
    """Cell values as the YAML reader would give them: text stripped, dates as dates."""
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def document(file: str, data: dict, sheet: str, positions: dict, sha256: str,
             source_row: int | None = None) -> CellDocument:
    return CellDocument(file, data, positions, dict(positions), "", sha256, sheet=sheet,
                        source_row=source_row)

