"""The Excel workbook a unit fills in (`kravkoll template FORM -o mall.xlsx`): one row per
answer (number, question, answer cell, unit, help, field), dropdowns for choices, ranges as data
validation, the question cells locked, numbers in formats Excel shows the Swedish way.

Optionally pre-filled: the unit's name and HSA-id, or a whole YAML submission (the way back from
YAML to the workbook, which is also how the round trip is tested).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from engine.model.form import LoadedForm, Question
from engine.model.form_cells import ANSWER_COLUMN, TEMPLATE_HEADERS, Slot, slots, to_cell
from engine.model.form_cells import _value_at as value_at
from engine.read.numbers import format_number
from engine.read.text_rules import xml_safe
from engine.read.workbook import column_letter

from .matrix import _reproducible

WIDTHS = (9, 70, 28, 14, 44, 44)
ANSWER_FILL = PatternFill("solid", fgColor="FFF7D6")
HEAD_FILL = PatternFill("solid", fgColor="DDE4EE")
# Excel shows these with the reader's own separators: "6 412" and "63,3" in Swedish.
INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.0##"
DATE_FORMAT = "yyyy-mm-dd"


def help_text(q: Question) -> str:
    parts = []
    if q.type == "ja_nej":
        parts.append("ja eller nej")
    elif q.type == "choice":
        parts.append("ett av: " + ", ".join(q.options))
    elif q.type == "multichoice":
        parts.append("noll eller flera av: " + ", ".join(q.options) + " (skilj med ;)")
    elif q.type == "percent":
        parts.append("andel i procent, 0–100")
    elif q.type == "number":
        kind = "heltal" if q.integer else "tal"
        if q.min is not None and q.max is not None:
            parts.append(f"{kind} {format_number(q.min)}–{format_number(q.max)}")
        elif q.min is not None:
            parts.append(f"{kind}, minst {format_number(q.min)}")
        else:
            parts.append(kind)
    elif q.type == "date":
        parts.append("datum ÅÅÅÅ-MM-DD")
    elif q.type == "schedule":
        parts.append("veckodag och tid, t.ex. mandag 08:00-17:00; tisdag 08:00-16:00")
    elif q.type == "counts":
        parts.append("namn och antal, t.ex. lakare 1; distriktsskoterskor 2")
    elif q.type == "list":
        parts.append("texter, skilj med ;")
    elif q.type == "hsa_id":
        parts.append("HSA-id, t.ex. SE2321000207-E00000000042")
    if q.required:
        parts.append("måste anges")
    if q.when:
        parts.append(f"ska anges när {q.when.field} är {' eller '.join(q.when.in_)}")
    if q.help and q.type not in ("hsa_id",):
        parts.append(q.help)
    return "; ".join(parts)


def _question_text(slot: Slot) -> str:
    q = slot.question
    text = q.text if not q.label or q.label == q.text else f"{q.text}\n– {q.label}"
    return slot.item_label + text if slot.item_label else text


def _validation(q: Question) -> DataValidation | None:
    if q.type in ("ja_nej", "choice"):
        options = ["ja", "nej"] if q.type == "ja_nej" else list(q.options)
        formula = '"' + ",".join(options) + '"'
        if len(formula) > 255:  # Excel's limit for a list written in the rule itself
            return None
        return DataValidation(type="list", formula1=formula, allow_blank=True,
                              errorTitle="Ogiltigt svar", error="Välj ett av: " + ", ".join(options))
    if q.type in ("number", "percent"):
        low = 0 if q.type == "percent" else q.min
        high = 100 if q.type == "percent" else q.max
        kind = "whole" if q.integer else "decimal"
        if low is not None and high is not None:
            return DataValidation(type=kind, operator="between", formula1=str(low),
                                  formula2=str(high), allow_blank=True, errorTitle="Ogiltigt tal",
                                  error=f"Ange ett tal mellan {format_number(low)} och "
                                        f"{format_number(high)}.")
        if low is not None:
            return DataValidation(type=kind, operator="greaterThanOrEqual", formula1=str(low),
                                  allow_blank=True, errorTitle="Ogiltigt tal",
                                  error=f"Ange ett tal, minst {format_number(low)}.")
    if q.type == "date":
        return DataValidation(type="date", operator="greaterThan", formula1="36526",  # 2000-01-01
                              allow_blank=True, errorTitle="Ogiltigt datum",
                              error="Ange ett datum som 2024-02-23.")
    return None


def build(form: LoadedForm, data: dict | None = None, prefill: dict[str, Any] | None = None) -> bytes:
    """The workbook as bytes. `data`: a whole submission to fill in; `prefill`: field -> value."""
    f = form.form
    wb = Workbook()
    ws = wb.active
    ws.title = f.sheet
    ws["A1"] = f"{f.title} {f.year} – {f.region}"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = ("Fyll i kolumnen Svar (gul). Frågorna är låsta; kolumnen Fält är svarets namn "
                "för kravkoll och får inte ändras.")
    ws["A2"].alignment = Alignment(wrap_text=False)
    header_row = 3
    for c, head in enumerate(TEMPLATE_HEADERS, start=1):
        cell = ws.cell(header_row, c, head)
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
    for c, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[column_letter(c)].width = width
    fixed = {"formular": f.id, "period": f.year}
    fixed.update({q.field: f.region for q in f.questions if q.field == "enhet.region"})
    values: dict[str, Any] = {}
    validations: dict[str, DataValidation] = {}
    row = header_row
    group_seen: set[str] = set()
    for slot in slots(form, data):
        q = slot.question
        group = slot.key.split(".", 1)[0] if "." in slot.key else ""
        if group and group not in group_seen and group in f.groups:
            group_seen.add(group)
            row += 1
            g = f.groups[group]
            ws.cell(row, 1, g.number or "").font = Font(bold=True)
            ws.cell(row, 2, g.title).font = Font(bold=True)
        group_seen.add(group)
        row += 1
        ws.cell(row, 1, q.number or "")
        text = ws.cell(row, 2, _question_text(slot))
        text.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row, 4, q.unit or ("procent" if q.type == "percent" else ""))
        ws.cell(row, 5, help_text(q)).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row, 6, slot.key).font = Font(color="808080")
        answer = ws.cell(row, ANSWER_COLUMN)
        answer.fill = ANSWER_FILL
        answer.protection = Protection(locked=False)
        answer.alignment = Alignment(wrap_text=True, vertical="top")
        value = value_at(data, slot.path) if data is not None else None
        if value is None and prefill and slot.key in prefill:
            value = prefill[slot.key]
        if value is None and slot.key in fixed:
            value = fixed[slot.key]
        value = to_cell(q, value)
        if isinstance(value, dt.date):
            answer.number_format = DATE_FORMAT
        elif q.type in ("number", "percent"):
            answer.number_format = INTEGER_FORMAT if q.integer else DECIMAL_FORMAT
        elif q.type in ("text", "hsa_id", "list", "multichoice", "schedule", "counts"):
            answer.number_format = "@"  # text: Excel must not turn 08:00-17:00 into a time
        if value is not None:
            answer.value = xml_safe(value)
        rule = _validation(q)
        if rule is not None:
            key = f"{rule.type}|{rule.operator}|{rule.formula1}|{rule.formula2}"
            if key not in validations:
                validations[key] = rule
                ws.add_data_validation(rule)
            validations[key].add(answer.coordinate)
        values[slot.key] = value
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.protection.sheet = True  # question cells locked; the answer cells are unlocked above
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    buf = io.BytesIO()
    wb.properties.title = f"{f.title} {f.year}"
    wb.properties.creator = "kravkoll"
    # Dated by the data (the first day of the form's year), and the zip's entries too: the same
    # form and data give the same bytes on every run (openpyxl stamps the save time otherwise).
    when = dt.datetime(f.year, 1, 1)
    wb.properties.created = wb.properties.modified = when
    wb.save(buf)
    return _reproducible(buf.getvalue(), when)
