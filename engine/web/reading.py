"""How the web reads an uploaded file: the one place, so that the strict reader `kravkoll check`
uses (engine/evaluate/evaluation.load_submission, engine/read/workbook) is the web's too; when
that reader changes, this is the only function to point elsewhere."""

from __future__ import annotations

from pathlib import Path

from engine.evaluate.evaluation import export_paths, load_submission


def read_upload(path: str, form_id: str | None = None) -> list:
    """The submissions in the file at `path`: one for an årsbokslut (YAML) or a filled
    template (.xlsx), one per row for a survey export (CSV or Excel) of form `form_id`.
    Bad input raises InputError with file, sheet/cell or line, field and what was expected."""
    if form_id:
        return [load_submission(p) for p in export_paths([path], form_id)]
    return [load_submission(path)]


def read_export_rows(path: Path, form_id: str) -> list:
    """A survey export's rows as the YAML files `kravkoll import` writes (beside the kept
    upload, once), read back as submissions to register: each with a content of its own, as
    `kravkoll demands register` registers imported files. A bad row refuses the whole file."""
    from engine.model.form import get_form
    from engine.read.workbook import read_table
    from engine.report.submission_yaml import export_yaml

    folder = path.with_name(path.name + ".import")
    folder.mkdir(exist_ok=True)
    out = []
    for name, text in export_yaml(read_table(str(path)), get_form(form_id)):
        if name is None:
            raise text  # the row's InputError
        target = folder / name
        if not target.exists():
            target.write_text(text, encoding="utf-8")
        out.append(load_submission(str(target)))
    return out
