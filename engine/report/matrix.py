"""`--format csv` and `--format xlsx`: the units × rules matrix, for the region's Excel work.

CSV: one row per file (path order), columns file, unit, HSA-id, regi, verdict, the number of krav
that fall short, then one column per rule with the outcome in Swedish; a file that could not be
read is a row with its message. Semicolon-separated, UTF-8 with BOM, CRLF: what Swedish Excel
opens directly. With several rulebooks, each rulebook's units get their own header row.

XLSX (openpyxl): sheet "Matris" (the same, coloured, frozen headers and filters), "Regler" (per
rule: how many units pass, fail, …), "Indikatorer" (each unit's value per indicator, with the
level) and "Fel" (files that could not be read). The file is the same bytes for the same input:
fixed document dates and zip entry times.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import zipfile
from collections.abc import Iterator

from engine.evaluate.batch import RulebookOverview, Summary
from engine.evaluate.findings import OUTCOME_LABELS
from engine.read.text_rules import is_safe, xml_safe

VERDICT_LABELS = {"pass": "uppfyller alla krav", "fail": "krav uppfylls inte helt"}
FIXED_TIME = dt.datetime(2000, 1, 1)  # in place of "now": same input, same bytes
FILLS = {"pass": "C8E6C9", "fail": "FFCDD2", "partial": "FFE0B2", "missing": "E1BEE7",
         "observation": "C5CAE9", "not_applicable": "EEEEEE", "waived": "B3E5FC"}
BASE_COLUMNS = ["fil", "enhet", "hsa_id", "regi", "bedömning", "krav_ej_uppfyllda"]


def _rows(ov: RulebookOverview) -> Iterator[list]:
    for r in ov.rows:
        yield [r.path, r.unit, r.hsa_id, r.regi, VERDICT_LABELS[r.verdict], len(r.shortfalls),
               *[OUTCOME_LABELS[o] for o in r.outcomes]]


class _SafeCells:
    """A csv writer whose cells Excel never reads as a formula: a text that begins with
    = + - @ (a unit name such as "=HYPERLINK(…)") gets a leading apostrophe."""

    def __init__(self, writer):
        self._w = writer

    @staticmethod
    def _cell(value):
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
            return "'" + value
        return value

    def writerow(self, row):
        self._w.writerow([self._cell(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_text(summary: Summary) -> str:
    return "".join(csv_pieces(summary))


def csv_pieces(summary: Summary, rows_per_piece: int = 2000) -> Iterator[str]:
    """The CSV in pieces of a few thousand rows: a county's matrix is never one string."""
    buffer = io.StringIO()
    w = _SafeCells(csv.writer(buffer, delimiter=";", lineterminator="\r\n"))

    def taken() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff"
    overviews = summary.overviews()
    for k, ov in enumerate(overviews):
        if k:
            w.writerow([])
        w.writerow(BASE_COLUMNS + [s.rule.id for s in ov.rules])
        for i, row in enumerate(_rows(ov), 1):
            w.writerow(row)
            if i % rows_per_piece == 0:
                yield taken()
    if summary.errors:
        if not overviews:
            w.writerow(BASE_COLUMNS)
        for e in summary.errors:
            w.writerow([e.path, "", "", "", "kunde inte läsas", "", e.message])
    yield taken()


def xlsx_bytes(summary: Summary) -> bytes:
    """The workbook, written row by row (openpyxl's write-only mode: a county's cells are never
    held as objects; openpyxl keeps the rows in a temporary file until it saves)."""
    from copy import copy

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    wb.properties.creator = "kravkoll"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    bold = Font(bold=True)
    rotated = Alignment(text_rotation=90)
    fills = {o: PatternFill("solid", fgColor=c) for o, c in FILLS.items()}
    by_label = {OUTCOME_LABELS[o]: o for o in FILLS}
    overviews = summary.overviews()

    def cell(ws, value, **style):
        """A cell; a text that begins with '=' (a unit's name, a file name) is text, never a
        live formula."""
        c = WriteOnlyCell(ws, value=xml_safe(value))  # a control character from data: visible
        for name, v in style.items():
            setattr(c, name, v)
        if c.data_type == "f":
            c.data_type = "s"
        return c

    # One styled cell per outcome; each outcome cell gets a copy of its style (openpyxl would
    # otherwise look the fill up by hashing it, for every cell of a county: most of the time).
    styled = {}

    def filled(ws, label):
        if label not in styled:
            styled[label] = cell(ws, label, fill=fills[by_label[label]])._style
        c = WriteOnlyCell(ws, value=label)
        c._style = copy(styled[label])
        return c

    def plain(ws, values):
        return [cell(ws, v) if isinstance(v, str) and (v.startswith("=") or not is_safe(v)) else v
                for v in values]

    def header(ws, values):
        ws.append([cell(ws, v, font=bold) for v in values])

    ws = wb.create_sheet("Matris")
    ws.freeze_panes = "C2"
    if overviews:
        width = len(BASE_COLUMNS) + len(overviews[0].rules)
        ws.auto_filter.ref = f"A1:{get_column_letter(width)}{1 + len(overviews[0].rows)}"
    for col, w in zip("ABCDEF", (34, 30, 28, 12, 22, 8)):
        ws.column_dimensions[col].width = w
    base = len(BASE_COLUMNS)
    for ov in overviews:
        names = BASE_COLUMNS + [s.rule.id for s in ov.rules]
        ws.append([cell(ws, v, font=bold, **({"alignment": rotated} if i >= base else {}))
                   for i, v in enumerate(names)])
        for values in _rows(ov):
            ws.append(plain(ws, values[:base]) + [filled(ws, v) for v in values[base:]])
        ws.append([])
    for e in summary.errors:
        ws.append(plain(ws, [e.path, "", "", "", "kunde inte läsas", "", e.message]))

    rules = wb.create_sheet("Regler")
    rules.column_dimensions["G"].width = 60
    rules.column_dimensions["H"].width = 28
    header(rules, ["regelbok", "nr", "regel", "typ", "område", "fråga", "titel", "utfall",
                   "uppfyllt", "ej uppfyllt", "delvis uppfyllt", "uppgift saknas",
                   "ej tillämplig"])
    for ov in overviews:
        for s in ov.rules:
            rules.append(plain(rules, [
                ov.book.model.id, s.index, s.rule.id, s.rule.kind, s.rule.area,
                s.rule.question or "", s.rule.title, s.sentence(), s.counts["pass"],
                s.counts["fail"], s.counts["partial"], s.counts["missing"],
                s.counts["not_applicable"]]))

    ind = wb.create_sheet("Indikatorer")
    header(ind, ["regelbok", "regel", "titel", "nivå", "jämförelse", "fil", "enhet", "värde",
                 "utfall"])
    for ov in overviews:
        for i in ov.indicators:
            for path, unit, value, outcome in i.values:
                ind.append(plain(ind, [ov.book.model.id, i.rule.id, i.rule.title, i.level, i.op,
                                       path, unit, value, OUTCOME_LABELS[outcome]]))

    errors = wb.create_sheet("Fel")
    header(errors, ["fil", "typ", "meddelande"])
    for e in summary.errors:
        errors.append(plain(errors, [e.path, "indata" if e.kind == "input" else "internt fel",
                                     e.message]))
    raw = io.BytesIO()
    wb.save(raw)
    return _reproducible(raw.getvalue())


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _reproducible(data: bytes, when: dt.datetime = FIXED_TIME) -> bytes:
    """The same zip with every entry dated 1980-01-01, in the same order, and the document's
    modification time (which openpyxl sets to now when saving) fixed to `when`. Entries are
    copied in pieces: a county's sheets, unpacked, are hundreds of megabytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", src.read(info.filename))
                dst.writestr(fixed, content)
                continue
            with src.open(info) as piece_in, dst.open(fixed, "w") as piece_out:
                shutil.copyfileobj(piece_in, piece_out, 1 << 20)
    return out.getvalue()
