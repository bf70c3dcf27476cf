"""How the web reads an uploaded file: the one place, so that the strict reader `kravkoll check`
uses (engine/evaluate/evaluation.load_submission, engine/read/workbook) is the web's too; when
that reader changes, this is the only function to point elsewhere."""

from __future__ import annotations

from engine.evaluate.evaluation import export_paths, load_submission


def read_upload(path: str, form_id: str | None = None) -> list:
    """The submissions in the file at `path`: one for an årsbokslut (YAML) or a filled
    template (.xlsx), one per row for a survey export (CSV or Excel) of form `form_id`.
    Bad input raises InputError with file, sheet/cell or line, field and what was expected."""
    if form_id:
        return [load_submission(p) for p in export_paths([path], form_id)]
    return [load_submission(path)]
