"""Granskningslogg (who did what and when) and Användare (admin)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine.errors import InputError

from .context import audit, needs, store
from .store import ROLE_SPELLINGS, ROLES


def register(app) -> None:
    app.add_url_rule("/granskningslogg", "granskningslogg", granskningslogg)
    app.add_url_rule("/anvandare", "anvandare", anvandare, methods=["GET", "POST"])
    app.add_url_rule("/anvandare/<int:user_id>/<what>", "anvandare_status", anvandare_status,
                     methods=["POST"])


@needs("admin")
def granskningslogg():
    return render_template("granskningslogg.html", rows=store().audit_log())


@needs("admin")
def anvandare():
    error, status = None, 200
    if request.method == "POST":
        name = request.form.get("namn", "")
        role = ROLE_SPELLINGS.get(request.form.get("roll", ""), "")
        hsa = (request.form.get("hsa_id") or "").strip().upper() or None
        try:
            from engine.followup.actions import hsa as check_hsa

            if hsa:
                check_hsa(hsa)
            user = store().add_user(name, role, request.form.get("losenord", ""), hsa)
        except InputError as exc:
            error, status = str(exc), 400
        else:
            audit("ny användare", user.name, user.role + (f" {user.hsa_id}" if user.hsa_id else ""))
            flash(f"Användaren {user.name} ({ROLES[user.role]}) är skapad.")
            return redirect(url_for("anvandare"))
    return render_template("anvandare.html", users=store().users(), roles=ROLES, error=error), status


@needs("admin")
def anvandare_status(user_id: int, what: str):
    if what not in ("inaktivera", "aktivera"):
        abort(404)
    if user_id == current_user.id:
        abort(400)
    store().set_active(user_id, what == "aktivera")
    audit(what, str(user_id), "")
    return redirect(url_for("anvandare"))
