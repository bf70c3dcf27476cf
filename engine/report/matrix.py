"""`--format csv` and `--format xlsx`: the units × rules matrix, for the region's Excel work.

CSV: one row per file (path order), columns file, unit, HSA-id, regi, verdict, the number of krav
that fall short, then one column per rule with the outcome in Swedish; a file that could not be
read is a row with its message. Semicolon-separated, UTF-8 with BOM, CRLF: what Swedish Excel
opens directly. With several rulebooks, each rulebook's units get their own header row.

XLSX (xlsx_stream.py): sheet "Matris" (the same, coloured, frozen headers and filters), "Regler" (per
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

from .xlsx_stream import BOLD, FIXED_TIME, ROTATED, Workbook

VERDICT_LABELS = {"pass": "uppfyller alla krav", "fail": "krav uppfylls inte helt"}
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
    """The workbook, written row by row as XML into the zip (xlsx_stream.py): a county's cells
    are never held as objects."""
    book = Workbook(FILLS)
    style_of = {OUTCOME_LABELS[o]: o for o in FILLS}  # each outcome cell coloured by its outcome
    overviews = summary.overviews()
    base = len(BASE_COLUMNS)

    def matrix_rows():
        for ov in overviews:
            names = BASE_COLUMNS + [s.rule.id for s in ov.rules]
            yield names, [BOLD] * base + [ROTATED] * (len(names) - base)
            for values in _rows(ov):
                yield values, [None] * base + [style_of[v] for v in values[base:]]
            yield [], None
        for e in summary.errors:
            yield [e.path, "", "", "", "kunde inte läsas", "", e.message], None

    width = base + len(overviews[0].rules) if overviews else None
    book.sheet("Matris", matrix_rows(),
               widths=dict(zip("ABCDEF", (34, 30, 28, 12, 22, 8))), freeze="C2",
               filter_rows=1 + len(overviews[0].rows) if overviews else None,
               filter_columns=width)

    def rule_rows():
        yield ["regelbok", "nr", "regel", "typ", "område", "fråga", "titel", "utfall",
               "uppfyllt", "ej uppfyllt", "delvis uppfyllt", "uppgift saknas",
               "ej tillämplig"], BOLD
        for ov in overviews:
            for s in ov.rules:
                yield [ov.book.model.id, s.index, s.rule.id, s.rule.kind, s.rule.area,
                       s.rule.question or "", s.rule.title, s.sentence(), s.counts["pass"],
                       s.counts["fail"], s.counts["partial"], s.counts["missing"],
                       s.counts["not_applicable"]], None

    book.sheet("Regler", rule_rows(), widths={"G": 60, "H": 28})

    def indicator_rows():
        yield ["regelbok", "regel", "titel", "nivå", "jämförelse", "fil", "enhet", "värde",
               "utfall"], BOLD
        for ov in overviews:
            for i in ov.indicators:
                for path, unit, value, outcome in i.values:
                    yield [ov.book.model.id, i.rule.id, i.rule.title, i.level, i.op, path, unit,
                           value, OUTCOME_LABELS[outcome]], None

    book.sheet("Indikatorer", indicator_rows())

    def error_rows():
        yield ["fil", "typ", "meddelande"], BOLD
        for e in summary.errors:
            yield [e.path, "indata" if e.kind == "input" else "internt fel", e.message], None

    book.sheet("Fel", error_rows())
    return book.bytes()


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
