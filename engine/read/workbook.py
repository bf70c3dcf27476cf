"""Spreadsheets people fill in: an Excel workbook (.xlsx/.xlsm, read by xlsx.py as Excel shows
it) or a CSV export (separated by ; , or tab), read as plain cell values with where each stands
(sheet and cell, `Årsbokslut!C41`), and which rows, columns and sheets are hidden.

What the cells mean is the form's business (engine/model/form_cells.py); this module only reads
them, refusing what is no spreadsheet with the same Swedish messages as a bad YAML file. The one
entry point for a file is `read_table(path)`, for bytes (an upload) `read_bytes(raw, name)`.
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

from . import xlsx
from .suffixes import CSV_SUFFIXES, REFUSED_SUFFIXES
from .xlsx import column_letter  # noqa: F401  (workbook.column_letter for its callers)
from .yamlstrict import MAX_BYTES, Document, decode, shown_name

MAX_WORKBOOK_BYTES = 20 * 1024 * 1024
MAX_ROWS = xlsx.MAX_ROWS
MAX_COLUMNS = xlsx.MAX_COLUMNS
MAX_CSV_FIELD = 131_072  # characters in one CSV field (the csv module's own limit)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003, or an encrypted .xlsx

Formula = xlsx.Formula


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]  # rows[i][j] is row i+1, column j+1; None for an empty cell
    hidden_rows: frozenset[int] = frozenset()  # 1-based row numbers hidden in Excel
    hidden_cols: frozenset[int] = frozenset()  # 1-based column numbers hidden in Excel
    state: str = "visible"  # "hidden" and "veryHidden" sheets are listed, never read

    @property
    def visible(self) -> bool:
        return self.state == "visible"


@dataclass
class Table:
    file: str
    sheets: list[Sheet]
    sha256: str = ""
    workbook: bool = False  # an Excel workbook (else a CSV file)

    @property
    def visible(self) -> list[Sheet]:
        return [s for s in self.sheets if s.visible]


def _quoted(sheet: str) -> str:
    return f"'{sheet}'" if not sheet.replace("_", "").isalnum() else sheet


def cell_name(sheet: str, row: int, col: int) -> str:
    return f"{_quoted(sheet)}!{column_letter(col)}{row}"


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
    """Every sheet of a workbook (hidden ones listed without their cells), or the one table of a
    CSV file. Every problem, at any point of reading, is an InputError naming the file."""
    name = shown_name(path)
    p = Path(path)
    if not p.is_file():
        raise InputError.single(name, "filen finns inte")
    with p.open("rb") as fh:  # never more than the largest file read, whatever the file is
        raw = fh.read(max(MAX_BYTES, MAX_WORKBOOK_BYTES) + 1)
    return read_bytes(raw, name, p.suffix.lower(), p.stem)


def read_bytes(raw: bytes, name: str, suffix: str | None = None, stem: str | None = None) -> Table:
    """The same from the file's bytes (an upload): `name` is shown in messages; its suffix
    says CSV or workbook unless `suffix` is given."""
    import hashlib

    if suffix is None:
        suffix = Path(name).suffix.lower()
    if stem is None:
        stem = Path(name).stem
    if suffix in REFUSED_SUFFIXES:
        raise InputError.single(name, REFUSED_SUFFIXES[suffix])
    if suffix in CSV_SUFFIXES:
        if len(raw) > MAX_BYTES:
            raise InputError.single(name, f"filen är för stor (högst {MAX_BYTES // 1024 // 1024} MB)")
        table = Table(name, [Sheet(stem, _csv_rows(decode(raw, name), name))])
    else:
        if len(raw) > MAX_WORKBOOK_BYTES:
            raise InputError.single(name, "arbetsboken är för stor (högst 20 MB)")
        table = Table(name, _workbook_sheets(raw, name), workbook=True)
    table.sha256 = hashlib.sha256(raw).hexdigest()
    return table


def _delimiter(text: str) -> str:
    """The delimiter of the header line: the most frequent of ; , and tab outside quotes (a
    Swedish Excel writes ;, a survey tool often a tab)."""
    counts = {";": 0, ",": 0, "\t": 0}
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif ch == "\n" and not quoted:
            break
        elif ch in counts and not quoted:
            counts[ch] += 1
    best = max(counts.values())
    if best == 0:
        return ","
    return next(d for d in ("\t", ";", ",") if counts[d] == best)


def _csv_rows(text: str, name: str) -> list[list[Any]]:
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text), quotechar='"',
                        doublequote=True, strict=False)
    rows: list[list[Any]] = []
    try:
        with _field_limit(MAX_CSV_FIELD):
            for row in reader:
                if len(rows) >= MAX_ROWS:
                    raise InputError.single(name, f"för många rader (högst {MAX_ROWS})",
                                            line=reader.line_num)
                if len(row) > MAX_COLUMNS:
                    raise InputError.single(name, f"raden har {len(row)} kolumner (högst "
                                            f"{MAX_COLUMNS})", line=reader.line_num)
                rows.append([c.strip() or None for c in row])
    except csv.Error as exc:
        where = reader.line_num or 1
        if "field limit" in str(exc):
            raise InputError.single(name, f"ett fält är längre än {MAX_CSV_FIELD} tecken",
                                    line=where) from None
        raise InputError.single(name, "raden kan inte läsas som CSV", line=where) from None
    return rows


class _field_limit:
    """csv's field size limit, set for one read and put back (it is process-wide)."""

    def __init__(self, limit: int):
        self.limit = limit

    def __enter__(self):
        self.old = csv.field_size_limit(self.limit)

    def __exit__(self, *exc):
        csv.field_size_limit(self.old)


def _workbook_sheets(raw: bytes, name: str) -> list[Sheet]:
    if raw.startswith(OLE_MAGIC):
        raise InputError.single(name, "arbetsboken är lösenordsskyddad eller i formatet Excel "
                                "97–2003: spara den som Excel-arbetsbok (.xlsx) utan lösenord")
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise InputError.single(name, "filen är ingen Excel-arbetsbok (.xlsx); spara den som "
                                "Excel-arbetsbok eller CSV")
    try:
        # hidden and very hidden sheets are listed, never read
        book = xlsx.read(raw, only=lambda _name, state: state == "visible")
    except xlsx.XlsxError as exc:
        raise _located(name, exc) from None
    except RecursionError:
        raise InputError.single(name, "arbetsboken är skadad (för djupt nästlad XML)") from None
    return [Sheet(s.name, _rows(s.cells), frozenset(s.hidden_rows), frozenset(s.hidden_cols),
                  s.state) for s in book.sheets]


def _located(name: str, exc: "xlsx.XlsxError") -> InputError:
    from engine.errors import Problem

    if exc.sheet is not None and exc.cell is not None:
        return InputError(name, [Problem(exc.message, "", None, None,
                                         f"{_quoted(exc.sheet)}!{exc.cell}")])
    if exc.sheet is not None:
        return InputError.single(name, f"bladet {exc.sheet}: {exc.message}")
    return InputError.single(name, exc.message)


def _rows(cells: dict) -> list[list[Any]]:
    """The cells as rows of plain values (None where empty), up to the last filled row."""
    rows: list[list[Any]] = []
    for (r, c), value in sorted(cells.items()):
        value = _plain(value)
        if value is None:
            continue
        while len(rows) < r:
            rows.append([])
        row = rows[r - 1]
        while len(row) < c:
            row.append(None)
        row[c - 1] = value
    return rows


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

