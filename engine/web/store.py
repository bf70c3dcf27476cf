"""The web's own tables, in the kravliggare's SQLite file: users, the audit log, uploaded files,
sign-in attempts and the session key.

One file holds everything a region backs up. The ledger's schema (followup/ledger.py) is left
as it is: these tables are made beside it (CREATE TABLE IF NOT EXISTS, under a write lock) the
first time the web or `kravkoll users add` opens the file, and the ledger's own check of a file
(its tables, its version) does not look at them. Every write is one short transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InputError

ROLES = {"admin": "administratör", "handlaggare": "handläggare", "lasare": "läsare",
         "enhet": "enhet"}
# Spellings a person types on the command line, to the role's name.
ROLE_SPELLINGS = {"admin": "admin", "administratör": "admin", "administrator": "admin",
                  "handlaggare": "handlaggare", "handläggare": "handlaggare",
                  "lasare": "lasare", "läsare": "lasare", "enhet": "enhet"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS web_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS web_users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'handlaggare', 'lasare', 'enhet')),
    hsa_id TEXT,
    password TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    CHECK ((role = 'enhet') = (hsa_id IS NOT NULL))
);
CREATE TABLE IF NOT EXISTS web_audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS web_audit_append_only_update BEFORE UPDATE ON web_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS web_audit_append_only_delete BEFORE DELETE ON web_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE IF NOT EXISTS web_files (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    hsa_id TEXT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    user TEXT NOT NULL,
    at TEXT NOT NULL,
    content BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS web_signin (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS web_signin_key ON web_signin (key, at);
"""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    hsa_id: str | None

    # Flask-Login's protocol
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    def may(self, what: str) -> bool:
        """read: the county's pages; decide: record and register; admin: users and audit."""
        if what == "read":
            return self.role in ("admin", "handlaggare", "lasare")
        if what == "decide":
            return self.role in ("admin", "handlaggare")
        if what == "admin":
            return self.role == "admin"
        if what == "self_check":
            return self.role == "enhet"
        return False


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id with the library's current recommended parameters


class Store:
    """The web's tables. One connection per thread (SQLite connections stay in their thread)."""

    def __init__(self, ledger_path: str | Path):
        from engine.followup.ledger import Ledger

        self.path = Path(ledger_path)
        # The ledger's own checks (another program's file, a damaged one, a newer version) run
        # first; an empty file or none becomes a kravliggare, as `demands register` makes it.
        Ledger(self.path, create=True).close()
        self._local = threading.local()
        with self.write() as db:
            for statement in _statements(SCHEMA):
                db.execute(statement)

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(str(self.path), timeout=60.0, isolation_level=None,
                                 check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA foreign_keys = ON")
            self._local.db = db
        return db

    def write(self):
        return _Tx(self._db())

    def read(self, sql: str, args=()) -> list[sqlite3.Row]:
        return self._db().execute(sql, args).fetchall()

    # --- session key --------------------------------------------------------------------------

    def secret_key(self) -> str:
        """Made once per file, so sessions outlive a restart and every process agrees."""
        with self.write() as db:
            row = db.execute("SELECT value FROM web_meta WHERE key = 'secret_key'").fetchone()
            if row:
                return row[0]
            key = secrets.token_hex(32)
            db.execute("INSERT INTO web_meta VALUES ('secret_key', ?)", (key,))
            return key

    # --- users --------------------------------------------------------------------------------

    def user_count(self) -> int:
        return self.read("SELECT COUNT(*) FROM web_users")[0][0]

    def add_user(self, name: str, role: str, password: str, hsa_id: str | None = None) -> User:
        """A new user; the first user of a file is an admin, whatever role was asked for."""
        name = name.strip()
        if not name or len(name) > 80 or any(ch.isspace() or not ch.isprintable() for ch in name):
            raise InputError.single(None, f"'{name}' duger inte som användarnamn: ett ord utan "
                                    "mellanslag, högst 80 tecken")
        if role not in ROLES:
            raise InputError.single(None, f"okänd roll '{role}'; roller: {', '.join(ROLES)}")
        if (role == "enhet") != (hsa_id is not None):
            raise InputError.single(None, "rollen enhet hör till en enhet: ange --hsa-id "
                                    "(och bara för rollen enhet)")
        if len(password) < 8:  # NIST SP 800-63B: at least 8; length, not composition rules
            raise InputError.single(None, "lösenordet ska ha minst 8 tecken")
        digest = _hasher().hash(password)
        with self.write() as db:
            if db.execute("SELECT 1 FROM web_users WHERE name = ?", (name,)).fetchone():
                raise InputError.single(None, f"användaren {name} finns redan")
            if not db.execute("SELECT 1 FROM web_users LIMIT 1").fetchone():
                role, hsa_id = "admin", None
            cur = db.execute("INSERT INTO web_users (name, role, hsa_id, password) VALUES "
                             "(?, ?, ?, ?)", (name, role, hsa_id, digest))
            return User(cur.lastrowid, name, role, hsa_id)

    def user(self, user_id) -> User | None:
        try:
            rows = self.read("SELECT * FROM web_users WHERE id = ? AND active = 1", (int(user_id),))
        except (TypeError, ValueError):
            return None
        return _user(rows[0]) if rows else None

    def user_named(self, name: str) -> User | None:
        rows = self.read("SELECT * FROM web_users WHERE name = ? AND active = 1", (name,))
        return _user(rows[0]) if rows else None

    def users(self) -> list[sqlite3.Row]:
        return self.read("SELECT id, name, role, hsa_id, active FROM web_users ORDER BY name")

    def set_active(self, user_id: int, active: bool) -> None:
        with self.write() as db:
            db.execute("UPDATE web_users SET active = ? WHERE id = ?", (int(active), user_id))

    def verify(self, name: str, password: str) -> User | None:
        """The user whose password this is; None otherwise (the time taken is the same for an
        unknown name: a hash is verified either way)."""
        from argon2.exceptions import Argon2Error, InvalidHashError

        rows = self.read("SELECT * FROM web_users WHERE name = ? AND active = 1", (name,))
        hasher = _hasher()
        digest = rows[0]["password"] if rows else _DUMMY.get()
        try:
            ok = hasher.verify(digest, password)
        except (Argon2Error, InvalidHashError):
            ok = False
        if not rows or not ok:
            return None
        if hasher.check_needs_rehash(digest):
            with self.write() as db:
                db.execute("UPDATE web_users SET password = ? WHERE id = ?",
                           (hasher.hash(password), rows[0]["id"]))
        return _user(rows[0])

    # --- sign-in attempts ---------------------------------------------------------------------

    def attempts(self, keys: list[str], window_s: float, now: float) -> int:
        """Failed sign-ins within the window, the most for any of the keys (a name, an address)."""
        with self.write() as db:
            db.execute("DELETE FROM web_signin WHERE at < ?", (now - window_s,))
            return max((db.execute("SELECT COUNT(*) FROM web_signin WHERE key = ? AND at >= ?",
                                   (k, now - window_s)).fetchone()[0] for k in keys), default=0)

    def failed(self, keys: list[str], now: float) -> None:
        with self.write() as db:
            for k in keys:
                db.execute("INSERT INTO web_signin (key, at) VALUES (?, ?)", (k, now))

    # --- audit ----------------------------------------------------------------------------------

    def audit(self, user: str, action: str, target: str, detail: str = "") -> None:
        with self.write() as db:
            db.execute("INSERT INTO web_audit (at, user, action, target, detail) VALUES "
                       "(?, ?, ?, ?, ?)", (_now(), user, action, target, detail))

    def audit_log(self, limit: int = 500) -> list[sqlite3.Row]:
        return self.read("SELECT * FROM web_audit ORDER BY id DESC LIMIT ?", (limit,))

    # --- files ----------------------------------------------------------------------------------

    def add_file(self, *, kind: str, name: str, content: bytes, user: str,
                 hsa_id: str | None) -> sqlite3.Row:
        """An uploaded file, kept whole; it is fetched by its token, never by a path."""
        token = secrets.token_urlsafe(18)
        with self.write() as db:
            db.execute("INSERT INTO web_files (token, hsa_id, kind, name, sha256, size, user, at, "
                       "content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (token, hsa_id, kind, name, hashlib.sha256(content).hexdigest(),
                        len(content), user, _now(), content))
        return self.file(token)

    def file(self, token: str) -> sqlite3.Row | None:
        rows = self.read("SELECT * FROM web_files WHERE token = ?", (token,))
        return rows[0] if rows else None

    def files(self, hsa_id: str | None = None, kind: str | None = None) -> list[sqlite3.Row]:
        sql = "SELECT id, token, hsa_id, kind, name, sha256, size, user, at FROM web_files WHERE 1"
        args: list = []
        if hsa_id is not None:
            sql += " AND hsa_id = ?"
            args.append(hsa_id)
        if kind is not None:
            sql += " AND kind = ?"
            args.append(kind)
        return self.read(sql + " ORDER BY id DESC", args)

    def set_file_unit(self, token: str, hsa_id: str) -> None:
        with self.write() as db:
            db.execute("UPDATE web_files SET hsa_id = ? WHERE token = ? AND hsa_id IS NULL",
                       (hsa_id, token))

    # --- the ledger's units, read lightly (names and regions, not the stored rulebooks) ---------

    def units(self) -> list[sqlite3.Row]:
        return self.read("SELECT hsa_id, unit_name, region, MAX(period) AS period, "
                         "COUNT(*) AS checks FROM checks GROUP BY hsa_id ORDER BY unit_name, hsa_id")

    def unit(self, hsa_id: str) -> sqlite3.Row | None:
        rows = self.read("SELECT hsa_id, unit_name, region FROM checks WHERE hsa_id = ? "
                         "ORDER BY period DESC, id DESC LIMIT 1", (hsa_id,))
        return rows[0] if rows else None

    def version(self) -> tuple:
        """What changes whenever anything is recorded: the newest journal entry and check
        (both append-only) and the dispenser (which are ended in place)."""
        db = self._db()
        return (db.execute("SELECT MAX(id) FROM inputs").fetchone()[0],
                db.execute("SELECT MAX(id) FROM checks").fetchone()[0],
                tuple(db.execute("SELECT COUNT(*), MAX(id), COUNT(ended) FROM dispenser").fetchone()),
                self.has_table("input_by") and db.execute("SELECT MAX(input_id) FROM input_by").fetchone()[0])

    def has_table(self, name: str) -> bool:
        return bool(self.read("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))

    def recorded_by(self, input_ids) -> dict[int, str]:
        """Journal entry id → who recorded it (followup.actions.attributed); entries made from
        the command line have none."""
        ids = sorted({i for i in input_ids if i is not None})
        if not ids or not self.has_table("input_by"):
            return {}
        marks = ",".join("?" * len(ids))
        return {r[0]: r[1] for r in self.read(f"SELECT input_id, user FROM input_by WHERE "
                                              f"input_id IN ({marks})", ids)}

    def checks_of(self, hsa_id: str) -> list[sqlite3.Row]:
        """A unit's checks without the stored rulebook (the outcomes and dialogue as JSON)."""
        return self.read("SELECT id, period, submission_path, inlamnad, decided, verdict, "
                         "rulebook_id, outcomes, dialogue FROM checks WHERE hsa_id = ? "
                         "ORDER BY period, id", (hsa_id,))

    def signatures(self, since: tuple | None = None, before: dict | None = None) -> dict[str, tuple]:
        """Per unit, what changes when anything of the unit is recorded: its journal's newest
        entry and its number, its checks' and its dispenser. With the version and signatures
        of an earlier call, only the units written to since are read again (the journal and
        the checks are append-only)."""
        if since is not None and before is not None:
            out = dict(before)
            changed = {r[0] for r in self.read("SELECT DISTINCT hsa_id FROM inputs WHERE id > ?",
                                               (since[0] or 0,))}
            changed |= {r[0] for r in self.read("SELECT DISTINCT hsa_id FROM checks WHERE id > ?",
                                                (since[1] or 0,))}
            if since[2] != self.version()[2]:
                changed |= {r[0] for r in self.read("SELECT DISTINCT hsa_id FROM dispenser")}
            for hsa in changed:
                out[hsa] = self._signature(hsa)
            return out
        out: dict[str, list] = {}
        for hsa, n, top in self.read("SELECT hsa_id, COUNT(*), MAX(id) FROM inputs GROUP BY hsa_id"):
            out.setdefault(hsa, [None, None, None])[0] = (n, top)
        for hsa, n, top in self.read("SELECT hsa_id, COUNT(*), MAX(id) FROM checks GROUP BY hsa_id"):
            out.setdefault(hsa, [None, None, None])[1] = (n, top)
        for hsa, n, top, ended in self.read("SELECT hsa_id, COUNT(*), MAX(id), "
                                            "GROUP_CONCAT(COALESCE(ended, '')) FROM dispenser "
                                            "GROUP BY hsa_id"):
            out.setdefault(hsa, [None, None, None])[2] = (n, top, ended)
        return {k: tuple(v) for k, v in out.items()}

    def _signature(self, hsa: str) -> tuple:
        a = self.read("SELECT COUNT(*), MAX(id) FROM inputs WHERE hsa_id = ?", (hsa,))[0]
        b = self.read("SELECT COUNT(*), MAX(id) FROM checks WHERE hsa_id = ?", (hsa,))[0]
        c = self.read("SELECT COUNT(*), MAX(id), GROUP_CONCAT(COALESCE(ended, '')) FROM dispenser "
                      "WHERE hsa_id = ?", (hsa,))[0]
        return (tuple(a) if a[0] else None, tuple(b) if b[0] else None,
                tuple(c) if c[0] else None)


class _Tx:
    """BEGIN IMMEDIATE … COMMIT (ROLLBACK on an exception)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind, exc, tb):
        self.db.execute("ROLLBACK" if kind else "COMMIT")


class _Dummy:
    """A hash to verify against for an unknown name (made once, lazily)."""

    def __init__(self):
        self._digest = None

    def get(self) -> str:
        if self._digest is None:
            self._digest = _hasher().hash(secrets.token_hex(16))
        return self._digest


_DUMMY = _Dummy()


def _statements(script: str) -> list[str]:
    """The script's statements, a trigger's body kept whole (sqlite3.complete_statement)."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    return out


def _user(row) -> User:
    return User(row["id"], row["name"], row["role"], row["hsa_id"])
