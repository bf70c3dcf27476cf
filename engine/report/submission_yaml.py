"""A submission read from spreadsheet cells, written as the YAML file a unit could have sent
(`kravkoll import`): the form's order, a comment saying where it came from."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import yaml

from engine.model.form import LoadedForm


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def comment_text(text: str) -> str:
    """Text that stays inside one YAML comment line: line breaks (also U+2028/U+2029/NEL),
    control and direction characters written as escapes (a sheet name with a newline would
    otherwise add keys to the file)."""
    return "".join(ch if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp")
                   else ch.encode("unicode_escape").decode("ascii") for ch in text)


def to_yaml(data: dict, form: LoadedForm, header: str) -> str:
    body = yaml.safe_dump(_plain(data), allow_unicode=True, sort_keys=False, width=100)
    title = comment_text(f"{form.form.title} {form.form.year} – {form.form.region}")
    return f"# {title}\n# {comment_text(header)}\n\n{body}"


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "enhet"


def file_name(sub: Any, taken: set[str]) -> str:
    """`<namn>.yaml` from the unit's name, made unique within one import."""
    name = slug(sub.enhet.namn.removeprefix("Hälsocentralen ").removeprefix("Hälsocentral "))
    candidate, n = f"{name}.yaml", 2
    while candidate in taken:
        candidate, n = f"{name}-{n}.yaml", n + 1
    taken.add(candidate)
    return candidate


def export_yaml(table, form: LoadedForm, sheet: str | None = None):
    """Each unit of a survey export (a row) or a filled-in template (its one unit) as the YAML
    file `kravkoll import` writes: yields (file name, text) or, for a unit that cannot be read,
    (None, the InputError)."""
    from engine.errors import InputError
    from engine.evaluate.evaluation import path_label, template_of
    from engine.model.form_cells import export_rows, from_export_row, from_template, validate_cells

    template = template_of(table, form, sheet)
    names: set[str] = set()
    for row in [None] if template else export_rows(table, form, sheet):
        try:
            if template:
                doc, _ = from_template(table, sheet)
            else:
                doc = from_export_row(table, form, row, sheet)
                doc.file = path_label(table.file, row)
            sub = validate_cells(doc, form)
        except InputError as exc:
            yield None, exc
            continue
        name = file_name(sub, names)
        where = f"rad {row}, " if row is not None else ""
        header = f"Ur {table.file}, {where}blad {doc.sheet}, formulär {form.form.id}."
        yield name, to_yaml(doc.data, form, header)
