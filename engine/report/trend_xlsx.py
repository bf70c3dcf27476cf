"""`kravkoll trend --format xlsx`: one sheet per view, numbers as numbers, the same bytes for the
same input (fixed dates, as the matrix workbook)."""

from __future__ import annotations

import io

from engine.evaluate.trend import Trend, UnitSeries
from engine.read.text_rules import xml_safe

from .matrix import FIXED_TIME, _reproducible
from .trend_views import all_views


def xlsx_bytes(trend: Trend, unit: UnitSeries | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.properties.creator = "kravkoll"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    bold = Font(bold=True)
    wb.remove(wb.active)
    for view in all_views(trend, unit):
        ws = wb.create_sheet(view.key[:31])
        ws.append([view.title])
        ws["A1"].font = bold
        ws.append(view.headers)
        for cell in ws[2]:
            cell.font = bold
        for row in view.rows:
            ws.append([c.value if c.value is not None else xml_safe(c.text) for c in row])
        if view.note:
            ws.append([])
            ws.append([view.note])
        ws.freeze_panes = "B3"
        ws.column_dimensions["A"].width = 60
    # A text that begins with '=' (a unit's name) is text, never a live formula.
    for sheet in wb.worksheets:
        for cells in sheet.iter_rows():
            for cell in cells:
                if cell.data_type == "f":
                    cell.data_type = "s"
    raw = io.BytesIO()
    wb.save(raw)
    return _reproducible(raw.getvalue())
