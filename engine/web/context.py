"""What every page of the workspace reads from the request it serves: the application's
kravliggare and store, today's date, the signed-in user's rights, the audit log, and form
numbers. The application (app.py) and the pages (pages_*.py) both import it; it imports
neither, so the pages never reach back into the application."""

from __future__ import annotations

import datetime as dt
import functools

from flask import abort
from flask_login import current_user, login_required

from .store import Store

# The leadership summary and the trend page are the command line's self-contained documents
# (`check --format ledning`, `trend --format html`), served as they are: their own inline CSS
# and SVG, still no script at all, nothing from elsewhere and no form.
DOCUMENT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                "form-action 'none'; frame-ancestors 'none'; base-uri 'none'")


def ctx() -> dict:
    from flask import current_app

    return current_app.extensions["kravkoll"]


def store() -> Store:
    return ctx()["store"]


def today_() -> dt.date:
    return ctx()["today"]()


def needs(what: str):
    """The signed-in user may do `what` (store.User.may), or 403."""
    def wrap(view):
        @functools.wraps(view)
        @login_required
        def inner(*args, **kwargs):
            if not current_user.may(what):
                abort(403)
            return view(*args, **kwargs)
        return inner
    return wrap


def unit_allowed(hsa_id: str) -> None:
    """A user of role enhet sees its own unit only."""
    if current_user.role == "enhet" and current_user.hsa_id != hsa_id:
        abort(403)
    if current_user.role == "enhet":
        return
    if not current_user.may("read"):
        abort(403)


def audit(action: str, target: str, detail: str = "") -> None:
    store().audit(current_user.name, action, target, detail)


def as_int(value, label: str, low: int | None = None, high: int | None = None,
           required: bool = True) -> int | None:
    """A whole number from a form field, or one Swedish message naming the field."""
    from engine.errors import UsageError

    text = (value or "").strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        if required:
            raise UsageError.single(None, f"{label}: ange ett heltal")
        return None
    if not (text.isascii() and text.lstrip("-").isdigit()):
        raise UsageError.single(None, f"{label}: '{value}' är inget heltal")
    n = int(text)
    if (low is not None and n < low) or (high is not None and n > high):
        raise UsageError.single(None, f"{label}: {n} ligger utanför {low}–{high}")
    return n
