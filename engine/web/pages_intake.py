"""Inlämning (upload → findings as a preview → register with an as-of date) and Egenkontroll
(a unit's own self-check: its template's findings, nothing registered)."""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine.errors import InputError
from engine.followup import actions
from engine.followup.ledger import Ledger

from .context import audit, ctx, needs, store, today_
from .pages_work import _plan_path, _safe_name
from .reading import read_export_rows, read_upload

SUFFIXES = (".yaml", ".yml", ".xlsx", ".xlsm", ".csv")
_books_lock = threading.Lock()


def register(app) -> None:
    app.add_url_rule("/inlamning", "inlamning", inlamning, methods=["GET", "POST"])
    app.add_url_rule("/inlamning/registrera", "registrera", registrera, methods=["POST"])
    app.add_url_rule("/egenkontroll", "egenkontroll", egenkontroll, methods=["GET", "POST"])


def books():
    """The rulebooks, loaded once per process (as `kravkoll check` loads them)."""
    c = ctx()
    with _books_lock:
        if "books" not in c:
            from engine.model.library import default_folder, load_library

            c["books"] = load_library(c["rulebooks"] or default_folder())
    return c["books"]


def _forms() -> list[str]:
    from engine.model.form import load_forms

    return sorted(load_forms())


def _check_all(path: str, form_id: str | None, as_of=None) -> list:
    from engine.evaluate.evaluation import check

    return [check(sub, books(), as_of) for sub in read_upload(path, form_id)]


def _uploaded(field: str = "fil"):
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        raise InputError.single(None, "Fil: välj en fil att ladda upp")
    name = _safe_name(upload.filename)
    if not name.lower().endswith(SUFFIXES):
        raise InputError.single(name, "filen ska vara ett årsbokslut (.yaml), en ifylld mall "
                                "(.xlsx) eller en enkätexport (.csv, .xlsx)")
    return name, upload.read()


def _shown(exc: InputError, folder: str) -> str:
    """The message names the file as it was uploaded, not where it was kept meanwhile."""
    return str(exc).replace(folder.rstrip("/") + "/", "")


@needs("decide")
def inlamning():
    forms = _forms()
    if request.method == "GET":
        return render_template("inlamning.html", forms=forms, results=None, error=None)
    form_id = request.form.get("formular") or None
    if form_id is not None and form_id not in forms:
        abort(400)
    try:
        name, content = _uploaded()
    except InputError as exc:
        return render_template("inlamning.html", forms=forms, results=None, error=str(exc)), 400
    row = store().add_file(kind="inlamning", name=name, content=content,
                           user=current_user.name, hsa_id=None)
    path = _plan_path(row)
    try:
        results = _check_all(str(path), form_id)
    except InputError as exc:
        return render_template("inlamning.html", forms=forms, results=None,
                               error=_shown(exc, str(path.parent))), 400
    audit("förhandsgranskning", name, f"{len(results)} enheter")
    return render_template("inlamning.html", forms=forms, results=results, error=None,
                           token=row["token"], name=name, form_id=form_id or "")


@needs("decide")
def registrera():
    token = request.form.get("token", "")
    row = store().file(token)
    if row is None or row["kind"] != "inlamning":
        abort(404)
    form_id = request.form.get("formular") or None
    try:
        decided = actions.recorded(request.form.get("per") or None, "Beslutsdag") or today_()
        from engine.evaluate.evaluation import check
        from engine.followup.demands import register as register_check

        path = _plan_path(row)
        if form_id:
            # each row as the YAML file `kravkoll import` writes, registered as
            # `kravkoll demands register` registers those (a row has no content of its own)
            subs = read_export_rows(path, form_id)
        else:
            subs = read_upload(str(path))
        done = []
        with Ledger(ctx()["ledger"], create=True) as ledger:
            with actions.attributed(ledger, current_user.name):
                for sub in subs:
                    r = register_check(ledger, check(sub, books(), decided), decided)
                    done.append(r)
    except InputError as exc:
        return render_template("inlamning.html", forms=_forms(), results=None,
                               error=str(exc)), 400
    units = sorted({r.result.submission.model.enhet.hsa_id for r in done})
    if len(units) == 1:
        store().set_file_unit(token, units[0])
    changed = sum(len([c for c in r.changes if not c.noop]) for r in done)
    audit("registrering", row["name"], f"beslutsdag {decided}; {len(done)} årsbokslut; "
          f"{changed} ändringar i kravliggaren; enheter {', '.join(units)}")
    already = all(r.already for r in done)
    flash(f"{row['name']}: " + ("redan registrerat; ingenting ändrades." if already else
                                f"registrerat med beslutsdag {decided} ({len(done)} årsbokslut, "
                                f"{changed} ändringar i kravliggaren)."))
    if len(units) == 1:
        return redirect(url_for("enhet", hsa_id=units[0]))
    return redirect(url_for("idag"))


def egenkontroll():
    """The unit's own check of its filled template: the findings, nothing kept or registered."""
    if not current_user.is_authenticated:
        return ctx_login()
    if current_user.role != "enhet":
        abort(403)
    if request.method == "GET":
        return render_template("egenkontroll.html", result=None, error=None)
    folder = tempfile.mkdtemp(prefix="kravkoll-egen-")
    try:
        name, content = _uploaded()
        if name.lower().endswith(".csv"):
            raise InputError.single(name, "ladda upp den ifyllda mallen (.xlsx) eller "
                                    "årsbokslutet (.yaml), inte en enkätexport")
        path = Path(folder) / name
        path.write_bytes(content)
        (result,) = _check_all(str(path), None)
        unit = result.submission.model.enhet.hsa_id
        if unit.upper() != (current_user.hsa_id or "").upper():
            audit("egenkontroll nekad", name, f"filen gäller {unit}")
            return render_template("error.html", status=403,
                                   message="Filen gäller en annan enhet än din; den granskas "
                                           "inte."), 403
        result.submission.path = name
    except InputError as exc:
        return render_template("egenkontroll.html", result=None,
                               error=_shown(exc, folder)), 400
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    audit("egenkontroll", name, current_user.hsa_id or "")
    return render_template("egenkontroll.html", result=result, error=None)


def ctx_login():
    from flask import current_app

    return current_app.login_manager.unauthorized()
