"""The region's workspace in a browser: a Flask application over the kravliggare.

Flask (sessions, templates), Flask-WTF (a CSRF token on every form, refused without it),
Flask-Login (who is signed in), Jinja2 pages rendered on the server with no script at all.
Every page reads what the command line reads (followup, report), every write goes through
followup/actions.py as `kravkoll demands …` does, with the signed-in user recorded.

Security (as a region's IT department tests it): argon2 password hashes; session cookies
HttpOnly, SameSite=Lax and Secure when served over TLS (`https`); a Content-Security-Policy
that allows no inline script or style and nothing from elsewhere; sign-in attempts limited per
name and per address; uploads capped; files fetched by an unguessable token, never a path; a
user of role `enhet` sees its own unit only (403 for anything else).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from engine.errors import InputError

from .context import today_
from .state import Views
from .store import Store

MAX_UPLOAD = 10 * 1024 * 1024  # a filled template is ~100 kB; a county's export a few MB
SIGNIN_LIMIT = 5  # failed attempts per name and per address …
SIGNIN_WINDOW_S = 15 * 60  # … within 15 minutes

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


def create_app(ledger: str | Path, *, rulebooks: str | None = None, https: bool = False,
               proxy_user_header: str | None = None, today=None) -> Flask:
    """The application over the kravliggare at `ledger` (made if it does not exist).

    `proxy_user_header`: take the signed-in user from this request header, set by a trusted
    reverse proxy after the region's single sign-on (off unless given; see README)."""
    app = Flask(__name__)
    store = Store(ledger)
    app.config.update(
        SECRET_KEY=store.secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        SESSION_COOKIE_NAME="kravkoll_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=https,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=10),
        MAX_CONTENT_LENGTH=MAX_UPLOAD,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        WTF_CSRF_SSL_STRICT=https,
    )
    app.extensions["kravkoll"] = {
        "store": store, "views": Views(Path(ledger), store), "ledger": Path(ledger),
        "rulebooks": rulebooks, "https": https, "proxy_user_header": proxy_user_header,
        "today": today or dt.date.today,
    }
    CSRFProtect(app)
    login = LoginManager(app)
    login.login_view = "signin"
    login.login_message = "Logga in för att se sidan."
    login.session_protection = "strong"

    @login.user_loader
    def _load(user_id):
        return store.user(user_id)

    if proxy_user_header:
        @login.request_loader
        def _from_proxy(req):
            name = req.headers.get(proxy_user_header)
            return store.user_named(name) if name else None

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "same-origin"
        resp.headers.setdefault("Cache-Control", "no-store")
        if https:
            resp.headers["Strict-Transport-Security"] = "max-age=31536000"
        return resp

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return _error(400, "Formuläret saknar en giltig säkerhetstoken (CSRF). Ladda om sidan "
                      "och försök igen.")

    @app.errorhandler(413)
    def _too_big(exc):
        return _error(413, f"Filen är för stor (högst {MAX_UPLOAD // (1024 * 1024)} MB).")

    @app.errorhandler(403)
    def _forbidden(exc):
        return _error(403, "Du har inte behörighet till den här sidan.")

    @app.errorhandler(404)
    def _missing(exc):
        return _error(404, "Sidan finns inte.")

    @app.errorhandler(405)
    def _method(exc):
        return _error(405, "Det går inte att göra så här på den här sidan.")

    @app.errorhandler(InputError)
    def _input(exc):
        return _error(400, str(exc))

    @app.context_processor
    def _globals():
        return {"me": current_user, "today": today_(), "nav": _nav()}

    _auth_routes(app, store)
    from . import pages_admin, pages_docs, pages_intake, pages_work

    for module in (pages_work, pages_intake, pages_docs, pages_admin):
        module.register(app)
    return app


# --- helpers the page modules use ---------------------------------------------------------------

def _error(status: int, message: str):
    return render_template("error.html", status=status, message=message), status


def _nav() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    if current_user.role == "enhet":
        return [("egenkontroll", "Egenkontroll")]
    items = [("idag", "Idag"), ("lanet", "Länet"), ("brev", "Brev"), ("ledning", "Ledning"),
             ("trender", "Trender"), ("regelbok", "Regelbok")]
    if current_user.may("decide"):
        items.insert(2, ("inlamning", "Inlämning"))
    if current_user.may("admin"):
        items += [("granskningslogg", "Granskningslogg"), ("anvandare", "Användare")]
    return items


def _client() -> str:
    return request.remote_addr or "okänd"


def _auth_routes(app: Flask, store: Store) -> None:
    @app.get("/")
    def home():
        if not current_user.is_authenticated:
            return redirect(url_for("signin"))
        if current_user.role == "enhet":
            return redirect(url_for("egenkontroll"))
        return redirect(url_for("idag"))

    @app.route("/logga-in", methods=["GET", "POST"])
    def signin():
        error, status = None, 200
        name = ""
        if request.method == "POST":
            name = request.form.get("namn", "").strip()
            password = request.form.get("losenord", "")
            keys = [f"namn:{name.lower()}", f"adress:{_client()}"]
            now = time.time()
            if store.attempts(keys, SIGNIN_WINDOW_S, now) >= SIGNIN_LIMIT:
                error, status = ("För många misslyckade inloggningar. Vänta en kvart och försök "
                                 "igen."), 429
            else:
                user = store.verify(name, password) if name and password else None
                if user is None:
                    store.failed(keys, now)
                    error, status = "Fel användarnamn eller lösenord.", 401
                else:
                    from flask import session

                    session.clear()
                    login_user(user)
                    store.audit(user.name, "inloggning", "", f"från {_client()}")
                    return redirect(url_for("home"))
        return render_template("signin.html", error=error, name=name), status

    @app.post("/logga-ut")
    @login_required
    def signout():
        store.audit(current_user.name, "utloggning", "", "")
        logout_user()
        flash("Du är utloggad.")
        return redirect(url_for("signin"))

    @app.get("/static-check")
    def _alive():
        return "ok"
