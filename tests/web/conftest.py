"""A small county in a kravliggare, users of each role, and the app over a copy of it."""

from __future__ import annotations

import re
import shutil
import sqlite3

import pytest

from ..support import EXAMPLE, RULEBOOKS, variant

OTHER = "SE2321000207-E00000000099"
UNIT = "SE2321000207-E00000000042"  # the example's HSA-id
EVIL = "<script>alert('x')</script> Hälsocentralen Ond"
PASSWORDS = {"admin": "admin-losenord-1", "hanna": "hanna-losenord-1", "lars": "lars-losenord-1",
             "enhet42": "enhet-losenord-1"}


@pytest.fixture(scope="session")
def county(tmp_path_factory, books):
    """The example unit and a second unit whose name holds markup, registered 2024-04-02."""
    import datetime as dt

    from engine.evaluate.evaluation import check, load_submission
    from engine.followup.demands import register
    from engine.followup.ledger import Ledger
    from engine.web.store import Store

    folder = tmp_path_factory.mktemp("county")
    other = variant(folder, {"enhet.hsa_id": OTHER, "enhet.namn": EVIL}, "ond.yaml")
    path = folder / "kravliggare.sqlite"
    day = dt.date(2024, 4, 2)
    with Ledger(path, create=True) as ledger:
        for f in (EXAMPLE, other):
            register(ledger, check(load_submission(str(f)), books, day), day)
    store = Store(path)
    store.add_user("admin", "admin", PASSWORDS["admin"])
    store.add_user("hanna", "handlaggare", PASSWORDS["hanna"])
    store.add_user("lars", "lasare", PASSWORDS["lars"])
    store.add_user("enhet42", "enhet", PASSWORDS["enhet42"], UNIT)
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


@pytest.fixture
def ledger(county, tmp_path):
    target = tmp_path / "kravliggare.sqlite"
    shutil.copy(county, target)
    return target


@pytest.fixture
def app(ledger):
    from engine.web.app import create_app

    return create_app(ledger, rulebooks=str(RULEBOOKS))


def token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def signed_in(app, name: str):
    """A test client signed in as `name` (with a fresh CSRF token on .csrf)."""
    client = app.test_client()
    t = token(client.get("/logga-in").text)
    r = client.post("/logga-in", data={"namn": name, "losenord": PASSWORDS[name], "csrf_token": t})
    assert r.status_code == 302, r.text
    client.csrf = token(client.get("/egenkontroll" if name == "enhet42" else "/idag").text)
    return client
