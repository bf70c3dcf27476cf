"""A small SpreadsheetML writer for the county's workbook (`--format xlsx`): each sheet's rows
are written as XML text straight into the zip, deflated as they come.

openpyxl (which writes the template, the trend workbook and the demands register) makes an
object per cell and walks it through its style machinery: for a county's matrix, 1 200 units ×
43 columns, that was 1,6 s of CPU, as much as checking the units. This writer knows the few
things the matrix needs: text, whole and decimal numbers, a bold header, upright rule columns,
one fill per outcome, column widths, frozen panes and a filter, and nothing else.

Every text is an inline string (never a formula, whatever it begins with), with control
characters written visibly (text_rules.xml_safe). The file is the same bytes for the same input:
fixed document dates and zip entry times.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from collections.abc import Iterable

from engine.read.columns import column_letter as column
from engine.read.columns import column_number as _index
from engine.read.text_rules import xml_safe

FIXED_TIME = dt.datetime(2000, 1, 1)  # in place of "now": same input, same bytes
ROTATED = "rotated"  # the style of an upright header cell (a rule column)
BOLD = "bold"


# xml.sax.saxutils's escape and quoteattr, the same bytes, without the module: it imports
# urllib.request (http, ssl, email), 15 ms of every county check's start.
def escape(data: str) -> str:
    return data.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(data: str) -> str:
    data = escape(data).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in data:
        return f'"{data}"'
    if "'" not in data:
        return f"'{data}'"
    return '"' + data.replace('"', "&quot;") + '"'


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '{sheets}'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    '</Types>')
_SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
               'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
    '</Relationships>')
_SHEET_NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')


class Workbook:
    """Sheets written one after another (each whole before the next begins), then `bytes()`.

    `fills` names the background colours a cell may have (name → RRGGBB); a cell's style is
    None, BOLD, ROTATED (bold and upright) or the name of a fill."""

    def __init__(self, fills: dict[str, str], creator: str = "kravkoll"):
        self._raw = io.BytesIO()
        self._zip = zipfile.ZipFile(self._raw, "w", zipfile.ZIP_DEFLATED)
        self._sheets: list[tuple[str, str | None]] = []  # (name, filter range)
        self._creator = creator
        self._fills = dict(fills)
        self._style = {None: 0, BOLD: 1, ROTATED: 2}
        self._style.update({name: 3 + i for i, name in enumerate(self._fills)})

    def _entry(self, name: str):
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    def _write(self, name: str, text: str) -> None:
        self._zip.writestr(self._entry(name), text.encode("utf-8"))

    def sheet(self, name: str, rows: Iterable[tuple[list, list | str | None]],
              widths: dict[str, float] | None = None, freeze: str | None = None,
              filter_rows: int | None = None, filter_columns: int | None = None) -> None:
        """A sheet of `rows`, each (values, styles): styles one per value, or one for every
        value, or None. None and empty texts leave their cell empty. `freeze` is the first cell that
        scrolls ("C2"); a filter covers columns 1..filter_columns of rows 1..filter_rows."""
        n = len(self._sheets) + 1
        ref = (f"A1:{column(filter_columns)}{filter_rows}"
               if filter_rows and filter_columns else None)
        self._sheets.append((name, ref))
        with self._zip.open(self._entry(f"xl/worksheets/sheet{n}.xml"), "w") as out:
            head = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
                    f"<worksheet {_SHEET_NS}>"]
            head.append(_views(freeze, n == 1))
            head.append('<sheetFormatPr defaultRowHeight="15"/>')
            if widths:
                head.append("<cols>" + "".join(
                    f'<col min="{_index(c)}" max="{_index(c)}" width="{w:g}" customWidth="1"/>'
                    for c, w in sorted(widths.items(), key=lambda cw: _index(cw[0]))) + "</cols>")
            head.append("<sheetData>")
            out.write("".join(head).encode("utf-8"))
            letters: list[str] = []
            buffer: list[str] = []
            for r, (values, styles) in enumerate(rows, 1):
                while len(letters) < len(values):
                    letters.append(column(len(letters) + 1))
                buffer.append(self._row(r, values, styles, letters))
                if len(buffer) >= 256:
                    out.write("".join(buffer).encode("utf-8"))
                    buffer.clear()
            buffer.append("</sheetData>")
            if ref:
                buffer.append(f'<autoFilter ref="{ref}"/>')
            buffer.append('<pageMargins left="0.75" right="0.75" top="1" bottom="1" '
                          'header="0.5" footer="0.5"/></worksheet>')
            out.write("".join(buffer).encode("utf-8"))

    def _row(self, r: int, values: list, styles, letters: list[str]) -> str:
        if not values:
            return f'<row r="{r}"/>'
        cells = []
        # one style for the row's every cell (None, a name), or one per cell
        per_cell = styles if isinstance(styles, list) else [styles] * len(values)
        for i, value in enumerate(values):
            if value is None or value == "":  # an empty cell, as openpyxl leaves it
                continue
            style = self._style[per_cell[i]]
            s = f' s="{style}"' if style else ""
            t = type(value)
            if t is str:
                text = escape(xml_safe(value))
                space = (' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace()
                         or "\n" in text else "")
                cells.append(f'<c r="{letters[i]}{r}"{s} t="inlineStr"><is><t{space}>{text}'
                             "</t></is></c>")
            elif t is int:
                cells.append(f'<c r="{letters[i]}{r}"{s} t="n"><v>{value}</v></c>')
            elif t is float and math.isfinite(value):  # 16 digits, 65.0 as 65: as openpyxl
                cells.append(f'<c r="{letters[i]}{r}"{s} t="n"><v>{value:.16g}</v></c>')
            else:
                raise TypeError(f"en cell kan inte vara {t.__name__}")
        return f'<row r="{r}">' + "".join(cells) + "</row>"

    def bytes(self) -> bytes:
        sheets = "".join(f'<sheet name={quoteattr(name)} sheetId="{n}" r:id="rId{n}"/>'
                         for n, (name, _ref) in enumerate(self._sheets, 1))
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
            f"{escape(_quoted(name))}!{_absolute(ref)}</definedName>"
            for n, (name, ref) in enumerate(self._sheets) if ref)
        self._write("[Content_Types].xml", _CONTENT_TYPES.format(sheets="".join(
            _SHEET_TYPE.format(n=n) for n in range(1, len(self._sheets) + 1))))
        self._write("_rels/.rels", _ROOT_RELS)
        stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
        self._write("docProps/core.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/'
            f'XMLSchema-instance"><dc:creator>{escape(self._creator)}</dc:creator>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "</cp:coreProperties>"))
        self._write("docProps/app.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            'extended-properties"><Application>kravkoll</Application></Properties>'))
        self._write("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f"<workbook {_SHEET_NS}><bookViews><workbookView/></bookViews>"
            f"<sheets>{sheets}</sheets>"
            + (f"<definedNames>{names}</definedNames>" if names else "")
            + "</workbook>"))
        self._write("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/'
                      f'officeDocument/2006/relationships/worksheet" '
                      f'Target="worksheets/sheet{n}.xml"/>'
                      for n in range(1, len(self._sheets) + 1))
            + f'<Relationship Id="rId{len(self._sheets) + 1}" Type="http://schemas.'
              'openxmlformats.org/officeDocument/2006/relationships/styles" '
              'Target="styles.xml"/></Relationships>'))
        self._write("xl/styles.xml", self._styles())
        self._zip.close()
        return self._raw.getvalue()

    def _styles(self) -> str:
        fills = "".join(f'<fill><patternFill patternType="solid"><fgColor rgb="00{rgb}"/>'
                        f'<bgColor rgb="00{rgb}"/></patternFill></fill>'
                        for rgb in self._fills.values())
        xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
               '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>',
               '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" '
               'applyAlignment="1"><alignment textRotation="90"/></xf>']
        xfs += [f'<xf numFmtId="0" fontId="0" fillId="{2 + i}" borderId="0" xfId="0" '
                'applyFill="1"/>' for i in range(len(self._fills))]
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '<font><b val="1"/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            f'</fonts><fills count="{2 + len(self._fills)}"><fill><patternFill/></fill>'
            f'<fill><patternFill patternType="gray125"/></fill>{fills}</fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            f'borderId="0"/></cellStyleXfs><cellXfs count="{len(xfs)}">{"".join(xfs)}'
            '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            "</cellStyles></styleSheet>")


def _views(freeze: str | None, selected: bool) -> str:
    chosen = ' tabSelected="1"' if selected else ""
    if not freeze:
        return f'<sheetViews><sheetView{chosen} workbookViewId="0"/></sheetViews>'
    letters = freeze.rstrip("0123456789")
    x, y = _index(letters) - 1, int(freeze[len(letters):]) - 1
    pane = "bottomRight" if x and y else ("topRight" if x else "bottomLeft")
    return (f'<sheetViews><sheetView{chosen} workbookViewId="0"><pane'
            + (f' xSplit="{x}"' if x else "") + (f' ySplit="{y}"' if y else "")
            + f' topLeftCell="{freeze}" activePane="{pane}" state="frozen"/>'
            f'<selection pane="{pane}" activeCell="{freeze}" sqref="{freeze}"/>'
            "</sheetView></sheetViews>")


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _absolute(ref: str) -> str:
    """A1:AQ30 → $A$1:$AQ$30."""
    out = []
    for part in ref.split(":"):
        letters = part.rstrip("0123456789")
        out.append(f"${letters}${part[len(letters):]}")
    return ":".join(out)
