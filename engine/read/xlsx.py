"""An Excel workbook (.xlsx/.xlsm) read the way a person sees it in Excel, and nothing more.

Read straight from the zip with the standard library's expat parser instead of openpyxl's
read-only mode, because that mode trusts the sheet's stated size (`<dimension ref=…>`, rows
outside it are dropped), gives no hidden rows or columns, and uses a formula's stored value
(which anyone can forge). Here:

- every row and cell of a worksheet's XML is read, whatever its dimension says;
- each sheet comes with its state (visible, hidden, very hidden), its hidden rows and columns;
- a cell keeps what Excel shows: a percent-formatted 0.84 is 84, a date-formatted number is a
  date, a formula is a `Formula` (refused where an answer is read), numbers at Excel's 15
  significant digits;
- a DOCTYPE (entity declarations, the entity-expansion bomb), an undefined entity or truncated
  XML is damage, refused with the part and sheet named;
- the zip is bounded before anything is inflated (each member's and the total stated size) and
  while inflating (the stated size can lie): a small file that inflates to gigabytes is refused
  at once, as are sheets with more rows, columns or cells than any form needs.

Every problem is an `XlsxError` with a Swedish message; workbook.py adds the file name.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable
from xml.parsers import expat

from .columns import column_letter, column_number  # noqa: F401 - also the reader's names

MAX_MEMBER_BYTES = 100 * 1024 * 1024  # inflated size of one part of the zip
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # inflated size of all its parts together
MAX_ROWS = 20_000
MAX_COLUMNS = 500
MAX_CELLS = 2_000_000
MAX_TEXT = 32_767  # the most characters an Excel cell holds
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384  # the largest sheet Excel has
CHUNK = 64 * 1024

REL_WORKSHEET = "/worksheet"
REL_STYLES = "/styles"
REL_STRINGS = "/sharedStrings"
REL_OFFICE = "/officeDocument"


class XlsxError(Exception):
    """Why the workbook cannot be read (Swedish), and where: the sheet, if one."""

    def __init__(self, message: str, sheet: str | None = None, cell: str | None = None):
        super().__init__(message)
        self.message, self.sheet, self.cell = message, sheet, cell


@dataclass(frozen=True)
class Formula:
    """A formula cell: its stored value is never read (it can be anything the file says)."""

    text: str = ""

    def __str__(self) -> str:  # never shown as an answer; named in the refusal
        return f"={self.text}"


@dataclass
class RawSheet:
    name: str
    state: str  # "visible", "hidden" or "veryHidden"
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)  # (row, col), 1-based
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)

    @property
    def visible(self) -> bool:
        return self.state == "visible"


@dataclass
class RawWorkbook:
    sheets: list[RawSheet]


# --- the zip ----------------------------------------------------------------------------------

class _Zip:
    """The zip's parts, each inflated under the caps, with the members it has looked at."""

    def __init__(self, raw: bytes):
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(raw))
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError,
                NotImplementedError):
            raise XlsxError("arbetsboken är skadad (zip-arkivet kan inte läsas)") from None
        total = 0
        for info in infos:
            if info.file_size > MAX_MEMBER_BYTES:
                raise XlsxError(f"arbetsboken packas upp till för mycket: delen {_part(info)} är "
                                f"{info.file_size // (1024 * 1024)} MB (högst "
                                f"{MAX_MEMBER_BYTES // (1024 * 1024)} MB per del)")
            total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise XlsxError(f"arbetsboken packas upp till för mycket: {total // (1024 * 1024)} MB "
                            f"(högst {MAX_TOTAL_BYTES // (1024 * 1024)} MB)")
        self.names = {info.filename: info for info in infos}
        self.folded = {name.lower(): name for name in self.names}
        self.inflated = 0

    def find(self, name: str) -> str | None:
        name = name.lstrip("/")
        if name in self.names:
            return name
        return self.folded.get(name.lower())

    def parse(self, name: str, handler: "_Handler", sheet: str | None = None) -> None:
        """Feed one part through expat, refusing DOCTYPEs and stopping at the caps."""
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

        def doctype(*_):
            raise XlsxError(f"delen {name} har en DOCTYPE (entitetsdeklarationer godtas inte i "
                            "en arbetsbok)", sheet)

        parser.StartDoctypeDeclHandler = doctype
        parser.EntityDeclHandler = doctype
        parser.StartElementHandler = handler.start
        parser.EndElementHandler = handler.end
        parser.CharacterDataHandler = handler.data
        inflated = 0
        try:
            with self.zf.open(self.names[name]) as fh:
                while True:
                    chunk = fh.read(CHUNK)
                    if not chunk:
                        break
                    inflated += len(chunk)
                    self.inflated += len(chunk)
                    if inflated > MAX_MEMBER_BYTES or self.inflated > MAX_TOTAL_BYTES:
                        raise XlsxError("arbetsboken packas upp till mer än den säger: delen "
                                        f"{name} är större än {MAX_MEMBER_BYTES // (1024 * 1024)} "
                                        "MB", sheet)
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except expat.ExpatError as exc:
            what = expat.ErrorString(exc.code)
            raise XlsxError(f"delen {name} är skadad XML ({_expat_sv(what)}, rad {exc.lineno})",
                            sheet) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
                RuntimeError, ValueError) as exc:
            if isinstance(exc, XlsxError):
                raise
            raise XlsxError(f"delen {name} kan inte packas upp (arkivet är skadat eller "
                            "krypterat)", sheet) from None
        except RecursionError:
            raise XlsxError(f"delen {name} är för djupt nästlad", sheet) from None


def _part(info: zipfile.ZipInfo) -> str:
    return info.filename if len(info.filename) <= 80 else info.filename[:77] + "…"


_EXPAT_SV = {
    "undefined entity": "okänd entitet",
    "unclosed token": "ofullständig",
    "no element found": "tom eller avbruten",
    "mismatched tag": "taggar som inte passar ihop",
    "not well-formed (invalid token)": "felaktigt tecken",
    "syntax error": "syntaxfel",
    "junk after document element": "skräp efter dokumentet",
    "limit on input amplification factor (from DTD and entities) breached":
        "entiteter som växer för mycket",
}


def _expat_sv(text: str) -> str:
    return _EXPAT_SV.get(text, "felaktig XML")


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1] if ":" in name else name


def _attr(attrs: dict, key: str) -> str | None:
    if key in attrs:
        return attrs[key]
    for k, v in attrs.items():
        if _local(k) == key:
            return v
    return None


class _Handler:
    def start(self, name: str, attrs: dict) -> None:
        pass

    def end(self, name: str) -> None:
        pass

    def data(self, text: str) -> None:
        pass


class _Rels(_Handler):
    def __init__(self):
        self.rels: dict[str, tuple[str, str]] = {}  # id -> (type, target)

    def start(self, name, attrs):
        if _local(name) == "Relationship":
            rid, target = _attr(attrs, "Id"), _attr(attrs, "Target")
            if rid and target:
                self.rels[rid] = (_attr(attrs, "Type") or "", target)


class _Book(_Handler):
    def __init__(self):
        self.sheets: list[tuple[str, str, str]] = []  # name, state, relationship id
        self.date1904 = False

    def start(self, name, attrs):
        tag = _local(name)
        if tag == "sheet":
            self.sheets.append((_attr(attrs, "name") or "", _attr(attrs, "state") or "visible",
                                _attr(attrs, "id") or ""))
        elif tag == "workbookPr":
            self.date1904 = (_attr(attrs, "date1904") or "").lower() in ("1", "true")


class _Strings(_Handler):
    """The shared strings: each <si>'s text, its phonetic runs (<rPh>) left out."""

    def __init__(self):
        self.items: list[str] = []
        self._parts: list[str] = []
        self._in_t = False
        self._phonetic = 0

    def start(self, name, attrs):
        tag = _local(name)
        if tag == "si":
            self._parts = []
        elif tag == "t" and not self._phonetic:
            self._in_t = True
        elif tag == "rPh":
            self._phonetic += 1

    def end(self, name):
        tag = _local(name)
        if tag == "si":
            text = "".join(self._parts)
            if len(text) > MAX_TEXT:
                raise XlsxError(f"en text i arbetsboken har {len(text)} tecken (en cell rymmer "
                                f"högst {MAX_TEXT})")
            self.items.append(text)
        elif tag == "t":
            self._in_t = False
        elif tag == "rPh":
            self._phonetic -= 1

    def data(self, text):
        if self._in_t:
            self._parts.append(text)


class _Styles(_Handler):
    """Each cell style's number format code (cellXfs, in order)."""

    def __init__(self):
        self.custom: dict[int, str] = {}
        self.xf_formats: list[int] = []
        self._in_xfs = False

    def start(self, name, attrs):
        tag = _local(name)
        if tag == "numFmt":
            try:
                self.custom[int(_attr(attrs, "numFmtId") or "")] = _attr(attrs, "formatCode") or ""
            except ValueError:
                pass
        elif tag == "cellXfs":
            self._in_xfs = True
        elif tag == "xf" and self._in_xfs:
            try:
                self.xf_formats.append(int(_attr(attrs, "numFmtId") or "0"))
            except ValueError:
                self.xf_formats.append(0)

    def end(self, name):
        if _local(name) == "cellXfs":
            self._in_xfs = False

    def code(self, style: int) -> tuple[int, str]:
        from openpyxl.styles.numbers import BUILTIN_FORMATS

        fmt_id = self.xf_formats[style] if 0 <= style < len(self.xf_formats) else 0
        return fmt_id, self.custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id, "General"))


_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


class _SheetReader(_Handler):
    """One worksheet's cells, hidden rows and hidden columns; the dimension is ignored."""

    def __init__(self, sheet: RawSheet, value: Callable):
        self.sheet = sheet
        self.value = value  # (type, text, style, formula, ref) -> the cell's value
        self.row = 0
        self.col = 0
        self._cell: dict | None = None
        self._text: list[str] | None = None
        self._in_is = False
        self._phonetic = 0
        self._parts: list[str] = []
        self._formula: list[str] | None = None
        self._formula_text = ""
        self._has_formula = False

    def start(self, name, attrs):
        tag = _local(name)
        if tag == "c":
            ref = _attr(attrs, "r")
            if ref:
                m = _REF.fullmatch(ref.upper())
                if not m:
                    raise XlsxError(f"cellen har en ogiltig adress '{ref[:20]}'", self.sheet.name)
                self.col = column_number(m.group(1))
                row = int(m.group(2))
                if row != self.row:
                    self._new_row(row)
            else:
                self.col += 1
            if self.col > EXCEL_COLUMNS:
                raise XlsxError(f"cellen har en ogiltig adress (kolumn {self.col})",
                                self.sheet.name)
            self._cell = {"t": _attr(attrs, "t") or "n", "s": _attr(attrs, "s")}
            self._parts, self._formula, self._has_formula = [], None, False
            self._formula_text = ""
        elif self._cell is not None:
            if tag == "v":
                self._text = []
            elif tag == "f":
                self._has_formula = True
                self._formula = []
            elif tag == "is":
                self._in_is = True
            elif tag == "rPh":
                self._phonetic += 1
            elif tag == "t" and self._in_is and not self._phonetic:
                self._text = []
        elif tag == "row":
            r = _attr(attrs, "r")
            try:
                row = int(r) if r is not None else self.row + 1
            except ValueError:
                raise XlsxError(f"en rad har ett ogiltigt nummer '{r[:20]}'", self.sheet.name) from None
            self._new_row(row)
            self.col = 0
            if (_attr(attrs, "hidden") or "").lower() in ("1", "true") and row <= MAX_ROWS:
                self.sheet.hidden_rows.add(row)
        elif tag == "col":
            self._col(attrs)

    def _new_row(self, row: int) -> None:
        # a row may be formatted far down (an empty <row>): only a value there is refused
        if row < 1 or row > EXCEL_ROWS:
            raise XlsxError(f"en rad har ett ogiltigt nummer ({row})", self.sheet.name)
        self.row = row

    def _col(self, attrs: dict) -> None:
        hidden = (_attr(attrs, "hidden") or "").lower() in ("1", "true")
        width = _attr(attrs, "width")
        try:
            hidden = hidden or (width is not None and float(width) == 0)
            low, high = int(_attr(attrs, "min") or "0"), int(_attr(attrs, "max") or "0")
        except ValueError:
            return
        if hidden and low >= 1:
            # a range may run to column 16 384; only columns a form can use matter
            self.sheet.hidden_cols.update(range(low, min(high, MAX_COLUMNS) + 1))

    def end(self, name):
        tag = _local(name)
        if self._cell is None:
            return
        if tag == "c":
            self._store()
            self._cell = None
        elif tag == "v":
            self._parts.append("".join(self._text or []))
            self._text = None
        elif tag == "f":
            self._formula_text = "".join(self._formula or [])
            self._formula = None
        elif tag == "is":
            self._in_is = False
        elif tag == "rPh":
            self._phonetic -= 1
        elif tag == "t" and self._text is not None:
            self._parts.append("".join(self._text))
            self._text = None

    def data(self, text):
        if self._formula is not None:
            self._formula.append(text)
        elif self._text is not None:
            self._text.append(text)

    def _store(self) -> None:
        if self.row < 1:
            self._new_row(1)
        key = (self.row, self.col)
        ref = f"{column_letter(self.col)}{self.row}"
        if key in self.sheet.cells:
            raise XlsxError(f"cellen {ref} står två gånger i bladet (arbetsboken är skadad)",
                            self.sheet.name, ref)
        text = "".join(self._parts)
        if len(text) > MAX_TEXT:
            raise XlsxError(f"cellen {ref} har {len(text)} tecken (en cell rymmer högst "
                            f"{MAX_TEXT})", self.sheet.name, ref)
        if self._has_formula:
            value: Any = Formula(self._formula_text)
        elif not self._parts and self._cell["t"] != "inlineStr":
            return  # a styled, empty cell
        else:
            value = self.value(self._cell["t"], text, self._cell["s"], ref)
        if value is None:
            return
        if self.row > MAX_ROWS:
            raise XlsxError(f"bladet har för många rader (högst {MAX_ROWS}; cellen {ref} har ett "
                            "värde)", self.sheet.name)
        if self.col > MAX_COLUMNS:
            raise XlsxError(f"bladet har för många kolumner (högst {MAX_COLUMNS}; cellen {ref} "
                            "har ett värde)", self.sheet.name)
        if len(self.sheet.cells) >= MAX_CELLS:
            raise XlsxError(f"bladet har för många ifyllda celler (högst {MAX_CELLS})",
                            self.sheet.name)
        self.sheet.cells[key] = value


# --- values as Excel shows them ---------------------------------------------------------------

_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
_DATE_IDS = set(range(14, 23)) | set(range(27, 37)) | {45, 46, 47} | set(range(50, 59))


def _bare(code: str) -> str:
    """A number format with its quoted text, escapes and [colour]/[locale] parts left out."""
    return _QUOTED.sub("", code)


def is_percent(code: str) -> bool:
    return "%" in _bare(code.split(";", 1)[0])


def is_date(fmt_id: int, code: str) -> bool:
    from openpyxl.styles.numbers import is_date_format

    return fmt_id in _DATE_IDS or is_date_format(code)


def number(text: str) -> int | float:
    """A stored number as openpyxl gives it (int without '.' or 'E'), at Excel's 15 digits."""
    t = text.strip()
    if "." in t or "e" in t.lower():
        v = float(t)
        if v != v or v in (float("inf"), float("-inf")):
            raise ValueError(t)
        return float(f"{v:.15g}")
    return int(t)


def shown_percent(value: float | int) -> int | float:
    """0.84 -> 84, 0.845 -> 84.5: the percent typed, without the float error of * 100."""
    v = float(f"{float(value) * 100:.10g}")
    return int(v) if v.is_integer() and abs(v) < 2 ** 53 else v


def excel_day(serial: float, date1904: bool = False) -> dt.datetime | None:
    """Excel's day number as a date and time (1900 system with its leap-year bug), or None
    outside the days Excel shows."""
    if serial < 0 or serial >= 2958466:
        return None
    if date1904:
        base = dt.datetime(1904, 1, 1)
    else:
        base = dt.datetime(1899, 12, 30)
        if serial < 60:
            serial += 1  # before Excel's 1900-02-29, which never was
    try:
        day = base + dt.timedelta(days=serial)
    except OverflowError:
        return None
    micro = round(day.microsecond / 1_000_000)  # to the second, as Excel shows it
    return day.replace(microsecond=0) + dt.timedelta(seconds=micro)


# --- the workbook -----------------------------------------------------------------------------

def read(raw: bytes, only: Callable[[str, str], bool] | None = None) -> RawWorkbook:
    """Every worksheet of the workbook with its state; `only(name, state)` says which sheets'
    cells to read (the others come back without cells)."""
    z = _Zip(raw)
    book_part = _office_document(z)
    book = _Book()
    z.parse(book_part, book)
    base = posixpath.dirname(book_part)
    rels = _Rels()
    rels_part = z.find(posixpath.join(base, "_rels", posixpath.basename(book_part) + ".rels"))
    if rels_part is None:
        raise XlsxError("arbetsboken saknar sina relationer (xl/_rels/workbook.xml.rels)")
    z.parse(rels_part, rels)

    def target(kind: str) -> str | None:
        for typ, tgt in rels.rels.values():
            if typ.endswith(kind):
                return z.find(_resolve(base, tgt))
        return None

    strings = _Strings()
    part = target(REL_STRINGS)
    if part:
        z.parse(part, strings)
    styles = _Styles()
    part = target(REL_STYLES)
    if part:
        z.parse(part, styles)
    value = _valuer(strings.items, styles, book.date1904)
    out = []
    for name, state, rid in book.sheets:
        typ, tgt = rels.rels.get(rid, ("", ""))
        if not typ.endswith(REL_WORKSHEET):
            continue  # a chart sheet or a macro sheet: no answers there
        sheet = RawSheet(name, state if state in ("hidden", "veryHidden") else "visible")
        out.append(sheet)
        if only is not None and not only(name, sheet.state):
            continue
        part = z.find(_resolve(base, tgt))
        if part is None:
            raise XlsxError("bladets del saknas i arbetsboken", name)
        z.parse(part, _SheetReader(sheet, value), name)
    return RawWorkbook(out)


def _office_document(z: _Zip) -> str:
    root = z.find("_rels/.rels")
    if root is not None:
        rels = _Rels()
        z.parse(root, rels)
        for typ, tgt in rels.rels.values():
            if typ.endswith(REL_OFFICE):
                found = z.find(_resolve("", tgt))
                if found:
                    return found
    found = z.find("xl/workbook.xml")
    if found is None:
        raise XlsxError("filen är ingen Excel-arbetsbok (xl/workbook.xml saknas); spara den som "
                        "Excel-arbetsbok (.xlsx) eller CSV")
    return found


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base, target))


def _valuer(strings: list[str], styles: _Styles, date1904: bool) -> Callable:
    def value(typ: str, text: str, style: str | None, ref: str) -> Any:
        if typ == "s":
            try:
                return strings[int(text)]
            except (ValueError, IndexError):
                raise XlsxError(f"cellen {ref} pekar på en text som saknas (arbetsboken är "
                                "skadad)", None, ref) from None
        if typ in ("inlineStr", "str", "e"):
            return text
        if typ == "b":
            return text.strip() in ("1", "true")
        if not text.strip() and typ not in ("inlineStr", "str", "s"):
            return None  # <v></v>: an empty cell some writers leave
        if typ == "d":
            try:
                return dt.datetime.fromisoformat(text.strip().rstrip("Z"))
            except ValueError:
                return text
        try:
            n = number(text)
        except ValueError:
            raise XlsxError(f"cellen {ref} har ett tal som inte kan läsas ('{text[:20]}')",
                            None, ref) from None
        fmt_id, code = styles.code(int(style)) if style and style.isdigit() else (0, "General")
        if is_percent(code):
            return shown_percent(n)
        if is_date(fmt_id, code):
            day = excel_day(n, date1904)
            if day is not None:
                return day
        return n

    return value
