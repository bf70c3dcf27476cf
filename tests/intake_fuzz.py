"""The property and fuzz campaign over workbooks and CSV exports (issue 19), shared by the short
slice in tests/test_intake_fuzz.py and the long run in benchmarks/fuzz_intake.py.

Every generated file is checked with `kravkoll check` in this process and must end in exit 0,
1 or 2 with no traceback and no internal error. Where the file is a valid answer, the value
read must be what the visible cell shows (a percent cell 0.845 in 0.0 % is 84.5, `84,5 %` is
84.5, a date cell is its day); where it must be refused (a formula, a field given twice, an
Excel day number in a date answer, a repeated unit), the refusal must say so.
"""

from __future__ import annotations

import collections
import datetime as dt
import io
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field

from hypothesis import strategies as st

from .intake_builders import (FORM, ROOT, SHEET, edit, export_table, export_workbook,
                              filled_template, key_rows, units, zip_edit)

RULEBOOKS = str(ROOT / "rulebooks")
PERCENT_KEYS = ("kvalitet.tillganglighet_0an_procent", "kvalitet.tillganglighet_3an_procent",
                "kvalitet.di03l1_procent", "kvalitet.dep04_procent", "kvalitet.an04_procent",
                "kvalitet.kol02a_procent", "kvalitet.ald02_procent")
FORMATS = {0: "0%", 1: "0.0%", 2: "0.00%"}


@dataclass
class Tally:
    files: int = 0
    codes: collections.Counter = field(default_factory=collections.Counter)
    slowest: float = 0.0

    def line(self, name: str, seconds: float) -> str:
        codes = ", ".join(f"slutkod {c}: {n}" for c, n in sorted(self.codes.items()))
        return (f"{name}: {self.files} filer på {seconds:.1f} s ({codes}); långsammaste "
                f"{self.slowest * 1000:.0f} ms; inga tracebacks, inga andra slutkoder")


_cache: dict = {}


def _base(name: str, make):
    if name not in _cache:
        _cache[name] = make()
    return _cache[name]


def run_check(data: bytes, suffix: str, tally: Tally, *args: str) -> tuple[int, str, str]:
    """`kravkoll check FILE [args] --format json` in this process: exit code, stdout, stderr."""
    from engine.cli.main import main

    fd, path = tempfile.mkstemp(suffix=suffix)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    start = time.perf_counter()
    try:
        code = main(["check", path, *args, "--rulebooks", RULEBOOKS, "--format", "json"])
    finally:
        sys.stdout, sys.stderr = old
        os.unlink(path)
    tally.slowest = max(tally.slowest, time.perf_counter() - start)
    tally.files += 1
    tally.codes[code] += 1
    out.flush()
    err.flush()
    stdout = out.buffer.getvalue().decode("utf-8", "replace")
    stderr = err.buffer.getvalue().decode("utf-8", "replace")
    assert code in (0, 1, 2), f"exit {code}: {stderr[-2000:]}"
    assert "Traceback" not in stderr and "internt fel" not in stderr, stderr[-2000:]
    assert not re.search(r"\((\w+Error|\w+Exception)\)|fick (date|datetime|NoneType)\b",
                         stderr), stderr[-2000:]
    return code, stdout, stderr


# --- one answer of a template, as a person can type it ----------------------------------------

@dataclass(frozen=True)
class Answer:
    key: str
    value: object  # what goes in the cell
    fmt: str | None  # its number format
    shown: object  # what Excel shows, as kravkoll must read it; "refuse:<words>" if refused


def _percent_cell(key):
    def make(args):
        decimals, number = args
        shown = float(f"{number / 10 ** decimals:.{decimals}f}")
        shown = int(shown) if shown.is_integer() else shown
        return Answer(key, shown / 100, FORMATS[decimals], shown)
    return st.tuples(st.sampled_from([0, 1, 2]), st.integers(0, 100)).flatmap(
        lambda a: st.tuples(st.just(a[0]), st.integers(0, 100 * 10 ** a[0]))).map(make)


def _percent_text(key):
    def make(args):
        whole, tenth, space, comma = args
        text = f"{whole}{(',' if comma else '.') + str(tenth) if tenth else ''}{' ' if space else ''}%"
        shown = float(f"{whole}.{tenth}") if tenth else whole
        return Answer(key, text, "@", shown)
    return st.tuples(st.integers(0, 99), st.integers(0, 9), st.booleans(),
                     st.booleans()).map(make)


def _plain_number(key):
    return st.one_of(st.integers(0, 100).map(lambda n: Answer(key, n, None, n)),
                     st.integers(0, 999).map(lambda n: Answer(key, n / 10, "0.0",
                                                              int(n / 10) if n % 10 == 0 else n / 10)))


def _formula(key):
    return st.sampled_from(["=80+4", "=SUM(1,2)", "=A1"]).map(
        lambda f: Answer(key, f, None, "refuse:formel i"))


answer = st.sampled_from(PERCENT_KEYS).flatmap(
    lambda k: st.one_of(_percent_cell(k), _percent_text(k), _plain_number(k), _formula(k)))

day = st.dates(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
date_answer = st.one_of(
    day.map(lambda d: Answer("inlamnad", dt.datetime(d.year, d.month, d.day), "yyyy-mm-dd", d)),
    day.map(lambda d: Answer("inlamnad", d.isoformat(), "@", d)),
    day.map(lambda d: Answer("inlamnad", (d - dt.date(1899, 12, 30)).days, "General",
                             "refuse:ser ut som ett Excel-datumnummer")),
)

structure = st.sampled_from(["none", "dimension", "hidden_sheet_first", "hide_row",
                             "hidden_duplicate", "visible_duplicate"])

DAMAGE = ("truncate", "flip", "entity", "doctype", "duplicate_cell", "bad_ref", "big_row",
          "drop_part", "garble_part", "zip_bytes")
damage = st.one_of(st.none(), st.tuples(st.sampled_from(DAMAGE), st.integers(0, 10 ** 9)))


def _apply_answers(raw: bytes, answers: list[Answer], layout: str, hidden_key: str) -> bytes:
    def change(wb):
        ws = wb.worksheets[0]
        rows = key_rows(ws)
        for a in answers:
            cell = ws.cell(rows[a.key], 3)
            cell.value = a.value
            cell.number_format = a.fmt or "General"
        if layout == "hide_row":
            ws.row_dimensions[rows[hidden_key]].hidden = True
        elif layout in ("hidden_duplicate", "visible_duplicate"):
            last = ws.max_row + 1
            ws.cell(last, 3, 100)
            ws.cell(last, 6, hidden_key)
            ws.row_dimensions[last].hidden = layout == "hidden_duplicate"
        elif layout == "hidden_sheet_first":
            fake = wb.create_sheet("Årsbokslut dold", 0)
            fake.append(["Nr", "Fråga", "Svar", "Enhet", "Hjälp", "Fält"])
            fake.append([None, None, FORM, None, None, "formular"])
            for a in answers + [Answer(hidden_key, 0, None, 0)]:
                fake.append([None, None, 99, None, None, a.key])
            fake.sheet_state = "veryHidden"
            wb.active = 1
    return edit(raw, change)


def _damage(raw: bytes, how: str, seed: int) -> bytes:
    if how in ("drop_part", "garble_part"):
        import zipfile

        src = zipfile.ZipFile(io.BytesIO(raw))
        names = src.namelist()
        victim = names[seed % len(names)]
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for name in names:
                if name == victim and how == "drop_part":
                    continue
                data = src.read(name)
                if name == victim:
                    data = bytes((seed >> (i % 24)) & 0xFF ^ i & 0xFF for i in range(seed % 700))
                dst.writestr(name, data)
        return out.getvalue()
    if how == "zip_bytes":
        data = bytearray(raw)
        for k in range(1 + seed % 4):
            at = (seed * (k + 7919)) % len(data)
            data[at] ^= 1 + (seed >> 3) % 255
        return bytes(data)

    def change(xml: bytes) -> bytes:
        at = seed % max(len(xml), 1)
        if how == "truncate":
            return xml[:at]
        if how == "flip":
            return xml[:at] + bytes([(xml[at] ^ (1 + seed % 255)) if at < len(xml) else 0]) + xml[at + 1:]
        if how == "entity":
            return xml.replace(b"<sheetData>", b"<sheetData>&x" + str(seed % 99).encode() + b";", 1)
        if how == "doctype":
            return (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "' + b"A" * (seed % 50)
                    + b'"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                    + xml.split(b"?>", 1)[-1].replace(b"<sheetData>", b"<sheetData>&b;", 1))
        if how == "duplicate_cell":
            m = re.search(rb"<c r=\"C(\d+)\"[^>]*>.*?</c>", xml)
            return xml.replace(m.group(0), m.group(0) * 2, 1) if m else xml
        if how == "bad_ref":
            return re.sub(rb'<c r="C(\d+)"', lambda m: b'<c r="' + str(seed % 10 ** 8).encode()
                          + b'"', xml, count=1)
        if how == "big_row":
            return xml.replace(b"</sheetData>", b'<row r="' + str(seed % 10 ** 7).encode()
                               + b'"><c t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
        raise AssertionError(how)
    return zip_edit(raw, SHEET, change)


def template_property(answers: list[Answer], date: Answer, layout: str, hidden_key: str,
                      dmg, tally: Tally, excel_saved: bool = False) -> None:
    """A template filled with the given answers (and layout, and damage) is read as shown."""
    from engine.errors import InputError
    from engine.evaluate.evaluation import load_submission

    seen = {a.key for a in answers}
    answers = [a for a in answers if a.key != hidden_key] + [date]
    raw = _apply_answers(_base("template", filled_template), answers, layout, hidden_key)
    if layout == "dimension":
        from .intake_builders import set_dimension

        raw = set_dimension(raw, "A1:C3")
    if excel_saved:  # texts in the shared strings part, as Excel writes them
        from .intake_builders import excel_style

        raw = excel_style(raw)
    if dmg is not None:
        raw = _damage(raw, *dmg)
    code, _out, err = run_check(raw, ".xlsx", tally)
    if dmg is not None:
        return  # damaged: exit 0, 1 or 2 without a traceback is all that can be said
    refusals = [a.shown[len("refuse:"):] for a in answers
                if isinstance(a.shown, str) and a.shown.startswith("refuse:")]
    if layout in ("hidden_duplicate", "visible_duplicate"):
        refusals.append("anges två gånger")
    if refusals:
        assert code == 2, (answers, layout, err)
        for words in refusals:
            assert words in err, (words, err)
        return
    assert code in (0, 1), (answers, layout, err)
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    with os.fdopen(fd, "wb") as fh:
        fh.write(raw)
    try:
        sub = load_submission(path)
    except InputError as exc:  # pragma: no cover - check said it was readable
        raise AssertionError(str(exc)) from None
    finally:
        os.unlink(path)
    for a in answers:
        got = _get(sub.model, a.key)
        assert got == a.shown and type(got) is not bool, (a, got)
    if layout == "hide_row":
        assert _get(sub.model, hidden_key) is None, "a hidden row was read"
    del seen


def _get(model, key: str):
    for part in key.split("."):
        model = getattr(model, part)
    return model


# --- survey exports ---------------------------------------------------------------------------

export_layout = st.sampled_from(["plain", "hide_row", "repeat_row", "hidden_sheet_first",
                                 "dimension", "percent_column"])
export_kind = st.sampled_from(["xlsx", "csv;", "csv,", "csv\t", "csv-bom-crlf"])
csv_noise = st.one_of(st.none(), st.tuples(st.integers(0, 10 ** 9),
                                           st.text(max_size=40)))


def _export_base():
    keys, rows = export_table(units(3))
    return keys, rows


def _csv_bytes(keys, rows, delimiter: str, bom: bool = False, crlf: bool = False) -> bytes:
    import csv

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
    w.writerow(keys)
    for r in rows:
        w.writerow(["" if v is None else str(v).replace(".", ",") if isinstance(v, float) else v
                    for v in r])
    return (b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8")


def export_property(kind: str, layout: str, noise, tally: Tally) -> None:
    import json

    keys, rows = _base("export", _export_base)
    rows = [list(r) for r in rows]
    want = len(rows)
    col = keys.index(PERCENT_KEYS[0])
    if layout == "repeat_row":
        rows.append(list(rows[0]))
    if kind == "xlsx":
        def change(wb):
            ws = wb.active
            if layout == "hide_row":
                ws.row_dimensions[3].hidden = True
            elif layout == "percent_column":
                for r in range(2, ws.max_row + 1):
                    cell = ws.cell(r, col + 1)
                    if isinstance(cell.value, (int, float)):
                        cell.value = cell.value / 100
                        cell.number_format = "0.0%"
            elif layout == "hidden_sheet_first":
                fake = wb.create_sheet("Dold", 0)
                fake.append(keys)
                fake.sheet_state = "hidden"
                wb.active = 1
        raw = export_workbook(keys, rows, change)
        if layout == "dimension":
            from .intake_builders import set_dimension

            raw = set_dimension(raw, "A1:B2")
        suffix = ".xlsx"
        if layout == "hide_row":
            want -= 1
    else:
        delimiter = kind[3:] if kind != "csv-bom-crlf" else ";"
        raw = _csv_bytes(keys, rows, delimiter, kind == "csv-bom-crlf", kind == "csv-bom-crlf")
        suffix = ".csv"
    if noise is not None:
        at, text = noise
        if kind == "xlsx":
            raw = _damage(raw, DAMAGE[at % len(DAMAGE)], at)
        else:
            at %= len(raw) + 1
            raw = raw[:at] + text.encode("utf-8") + raw[at:]
    code, out, err = run_check(raw, suffix, tally, "--form", FORM)
    if noise is not None:
        return
    if layout == "repeat_row":
        assert code == 2 and "finns på två rader" in err, err
        return
    assert code in (0, 1), err
    report = json.loads(out)
    checked = [u for u in report["results"] if u.get("findings")]
    assert len(checked) == want, (layout, kind, len(checked), err)


def templates_strategy():
    return st.tuples(st.lists(answer, min_size=1, max_size=3, unique_by=lambda a: a.key),
                     date_answer, structure, st.sampled_from(PERCENT_KEYS), damage)


def templates_strategy_saved():
    """The same, each also saved the way Excel saves it (shared strings) or not."""
    return st.tuples(templates_strategy(), st.booleans())
