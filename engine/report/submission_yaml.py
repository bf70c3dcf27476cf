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


def to_yaml(data: dict, form: LoadedForm, header: str) -> str:
    body = yaml.safe_dump(_plain(data), allow_unicode=True, sort_keys=False, width=100)
    return f"# {form.form.title} {form.form.year} – {form.form.region}\n# {header}\n\n{body}"


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


def export_yaml(table, form: LoadedForm):
    """Each unit row of a survey export as the YAML file `kravkoll import` writes: yields
    (file name, text) or, for a row that cannot be read, (None, the InputError)."""
    from engine.errors import InputError
    from engine.evaluate.evaluation import path_label
    from engine.model.form_cells import export_rows, from_export_row, validate_cells

    names: set[str] = set()
    for row in export_rows(table, form):
        try:
            doc = from_export_row(table, form, row)
            doc.file = path_label(table.file, row)
            sub = validate_cells(doc, form)
        except InputError as exc:
            yield None, exc
            continue
        name = file_name(sub, names)
        header = f"Ur {table.file}, rad {row} (blad {doc.sheet}), formulär {form.form.id}."
        yield name, to_yaml(doc.data, form, header)
