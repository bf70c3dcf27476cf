"""A form's answers in spreadsheet cells, both ways.

One row per answer in the template a unit fills in (engine/report/template.py writes it); one
column per answer in a survey export (one row per unit). Both name an answer by a key: the field
path (`bemanning.lakare_arsarbetare.totalt`, items numbered from 1: `enhet.filialer.1.namn`), and
an export may also head a column by the question number when the number has one answer
(`2.1.2`), or by the number and the answer's label (`2.3.2 Läkare totalt`). The cells become the
same data a YAML submission holds, with each answer's cell kept for messages and findings.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from typing import Any

from engine.errors import InputError, Problem
from engine.read.numbers import format_number
from engine.read.validation import validate
from engine.read.workbook import CellDocument, Sheet, Table, cell_name, document

from .form import LoadedForm, Question, get_form, load_forms

TEMPLATE_HEADERS = ("Nr", "Fråga", "Svar", "Enhet", "Hjälp", "Fält")
ANSWER_COLUMN = 3  # C
FIELD_COLUMN = 6  # F
ITEM_SLOTS = 2  # empty item groups (filialer) a blank template offers


@dataclass(frozen=True)
class Slot:
    """One answer cell: the question, its key and its path in the submission data."""

    question: Question
    key: str
    path: tuple
    item_label: str = ""


def slots(form: LoadedForm, data: dict | None = None) -> list[Slot]:
    """Every answer cell of the form in its order; an items question gets as many item groups
    as the data has (at least ITEM_SLOTS)."""
    out = []
    for q in form.form.questions:
        if q.type != "items":
            out.append(Slot(q, q.field, tuple(q.field.split("."))))
            continue
        given = _get(data or {}, q.field)
        n = max(ITEM_SLOTS, len(given) if isinstance(given, list) else 0)
        for i in range(n):
            for sub in q.items:
                key = f"{q.field}.{i + 1}.{sub.field}"
                out.append(Slot(sub, key, tuple(q.field.split(".")) + (i, *sub.field.split(".")),
                                f"{q.label or q.text} {i + 1}: "))
    return out


def _get(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _value_at(data: Any, path: tuple) -> Any:
    for part in path:
        if isinstance(part, int):
            data = data[part] if isinstance(data, list) and part < len(data) else None
        elif isinstance(data, dict):
            data = data.get(part)
        else:
            return None
    return data


# --- data -> cell text (a template filled in from a YAML submission) --------------------------


def to_cell(q: Question, value: Any) -> Any:
    """The cell a value is written to; lists and mappings as text `a; b` / `namn värde; …`."""
    if value is None:
        return None
    if q.type in ("list", "multichoice"):
        return "; ".join(str(v) for v in value) if isinstance(value, list) else value
    if q.type in ("schedule", "counts"):
        if isinstance(value, dict):
            return "; ".join(f"{k} {format_number(v) if isinstance(v, float) else v}"
                             for k, v in value.items())
        return value
    if q.type == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, (dict, list)):
        return str(value)
    return value


# --- cell -> data ---------------------------------------------------------------------------

_PAIR = re.compile(r"^(\S+)\s*[: ]\s*(.+)$")


def from_cell(q: Question, value: Any) -> Any:
    """A cell's value as the YAML reader would have given it; pydantic then checks it."""
    if value is None:
        return None
    if q.type in ("list", "multichoice"):
        if isinstance(value, str):
            sep = r"[;,\n]" if q.type == "multichoice" else r"[;\n]"
            return [p.strip() for p in re.split(sep, value) if p.strip()]
        return [value]
    if q.type in ("schedule", "counts") and isinstance(value, str):
        out = {}
        for part in (p.strip() for p in re.split(r"[;\n]", value) if p.strip()):
            m = _PAIR.match(part)
            if not m:
                return value  # pydantic names it: a mapping was expected
            out[m.group(1)] = m.group(2).strip()
        return out
    if q.type == "text" and not isinstance(value, str):
        if isinstance(value, float):
            return format_number(value)
        return str(value)
    if q.type == "date" and isinstance(value, dt.datetime):
        return value.date()
    return value


def _put(data: dict, path: tuple, value: Any) -> None:
    node: Any = data
    for here, nxt in zip(path, path[1:]):
        if isinstance(here, int):
            while len(node) <= here:
                node.append({})
            node = node[here]
            continue
        node = node.setdefault(here, [] if isinstance(nxt, int) else {})
    last = path[-1]
    node[last] = value


def _positions(slot_cells: list[tuple[tuple, tuple[int, int]]]) -> dict:
    """Each answer's cell, and for every group the cell of its first answer."""
    pos: dict = {}
    for path, rc in slot_cells:
        for k in range(1, len(path) + 1):
            pos.setdefault(path[:k], rc)
    if slot_cells:
        pos[()] = slot_cells[0][1]
    return pos


def _compact_items(data: dict, form: LoadedForm) -> None:
    """Item groups left empty in a template (an unused filial) are no items."""
    for q in form.form.questions:
        if q.type == "items":
            *head, last = q.field.split(".")
            parent = data
            for part in head:
                parent = parent.get(part) if isinstance(parent, dict) else None
            if isinstance(parent, dict) and isinstance(parent.get(last), list):
                parent[last] = [item for item in parent[last] if item]


# --- a filled-in template ---------------------------------------------------------------------


def _template_sheet(table: Table) -> tuple[Sheet, int] | None:
    for sheet in table.sheets:
        for r, row in enumerate(sheet.rows[:20]):
            cells = [str(c).strip() if c is not None else "" for c in row]
            if "Svar" in cells and "Fält" in cells:
                return sheet, r
    return None


def is_template(table: Table) -> bool:
    return _template_sheet(table) is not None


def from_template(table: Table) -> tuple[CellDocument, LoadedForm]:
    """The submission in a filled-in template (the form is named in its formular row)."""
    found = _template_sheet(table)
    if found is None:
        raise InputError.single(table.file, "arbetsboken är ingen ifylld mall (inget blad har "
                                "kolumnerna Svar och Fält); en enkätexport granskas med --form")
    sheet, header = found
    cells = [str(c).strip() if c is not None else "" for c in sheet.rows[header]]
    answer, key_col = cells.index("Svar"), cells.index("Fält")
    entries = []  # (key, value, row, col)
    for r in range(header + 1, len(sheet.rows)):
        row = sheet.rows[r]
        key = row[key_col] if key_col < len(row) else None
        if key is None:
            continue
        value = row[answer] if answer < len(row) else None
        entries.append((str(key).strip(), value, r + 1, answer + 1))
    formular = next((v for k, v, _, _ in entries if k == "formular"), None)
    row_of = next((r for k, _, r, _ in entries if k == "formular"), header + 2)
    if not isinstance(formular, str):
        raise InputError(table.file, [Problem("mallens formulär saknas (raden formular är tom)",
                                              "formular", None, None,
                                              cell_name(sheet.name, row_of, answer + 1))])
    form = _form_or_error(formular.strip(), table.file, cell_name(sheet.name, row_of, answer + 1))
    return _document(table, sheet.name, form, entries, None), form


def _form_or_error(form_id: str, file: str, cell: str | None) -> LoadedForm:
    try:
        return get_form(form_id)
    except InputError as exc:
        raise InputError(file, [Problem(exc.problems[0].message, "formular", None, None, cell)]) from None


def _document(table: Table, sheet: str, form: LoadedForm, entries: list, source_row: int | None,
              defaults: dict | None = None) -> CellDocument:
    by_key = {s.key: s for s in slots(form, _items_data(form, entries))}
    data: dict = {}
    placed: list[tuple[tuple, tuple[int, int]]] = []
    problems = []
    for key, value, r, c in entries:
        slot = by_key.get(key)
        if slot is None:
            hint = difflib.get_close_matches(key, list(by_key), n=1, cutoff=0.6)
            problems.append(Problem(f"okänt fält '{key}'" + (f" (menade du {hint[0]}?)" if hint else ""),
                                    key, None, None, cell_name(sheet, r, c)))
            continue
        v = from_cell(slot.question, value)
        if v is None:
            continue
        _put(data, slot.path, v)
        placed.append((slot.path, (r, c)))
    if problems:
        raise InputError(table.file, problems)
    for key, value in (defaults or {}).items():
        if _get(data, key) is None:
            _put(data, tuple(key.split(".")), value)
    _compact_items(data, form)
    return document(table.file, data, sheet, _positions(placed), table.sha256, source_row)


def _items_data(form: LoadedForm, entries: list) -> dict:
    """Enough of the data to know how many item groups the cells use."""
    data: dict = {}
    for q in form.form.questions:
        if q.type == "items":
            n = 0
            for key, *_ in entries:
                if key.startswith(q.field + "."):
                    idx = key[len(q.field) + 1:].split(".", 1)[0]
                    if idx.isdigit():
                        n = max(n, int(idx))
            _put(data, tuple(q.field.split(".")), [{}] * n)
    return data


def validate_cells(doc: CellDocument, form: LoadedForm):
    """Validate with the form's model; each problem names its cell instead of a line."""
    try:
        return validate(doc, form.model)
    except InputError as exc:
        raise InputError(exc.file, [Problem(p.message, p.path, None, None,
                                            cell_name(doc.sheet, p.line, p.column)
                                            if p.line and p.column else None)
                                    for p in exc.problems]) from None


# --- a survey export: one row per unit ---------------------------------------------------------


def _headings(form: LoadedForm, data_keys: list[str]) -> dict[str, str]:
    """Every heading a column may have -> the answer's key."""
    all_slots = slots(form)
    by_number: dict[str, list[Slot]] = {}
    for s in all_slots:
        if s.question.number and s.key == s.question.field:
            by_number.setdefault(s.question.number, []).append(s)
    out: dict[str, str] = {}
    for number, group in by_number.items():
        if len(group) == 1:
            out[number] = group[0].key
            out[_norm(f"{number} {group[0].question.text}")] = group[0].key
        for s in group:
            if s.question.label:
                out[_norm(f"{number} {s.question.label}")] = s.key
    for key in data_keys:
        out[key] = key
    return out


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def export_columns(table: Table, form: LoadedForm) -> tuple[Sheet, dict[int, str]]:
    """The export's sheet and its columns -> answer keys; unknown headings are refused, each
    with a suggestion."""
    sheet = next((s for s in table.sheets if s.rows), None)
    if sheet is None:
        raise InputError.single(table.file, "exporten är tom (ingen rad med rubriker)")
    keys = [s.key for s in slots(form, _wide_items(form, sheet.rows[0]))]
    headings = _headings(form, keys)
    columns, problems, seen = {}, [], {}
    for c, head in enumerate(sheet.rows[0]):
        if head is None:
            continue
        text = str(head).strip()
        key = headings.get(text) or headings.get(_norm(text))
        if key is None:
            choices = [k for k in headings if not k.startswith(tuple("0123456789")) or " " not in k]
            hint = difflib.get_close_matches(text, choices, n=1, cutoff=0.6)
            hint_text = f" (menade du {hint[0]}?)" if hint else ""
            if text.split(" ")[0] in {s.question.number for s in slots(form)} and not hint:
                hint_text = (" (frågan har flera svar: ange fältet, t.ex. "
                             + ", ".join(s.key for s in slots(form)
                                         if s.question.number == text.split(' ')[0])[:200] + ")")
            problems.append(Problem(f"okänd kolumn '{text}'{hint_text}", "", None, None,
                                    cell_name(sheet.name, 1, c + 1)))
            continue
        if key in seen:
            problems.append(Problem(f"kolumnen '{text}' anger samma svar ({key}) som kolumn "
                                    f"{cell_name(sheet.name, 1, seen[key] + 1)}", key, None, None,
                                    cell_name(sheet.name, 1, c + 1)))
            continue
        seen[key] = c
        columns[c] = key
    if problems:
        raise InputError(table.file, problems)
    return sheet, columns


def _wide_items(form: LoadedForm, header: list) -> dict:
    keys = [str(h).strip() for h in header if h is not None]
    return _items_data(form, [(k,) for k in keys])


def export_rows(table: Table, form: LoadedForm) -> list[int]:
    """The 1-based rows of the export that hold a unit."""
    sheet, _ = export_columns(table, form)
    return [r + 1 for r in range(1, len(sheet.rows)) if any(v is not None for v in sheet.rows[r])]


def from_export_row(table: Table, form: LoadedForm, row: int) -> CellDocument:
    sheet, columns = export_columns(table, form)
    values = sheet.rows[row - 1]
    entries = [(key, values[c] if c < len(values) else None, row, c + 1) for c, key in columns.items()]
    defaults = {"formular": form.form.id, "period": form.form.year}
    defaults.update({q.field: form.form.region for q in form.form.questions
                     if q.fixed and q.field == "enhet.region"})
    return _document(table, sheet.name, form, entries, row, defaults)


def known_forms() -> list[str]:
    return sorted(load_forms())
