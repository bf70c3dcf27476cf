"""Workbooks and exports a unit or a survey tool could hand in, and hostile ones: built with
openpyxl from `kravkoll template`'s workbook, or by editing the XML inside the zip. Shared by
tests/test_intake_*.py and benchmarks/fuzz_intake.py."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import yaml

from engine.model.form import get_form
from engine.report.template import build

ROOT = Path(__file__).resolve().parents[1]
FORM = "arsbokslut-2023"
UNIT = ROOT / "submissions" / "jamtland" / "2023" / "akermo.yaml"
SHEET = "xl/worksheets/sheet1.xml"


def unit_data() -> dict:
    return yaml.safe_load(UNIT.read_text(encoding="utf-8"))


def filled_template(data: dict | None = None) -> bytes:
    """`kravkoll template arsbokslut-2023 --from akermo.yaml`, as bytes."""
    return build(get_form(FORM), unit_data() if data is None else data)


def key_rows(ws) -> dict[str, int]:
    """field key (column F) -> its row in a template sheet."""
    return {ws.cell(r, 6).value: r for r in range(4, ws.max_row + 1)
            if isinstance(ws.cell(r, 6).value, str)}


def edit(raw: bytes, change) -> bytes:
    """The workbook after change(wb) (openpyxl, not read-only)."""
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def set_answer(raw: bytes, key: str, value, number_format: str | None = None) -> bytes:
    def change(wb):
        ws = wb.worksheets[0]
        cell = ws.cell(key_rows(ws)[key], 3)
        cell.value = value
        if number_format is not None:
            cell.number_format = number_format
    return edit(raw, change)


def zip_edit(raw: bytes, member: str, change) -> bytes:
    """The zip with one member's bytes replaced by change(bytes)."""
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == member:
                data = change(data)
            dst.writestr(info.filename, data)
    return out.getvalue()


def set_dimension(raw: bytes, ref: str = "A1:B2") -> bytes:
    """The sheet states a size smaller than it is (`<dimension ref=…>`)."""
    return zip_edit(raw, SHEET, lambda x: re.sub(rb'<dimension ref="[^"]*"/>',
                                                 f'<dimension ref="{ref}"/>'.encode(), x))


def export_workbook(heads: list, rows: list[list], change=None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Export"
    ws.append(heads)
    for row in rows:
        ws.append(row)
    if change:
        change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def flat(data: dict, prefix: str = "") -> dict:
    """A unit's answers as one export row: lists joined with ;, mappings as 'namn värde'."""
    out = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if path == "enhet.filialer":
            for i, item in enumerate(value, start=1):
                out.update(flat(item, f"{path}.{i}."))
        elif isinstance(value, dict) and path.split(".")[-1] in ("oppettider", "vakanta_tjanster"):
            out[path] = "; ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, dict):
            out.update(flat(value, path + "."))
        elif isinstance(value, list):
            out[path] = "; ".join(str(v) for v in value)
        else:
            out[path] = value
    return out


def units(n: int = 3) -> list[dict]:
    folder = ROOT / "submissions" / "jamtland" / "2023"
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.yaml"))[:n]]


def export_table(datas: list[dict]) -> tuple[list[str], list[list]]:
    rows = [flat(d) for d in datas]
    keys = sorted({k for r in rows for k in r})
    return keys, [[r.get(k) for k in keys] for r in rows]


def excel_style(raw: bytes, rich: bool = True) -> bytes:
    """The workbook as Excel and LibreOffice write it: every text in the shared strings part
    (openpyxl writes them inline), some as rich-text runs with a phonetic run that is not
    shown, and each row and column with explicit hidden="false"/customWidth="true"."""
    from xml.sax.saxutils import escape

    src = zipfile.ZipFile(io.BytesIO(raw))
    strings: list[str] = []
    index: dict[str, int] = {}

    def shared(text: str) -> int:
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return index[text]

    def sheet(xml: bytes) -> bytes:
        text = xml.decode("utf-8")

        def cell(m):
            inner = re.sub(r"<[^>]+>", "", m.group(3))
            import html
            return f'<c{m.group(1)} t="s"{m.group(2)}><v>{shared(html.unescape(inner))}</v></c>'
        text = re.sub(r'<c([^>]*?) t="inlineStr"([^>]*)><is>(.*?)</is></c>', cell, text, flags=re.S)
        text = re.sub(r'<c([^>]*?) t="inlineStr"([^>]*)></c>', r"<c\1\2></c>", text)  # empty
        text = re.sub(r"<row ([^>]*?)>", lambda m: f'<row {m.group(1)} hidden="false">'
                      if "hidden=" not in m.group(1) else m.group(0), text)
        text = re.sub(r"<col ([^>]*?)/>", lambda m: f'<col {m.group(1)} hidden="false"/>'
                      if "hidden=" not in m.group(1) else m.group(0), text)
        return text.encode("utf-8")

    parts = {}
    for info in src.infolist():
        data = src.read(info.filename)
        if info.filename.startswith("xl/worksheets/sheet"):
            data = sheet(data)
        parts[info.filename] = data
    items = []
    for k, s in enumerate(strings):
        if rich and k % 3 == 1 and len(s) > 1:
            half = len(s) // 2
            items.append(f'<si><r><rPr><b/></rPr><t xml:space="preserve">{escape(s[:half])}</t></r>'
                         f'<r><t xml:space="preserve">{escape(s[half:])}</t></r>'
                         f'<rPh sb="0" eb="1"><t>ヨミ</t></rPh></si>')
        else:
            items.append(f'<si><t xml:space="preserve">{escape(s)}</t></si>')
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.'
        f'openxmlformats.org/spreadsheetml/2006/main" count="{len(items)}" '
        f'uniqueCount="{len(items)}">' + "".join(items) + "</sst>").encode("utf-8")
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdSS" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        b"</Relationships>")
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
    return out.getvalue()
