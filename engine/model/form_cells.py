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
from engine.read.workbook import (CellDocument, Formula, Sheet, Table, cell_name, column_letter,
                                  document)
from engine.read.xlsx import excel_day

from .form import LoadedForm, Question, get_form, load_forms

TEMPLATE_HEADERS = ("Nr", "Fråga", "Svar", "Enhet", "Hjälp", "Fält")
ANSWER_COLUMN = 3  # C
FIELD_COLUMN = 6  # F
ITEM_SLOTS = 2  # empty item groups (filialer) a blank template offers
MAPPING_TYPES = ("schedule", "counts")  # answers that are a mapping: one cell, or one per part


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
_BARE_NUMBER = re.compile(r"[0-9]{1,9}([.,][0-9]+)?")


class CellValueError(ValueError):
    """A cell that cannot be an answer of its question (Swedish; the caller names the cell)."""


def from_cell(q: Question, value: Any) -> Any:
    """A cell's value as the YAML reader would have given it; pydantic then checks it."""
    if value is None:
        return None
    if q.type == "date":
        return _date_cell(value)
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
    return value


def _date_cell(value: Any) -> Any:
    """A real date cell or ISO text; a bare number is Excel's day number typed or pasted into a
    cell not formatted as a date (pydantic would read it as seconds since 1970)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, bool) or isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) or (isinstance(value, str)
                                            and _BARE_NUMBER.fullmatch(value.strip())):
        text = value.strip() if isinstance(value, str) else format_number(value).replace(" ", "")
        serial = float(text.replace(",", ".")) if isinstance(value, str) else float(value)
        day = excel_day(serial)
        if day is not None and 1990 <= day.year <= 2199:  # a day a form can ask for
            raise CellValueError(f"{text} ser ut som ett Excel-datumnummer: formatera cellen som "
                                 f"datum eller skriv {day.date().isoformat()}")
        raise CellValueError(f"förväntade ett datum som 2024-02-23, fick talet {text}")
    if isinstance(value, dt.time):
        raise CellValueError(f"förväntade ett datum som 2024-02-23, fick klockslaget "
                             f"{value.isoformat()}")
    return value


def from_part(q: Question, value: Any) -> Any:
    """One part of a mapping answer (`bemanning.vakanta_tjanster.lakare`) in a cell of its own."""
    if isinstance(value, float) and q.type == "schedule":
        return format_number(value)
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


def _header_row(sheet: Sheet) -> int | None:
    for r, row in enumerate(sheet.rows[:20]):
        cells = [str(c).strip() if c is not None else "" for c in row]
        if "Svar" in cells and "Fält" in cells:
            return r
    return None


def named_sheet(table: Table, name: str) -> Sheet:
    """The sheet asked for by name (--blad); a hidden one is never read."""
    if not table.workbook:
        raise InputError.single(table.file, "--blad gäller en Excel-arbetsbok; en CSV-fil har "
                                "inga blad")
    for sheet in table.sheets:
        if sheet.name == name:
            if not sheet.visible:
                raise InputError.single(table.file, f"bladet {name} är dolt och läses inte: "
                                        "visa bladet i Excel om det är där svaren står")
            return sheet
    names = ", ".join(s.name for s in table.visible) or "inga"
    raise InputError.single(table.file, f"arbetsboken har inget blad {name} (synliga blad: "
                            f"{names})")


def _hidden_note(table: Table) -> str:
    hidden = [s.name for s in table.sheets if not s.visible]
    return f" (dolda blad läses inte: {', '.join(hidden)})" if hidden else ""


def _template_sheet(table: Table, sheet_name: str | None = None) -> tuple[Sheet, int] | None:
    """The visible sheet laid out as a template (columns Svar and Fält) and its header row;
    None when there is none. Several such sheets need --blad."""
    if sheet_name is not None:
        sheet = named_sheet(table, sheet_name)
        header = _header_row(sheet)
        return (sheet, header) if header is not None else None
    found = [(s, h) for s in table.visible if (h := _header_row(s)) is not None]
    if len(found) > 1:
        raise InputError.single(table.file, "flera blad är ifyllda mallar ("
                                + ", ".join(s.name for s, _ in found)
                                + "): välj ett med --blad NAMN")
    return found[0] if found else None


def is_template(table: Table, sheet_name: str | None = None) -> bool:
    return _template_sheet(table, sheet_name) is not None


def template_form_id(table: Table, sheet_name: str | None = None) -> str | None:
    """The form a filled-in template names in its formular row, if it is a template."""
    found = _template_sheet(table, sheet_name)
    if found is None:
        return None
    _sheet, entries = _template_entries(table, *found)
    value = next((v for k, v, *_ in entries if k == "formular"), None)
    return value.strip() if isinstance(value, str) else None


def _key_text(key: Any) -> str:
    return str(key).strip() if not isinstance(key, Formula) else str(key)


def _template_entries(table: Table, sheet: Sheet, header: int) -> tuple[Sheet, list]:
    """(key, value, row, col, hidden) of every row with a field name under the header."""
    cells = [str(c).strip() if c is not None else "" for c in sheet.rows[header]]
    answer, key_col = cells.index("Svar"), cells.index("Fält")
    entries = []
    for r in range(header + 1, len(sheet.rows)):
        row = sheet.rows[r]
        key = row[key_col] if key_col < len(row) else None
        if key is None:
            continue
        if isinstance(key, Formula):
            raise InputError(table.file, [Problem(
                f"formel i {column_letter(key_col + 1)}{r + 1}: skriv fältets namn", "", None,
                None, cell_name(sheet.name, r + 1, key_col + 1))])
        value = row[answer] if answer < len(row) else None
        entries.append((_key_text(key), value, r + 1, answer + 1, r + 1 in sheet.hidden_rows))
    return sheet, entries


def from_template(table: Table, sheet_name: str | None = None) -> tuple[CellDocument, LoadedForm]:
    """The submission in a filled-in template (the form is named in its formular row). Only
    the visible sheet is read, and of it only the visible rows; a field given twice (a hidden
    row too) is refused."""
    found = _template_sheet(table, sheet_name)
    if found is None:
        where = f"bladet {sheet_name} har" if sheet_name else "inget synligt blad har"
        raise InputError.single(table.file, f"arbetsboken är ingen ifylld mall ({where} "
                                "kolumnerna Svar och Fält); en enkätexport granskas med --form"
                                + _hidden_note(table))
    sheet, header = found
    answer = [str(c).strip() if c is not None else "" for c in sheet.rows[header]].index("Svar")
    _sheet, entries = _template_entries(table, sheet, header)
    visible = [e for e in entries if not e[4]]
    formular = next((v for k, v, *_ in visible if k == "formular"), None)
    row_of = next((r for k, _, r, *_ in visible if k == "formular"), header + 2)
    if isinstance(formular, Formula) or not isinstance(formular, str):
        message = (f"formel i {column_letter(answer + 1)}{row_of}: skriv värdet"
                   if isinstance(formular, Formula) else
                   "mallens formulär saknas (raden formular är tom)")
        raise InputError(table.file, [Problem(message, "formular", None, None,
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
    """entries: (key, value, row, col, hidden). A hidden entry is never read; it only counts
    for a field given twice."""
    by_key = {s.key: s for s in slots(form, _items_data(form, entries))}
    data: dict = {}
    placed: list[tuple[tuple, tuple[int, int]]] = []
    problems = []
    first: dict[str, tuple[int, int, bool]] = {}  # key -> where it was first given
    whole: dict[str, tuple[int, int, bool]] = {}  # a mapping answer given in one cell
    parts: dict[str, tuple[int, int, bool]] = {}  # a mapping answer given part by part
    for key, value, r, c, hidden in entries:
        slot, part = by_key.get(key), None
        if slot is None and "." in key:
            head, tail = key.rsplit(".", 1)
            if head in by_key and by_key[head].question.type in MAPPING_TYPES and tail:
                slot, part = by_key[head], tail
        if slot is None:
            if hidden:
                continue  # a hidden row is not read: only a repeated field matters
            hint = difflib.get_close_matches(key, list(by_key), n=1, cutoff=0.6)
            problems.append(Problem(f"okänt fält '{key}'" + (f" (menade du {hint[0]}?)" if hint else ""),
                                    key, None, None, cell_name(sheet, r, c)))
            continue
        here = (r, c, hidden)
        twice = first.get(key)
        if twice is None and slot.question.type in MAPPING_TYPES:
            twice = (whole if part is not None else parts).get(slot.key)
        if twice is not None:
            problems.append(Problem(f"fältet {key} anges två gånger: i {_at(sheet, twice)} och i "
                                    f"{_at(sheet, here)}", key, None, None, cell_name(sheet, r, c)))
            continue
        first[key] = here
        (parts if part is not None else whole).setdefault(slot.key, here)
        if hidden or value is None:
            continue
        if isinstance(value, Formula):
            problems.append(Problem(f"formel i {column_letter(c)}{r}: skriv värdet", key, None,
                                    None, cell_name(sheet, r, c)))
            continue
        try:
            v = from_cell(slot.question, value) if part is None else from_part(slot.question, value)
        except CellValueError as exc:
            problems.append(Problem(str(exc), key, None, None, cell_name(sheet, r, c)))
            continue
        if v is None:
            continue
        path = slot.path if part is None else slot.path + (part,)
        _put(data, path, v)
        placed.append((path, (r, c)))
    if problems:
        raise InputError(table.file, problems)
    for key, value in (defaults or {}).items():
        if _get(data, key) is None:
            _put(data, tuple(key.split(".")), value)
    _compact_items(data, form)
    return document(table.file, data, sheet, _positions(placed), table.sha256, source_row)


def _at(sheet: str, where: tuple[int, int, bool]) -> str:
    r, c, hidden = where
    return cell_name(sheet, r, c) + (" (dold)" if hidden else "")


def _items_data(form: LoadedForm, entries: list) -> dict:
    """Enough of the data to know how many item groups the cells use."""
    data: dict = {}
    for q in form.form.questions:
        if q.type == "items":
            n = 0
            for key, *_ in entries:
                key = str(key)
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


def export_sheet(table: Table, sheet_name: str | None = None) -> Sheet:
    """The sheet of a survey export: the one named (--blad), else its one visible sheet with
    data. Hidden and very hidden sheets are never read."""
    if sheet_name is not None:
        return named_sheet(table, sheet_name)
    used = [s for s in table.visible if s.rows]
    if not used:
        raise InputError.single(table.file, "exporten är tom (ingen rad med rubriker)"
                                + _hidden_note(table))
    if len(used) > 1:
        raise InputError.single(table.file, "exporten har flera blad med uppgifter ("
                                + ", ".join(s.name for s in used) + "): välj ett med --blad NAMN")
    return used[0]


def _mapping_part(key: str, mapping_keys: set[str]) -> str | None:
    """`bemanning.vakanta_tjanster.lakare` -> `bemanning.vakanta_tjanster` when that answer is a
    mapping (one column per part, as survey tools export a question with several numbers)."""
    if "." not in key:
        return None
    head, tail = key.rsplit(".", 1)
    return head if head in mapping_keys and tail else None


def export_columns(table: Table, form: LoadedForm,
                   sheet_name: str | None = None) -> tuple[Sheet, dict[int, str]]:
    """The export's sheet and its visible columns -> answer keys; unknown headings are refused,
    each with a suggestion; two columns for the same answer (a hidden one too, or a mapping
    answer both whole and part by part) are refused, naming both."""
    sheet = export_sheet(table, sheet_name)
    all_slots = slots(form, _wide_items(form, sheet.rows[0]))
    keys = [s.key for s in all_slots]
    mapping_keys = {s.key for s in all_slots if s.question.type in MAPPING_TYPES}
    headings = _headings(form, keys)
    columns, problems, seen = {}, [], {}
    for c, head in enumerate(sheet.rows[0]):
        if head is None:
            continue
        hidden = c + 1 in sheet.hidden_cols
        if isinstance(head, Formula):
            problems.append(Problem(f"formel i {column_letter(c + 1)}1: skriv rubriken", "", None,
                                    None, cell_name(sheet.name, 1, c + 1)))
            continue
        text = str(head).strip()
        key = headings.get(text) or headings.get(_norm(text))
        whole = _mapping_part(text, mapping_keys) if key is None else None
        if whole is not None:
            key = text
        if key is None:
            if hidden:
                continue  # a hidden column is not read
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
        clash = seen.get(key)
        if clash is None and whole is not None:
            clash = seen.get(whole)  # the whole answer in a column of its own
        if clash is None and key in mapping_keys:
            clash = next((seen[k] for k in seen if _mapping_part(k, mapping_keys) == key), None)
        if clash is not None:
            problems.append(Problem(f"kolumnen '{text}' anger samma svar ({whole or key}) som kolumn "
                                    f"{cell_name(sheet.name, 1, clash + 1)}"
                                    + (" (dold)" if clash + 1 in sheet.hidden_cols or hidden else ""),
                                    key, None, None, cell_name(sheet.name, 1, c + 1)))
            continue
        seen[key] = c
        if not hidden:
            columns[c] = key
    if problems:
        raise InputError(table.file, problems)
    return sheet, columns


def _wide_items(form: LoadedForm, header: list) -> dict:
    keys = [str(h).strip() for h in header if h is not None]
    return _items_data(form, [(k,) for k in keys])


def export_rows(table: Table, form: LoadedForm, sheet_name: str | None = None) -> list[int]:
    """The 1-based rows of the export that hold a unit (hidden rows are not read). The same
    unit twice (HSA-id and period) is refused, naming both rows."""
    sheet, columns = export_columns(table, form, sheet_name)
    rows = [r + 1 for r in range(1, len(sheet.rows))
            if r + 1 not in sheet.hidden_rows
            and any(v is not None for c, v in enumerate(sheet.rows[r]) if c in columns)]
    _refuse_twice(table, sheet, columns, rows, form)
    return rows


def _refuse_twice(table: Table, sheet: Sheet, columns: dict[int, str], rows: list[int],
                  form: LoadedForm) -> None:
    by_key = {key: c for c, key in columns.items()}
    hsa_col, period_col = by_key.get("enhet.hsa_id"), by_key.get("period")
    if hsa_col is None:
        return
    seen: dict[tuple, int] = {}
    problems = []
    for r in rows:
        values = sheet.rows[r - 1]
        hsa = values[hsa_col] if hsa_col < len(values) else None
        if not isinstance(hsa, str) or not hsa.strip():
            continue
        period = values[period_col] if period_col is not None and period_col < len(values) else None
        unit = (hsa.strip().upper(), str(period if period is not None else form.form.year).strip())
        if unit in seen:
            problems.append(Problem(f"enheten {hsa.strip()} (period {unit[1]}) finns på två rader: "
                                    f"rad {seen[unit]} och rad {r}; ta bort den ena",
                                    "enhet.hsa_id", None, None, cell_name(sheet.name, r, hsa_col + 1)))
            continue
        seen[unit] = r
    if problems:
        raise InputError(table.file, problems)


def from_export_row(table: Table, form: LoadedForm, row: int,
                    sheet_name: str | None = None) -> CellDocument:
    sheet, columns = export_columns(table, form, sheet_name)
    values = sheet.rows[row - 1]
    entries = [(key, values[c] if c < len(values) else None, row, c + 1, False)
               for c, key in columns.items()]
    defaults = {"formular": form.form.id, "period": form.form.year}
    defaults.update({q.field: form.form.region for q in form.form.questions
                     if q.fixed and q.field == "enhet.region"})
    return _document(table, sheet.name, form, entries, row, defaults)


def known_forms() -> list[str]:
    return sorted(load_forms())
