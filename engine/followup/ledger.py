"""The kravliggare: demands, received handlingsplaner, decisions and dispenser in SQLite.

Storage only; what the rows mean is decided in demands.py and lifecycle.py.

- WAL mode and `BEGIN IMMEDIATE` for every write: two runs at once queue up (busy timeout)
  instead of interleaving, and a run that crashes leaves nothing half written. Commands that
  only read never ask for a write lock (query_only): in WAL a reader never waits for a writer.
- A file is looked at read-only before it is used: another application's SQLite file, a
  damaged ledger or one of an unknown schema version is refused untouched (not converted to
  WAL, no tables added). Only an empty file (or none) becomes a new ledger, marked with
  APPLICATION_ID in the SQLite header and schema_version in `meta`.
- SQLite's own errors (locked, read-only, disk full, damaged) become one Swedish message;
  a write transaction that fails is rolled back whole.
- UNIQUE constraints say what may not be duplicated: one check per submission (by content
  hash), one demand per (unit, rule, period), at most one open demand per (unit, rule), one
  handlingsplan per demand, one dispens per (diarienummer, unit, rule).
- `events` is append-only (triggers refuse UPDATE and DELETE) and records every status change
  with its date and reason; a trigger also refuses to move a demand's status backward.
- Dates are ISO text (YYYY-MM-DD); JSON columns are written with sorted keys. No timestamps:
  the only dates are the ones given.
- The journal (`inputs`) is sealed by a hash chain written with each input (journal_chain.py).
- A ledger that cannot be written (read_only_reason: the file's mode, its folder, a read-only
  file system; looked at here, so that root is refused too) is read with SQLite's mode=ro and
  refused for writing with "kravliggaren är skrivskyddad".
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InputError
from engine.read.dates import shift

from . import journal_chain

try:
    import orjson
except ImportError:  # an install without it reads the same values, more slowly
    orjson = None

SCHEMA_VERSION = 3
# Version 1 had no journal (`inputs`): a version-1 ledger is read as it is and gets the journal
# on its first write (_upgrade); its units keep the state they were written with (legacy).
# Version 2 had no hash chain over the journal (journal_chain.py): it gets it, for the inputs
# it has, on its first write.
READABLE_VERSIONS = ("1", "2", "3")
APPLICATION_ID = 0x6B72766B  # "krvk": PRAGMA application_id of a kravliggare
DEFAULT_PATH = Path("reports") / "kravliggare.sqlite"
BUSY_TIMEOUT_S = 60.0

# The lifecycle's statuses in their forward order (lifecycle.STATUSES; repeated here so that the
# database enforces the order on its own). `uppsagningsrisk` is a status kravkoll set before the
# right to terminate became a right shown beside the demand (issue 11): ledgers that have it
# keep it (the CHECK and the trigger stay as they were), and it is read as `vite`, the status it
# followed; kravkoll writes it no more (LEGACY_STATUS).
_STATUS_ORDER = ("kravd", "forsenad", "inkommen", "godkand", "forelaggande", "vite",
                 "uppsagningsrisk", "atgardad")
LEGACY_STATUS = {"uppsagningsrisk": "vite"}
_RANK_SQL = "CASE {col} " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(_STATUS_ORDER)) + " END"
_STATUS_CHECK = "status IN (" + ", ".join(f"'{s}'" for s in _STATUS_ORDER) + ")"

# The journal: every input of a unit's follow-up as it was recorded (a checked submission, a
# plan received, each decision of the beställarenhet, corrections and withdrawals), append-only.
# A unit's demands, plans and events are derived from it by replaying it in domain order
# (replay.py), so the order in which things were registered does not matter.
JOURNAL = """
CREATE TABLE IF NOT EXISTS inputs (
    id INTEGER PRIMARY KEY,
    hsa_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    date TEXT NOT NULL,
    check_id INTEGER REFERENCES checks(id),
    payload JSON NOT NULL
);
CREATE INDEX IF NOT EXISTS inputs_unit ON inputs (hsa_id, id);
CREATE TRIGGER IF NOT EXISTS inputs_append_only_update BEFORE UPDATE ON inputs
BEGIN SELECT RAISE(ABORT, 'inputs are append-only'); END;
CREATE TRIGGER IF NOT EXISTS inputs_append_only_delete BEFORE DELETE ON inputs
BEGIN SELECT RAISE(ABORT, 'inputs are append-only'); END;
"""

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS checks (
    id INTEGER PRIMARY KEY,
    submission_sha256 TEXT NOT NULL UNIQUE,
    submission_path TEXT NOT NULL,
    hsa_id TEXT NOT NULL,
    unit_name TEXT NOT NULL,
    region TEXT NOT NULL,
    period INTEGER NOT NULL,
    inlamnad TEXT,
    rulebook_id TEXT NOT NULL,
    rulebook_sha256 TEXT NOT NULL,
    rulebook JSON NOT NULL,
    decided TEXT NOT NULL,
    verdict TEXT NOT NULL,
    outcomes JSON NOT NULL,
    dialogue JSON NOT NULL
);
-- A unit's checks are read for every submission registered: without this, each read scans
-- the whole table (a county's registration grew with the square of its units).
CREATE INDEX IF NOT EXISTS checks_unit ON checks (hsa_id);
CREATE TABLE IF NOT EXISTS demands (
    id INTEGER PRIMARY KEY,
    hsa_id TEXT NOT NULL,
    unit_name TEXT NOT NULL,
    region TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    period INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('handlingsplan', 'uppfoljning', 'brist')),
    status TEXT NOT NULL CHECK ({_STATUS_CHECK}),
    closed INTEGER NOT NULL CHECK (closed = (status = 'atgardad')),
    decided TEXT NOT NULL,
    due TEXT,
    frist TEXT,
    check_id INTEGER NOT NULL REFERENCES checks(id),
    finding JSON NOT NULL,
    terms JSON NOT NULL,
    UNIQUE (hsa_id, rule_id, period)
);
CREATE UNIQUE INDEX IF NOT EXISTS demands_one_open ON demands (hsa_id, rule_id) WHERE closed = 0;
CREATE TABLE IF NOT EXISTS plans (
    id INTEGER PRIMARY KEY,
    demand_id INTEGER NOT NULL REFERENCES demands(id),
    received TEXT NOT NULL,
    file TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    decision TEXT CHECK (decision IN ('godkand', 'underkand')),
    decided TEXT,
    reference TEXT,
    note TEXT
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    demand_id INTEGER NOT NULL REFERENCES demands(id),
    date TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    event TEXT NOT NULL,
    rule TEXT NOT NULL,
    reason TEXT NOT NULL,
    check_id INTEGER REFERENCES checks(id),
    plan_id INTEGER REFERENCES plans(id),
    detail JSON,
    input_id INTEGER
);
CREATE INDEX IF NOT EXISTS events_demand ON events (demand_id, date, id);
CREATE TABLE IF NOT EXISTS dispenser (
    id INTEGER PRIMARY KEY,
    hsa_id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    diarienummer TEXT NOT NULL,
    justification TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    ended TEXT,
    CHECK (valid_to >= valid_from),
    CHECK (ended IS NULL OR ended >= valid_from),
    UNIQUE (diarienummer, hsa_id, rule_id)
);
{JOURNAL}
{journal_chain.SCHEMA}
CREATE TRIGGER IF NOT EXISTS events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS demands_no_delete BEFORE DELETE ON demands
BEGIN SELECT RAISE(ABORT, 'demands are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS demands_forward_only BEFORE UPDATE OF status ON demands
WHEN ({_RANK_SQL.format(col="NEW.status")}) <= ({_RANK_SQL.format(col="OLD.status")})
BEGIN SELECT RAISE(ABORT, 'a demand status only moves forward'); END;
"""


# SQLite's own (English) reasons, by primary result code, in the words a handläggare reads.
_SQLITE_REASONS = {3: "behörighet saknas", 5: "kravliggaren är låst av en annan körning",
                   6: "kravliggaren är låst av en annan körning",
                   7: "minnet räckte inte", 8: "kravliggaren är skrivskyddad",
                   10: "läs- eller skrivfel på disken", 11: "databasfilen är skadad",
                   13: "disken är full", 14: "kravliggaren kan inte öppnas",
                   23: "behörighet saknas", 26: "filen är ingen SQLite-databas"}
_DAMAGED = (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB


class Damaged(Exception):
    """A row the ledger cannot read (a date or JSON that is not one): the file was edited or
    damaged outside kravkoll. The message is Swedish."""


def _sqlite_code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _reason(exc: sqlite3.Error) -> str:
    return _SQLITE_REASONS.get(_sqlite_code(exc), f"SQLite-fel: {exc}")


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise Damaged(f"'{text}' är inget datum") from None


def _json(text):
    """A JSON column as json.loads reads it: by orjson (a check's record is ~45 kB, read at
    every registration of the unit), which gives the same values; what it refuses (NaN, an
    integer beyond 64 bits) is read by json.loads."""
    if orjson is not None and isinstance(text, str):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        raise Damaged("en JSON-kolumn går inte att läsa") from None


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class CheckRow:
    id: int
    submission_sha256: str
    submission_path: str
    hsa_id: str
    unit_name: str
    region: str
    period: int
    inlamnad: dt.date | None
    rulebook_id: str
    rulebook_sha256: str
    rulebook: dict  # title, version, region of the rulebook used
    decided: dt.date
    verdict: str
    outcomes: dict  # rule id -> outcome (after dispenser)
    dialogue: list  # riktlinjer and målnivåer to raise in the dialogue


@dataclass(frozen=True)
class DemandRow:
    id: int
    hsa_id: str
    unit_name: str
    region: str
    rule_id: str
    period: int
    kind: str  # handlingsplan | uppfoljning | brist
    status: str
    decided: dt.date
    due: dt.date | None
    frist: dt.date | None
    check_id: int
    finding: dict
    terms: dict

    @property
    def closed(self) -> bool:
        return self.status == "atgardad"


@dataclass(frozen=True)
class EventRow:
    id: int
    demand_id: int
    date: dt.date
    from_status: str | None
    to_status: str
    event: str
    rule: str
    reason: str
    check_id: int | None
    plan_id: int | None
    detail: dict | None  # for a finding: what the check found (demands.snapshot)
    input_id: int | None = None  # the journal input it came from (replay.py)


@dataclass(frozen=True)
class PlanRow:
    id: int
    demand_id: int
    received: dt.date
    file: str
    file_sha256: str
    decision: str | None
    decided: dt.date | None
    reference: str | None
    note: str | None


@dataclass(frozen=True)
class InputRow:
    """One entry of the journal: what was recorded for a unit, and on which date."""

    id: int
    hsa_id: str
    kind: str  # check | plan | beslut | forelaggande | vite | rattelse | nekad_listning | …
    date: dt.date
    check_id: int | None
    payload: dict


@dataclass(frozen=True)
class DispensRow:
    id: int
    hsa_id: str
    rule_id: str
    diarienummer: str
    justification: str
    valid_from: dt.date
    valid_to: dt.date
    ended: dt.date | None

    def valid_on(self, day: dt.date) -> bool:
        """In force from valid_from through valid_to; an ended dispens is not in force from the
        day it ended."""
        if self.ended is not None and day >= self.ended:
            return False
        return self.valid_from <= day <= self.valid_to

    @property
    def last_day(self) -> dt.date:
        if self.ended is not None:
            return min(self.valid_to, shift(self.ended, -1))
        return self.valid_to


def _check(r) -> CheckRow:
    return CheckRow(r["id"], r["submission_sha256"], r["submission_path"], r["hsa_id"],
                    r["unit_name"], r["region"], r["period"], _date(r["inlamnad"]),
                    r["rulebook_id"], r["rulebook_sha256"], _json(r["rulebook"]),
                    _date(r["decided"]), r["verdict"], _json(r["outcomes"]),
                    _json(r["dialogue"]))


def _status(value: str | None) -> str | None:
    return LEGACY_STATUS.get(value, value)


def _demand(r) -> DemandRow:
    return DemandRow(r["id"], r["hsa_id"], r["unit_name"], r["region"], r["rule_id"], r["period"],
                     r["kind"], _status(r["status"]), _date(r["decided"]), _date(r["due"]),
                     _date(r["frist"]), r["check_id"], _json(r["finding"]),
                     _json(r["terms"]))


def _event(r) -> EventRow:
    return EventRow(r["id"], r["demand_id"], _date(r["date"]), _status(r["from_status"]),
                    _status(r["to_status"]),
                    r["event"], r["rule"], r["reason"], r["check_id"], r["plan_id"],
                    _json(r["detail"]) if r["detail"] else None,
                    r["input_id"] if "input_id" in r.keys() else None)


def _plan(r) -> PlanRow:
    return PlanRow(r["id"], r["demand_id"], _date(r["received"]), r["file"], r["file_sha256"],
                   r["decision"], _date(r["decided"]), r["reference"], r["note"])


def _input(r) -> InputRow:
    return InputRow(r["id"], r["hsa_id"], r["kind"], _date(r["date"]), r["check_id"],
                    _json(r["payload"]))


def _dispens(r) -> DispensRow:
    return DispensRow(r["id"], r["hsa_id"], r["rule_id"], r["diarienummer"], r["justification"],
                      _date(r["valid_from"]), _date(r["valid_to"]), _date(r["ended"]))


_TABLES = ("meta", "checks", "demands", "plans", "events", "dispenser")


_empty_ledgers: dict[int, sqlite3.Connection] = {}


def _empty() -> sqlite3.Connection:
    """An empty ledger in memory with the whole schema, made once per process (a connection
    is not used across a fork), copied into each scratch ledger (one per registration)."""
    pid = os.getpid()
    if pid not in _empty_ledgers:
        # shared by the threads of one process (kravkoll serve): only ever read, by backup()
        db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        for statement in _statements(SCHEMA):
            db.execute(statement)
        _empty_ledgers.clear()
        _empty_ledgers[pid] = db
    return _empty_ledgers[pid]


def _connect(target: str, uri: bool) -> sqlite3.Connection:
    """Every connection is made here (a test wraps it to make SQLite fail on purpose)."""
    db = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S, isolation_level=None, uri=uri)
    db.row_factory = sqlite3.Row
    return db


def _look(path: Path) -> sqlite3.Connection:
    """A connection only to see what a file is, which cannot change it: read-only, and with no
    -wal beside it (then no connection has it open in WAL mode and the file is all there is)
    immutable, which leaves no -wal or -shm next to a file that is then refused."""
    uri = path.resolve().as_uri() + "?mode=ro"
    if not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    return _connect(uri, uri=True)


def _classify(db: sqlite3.Connection) -> tuple[str, str]:
    """What the file is: ("new", "") empty, ("ledger", "") a kravliggare this version reads, or
    ("refuse", why) anything else, with the reason in Swedish."""
    app = db.execute("PRAGMA application_id").fetchone()[0]
    if not db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
        if app in (0, APPLICATION_ID):
            return "new", ""
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    version = None
    if "meta" in tables:
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:  # another program's table called meta
            row = None
        version = None if row is None else str(row[0])
    # A kravliggare says so in its header (APPLICATION_ID); one made before that mark existed
    # has meta.schema_version beside its own tables.
    ours = app == APPLICATION_ID or (app == 0 and version is not None
                                     and {"checks", "demands"} <= tables)
    if not ours:
        shown = ", ".join(sorted(tables)[:5]) + (" …" if len(tables) > 5 else "")
        return "refuse", ("filen är en annan SQLite-databas, inte en kravliggare"
                          + (f" (tabeller: {shown})" if shown else "")
                          + "; kravkoll ändrar den inte. Ange en kravliggare med --ledger")
    if version not in READABLE_VERSIONS:
        if version is None:
            why = "schemaversionen saknas"
        elif version.isdigit() and int(version) > SCHEMA_VERSION:
            why = f"schemaversion {version} är nyare än den här versionen av kravkoll ({SCHEMA_VERSION})"
        else:
            why = f"okänd schemaversion '{version[:40]}' (den här versionen av kravkoll läser {SCHEMA_VERSION})"
        return "refuse", f"kravliggaren kan inte användas: {why}; filen har inte ändrats"
    missing = [t for t in _TABLES if t not in tables]
    if missing:
        return "refuse", (f"kravliggaren är ofullständig (tabellen {missing[0]} saknas); använd "
                          "en säkerhetskopia. Filen har inte ändrats")
    return "ledger", ""


def read_only_reason(path: Path) -> str | None:
    """Why the ledger at `path` cannot be written, in Swedish; None when it can. Looked at
    explicitly, not left to SQLite: root writes a file without write permission anyway, and
    a read-only ledger must be one for everyone. SQLite also writes beside the file (the -wal
    and -shm files), so the folder must be writable too."""
    try:
        st = os.stat(path)
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return "filsystemet är skrivskyddat"
    except OSError:
        return None  # a file that is not there: what opening it says
    if not st.st_mode & 0o222:
        return "filen har ingen skrivrättighet"
    if not os.access(path, os.W_OK):
        return "behörighet att skriva i filen saknas"
    folder = path.resolve().parent
    try:
        if not os.stat(folder).st_mode & 0o222 or not os.access(folder, os.W_OK):
            return "mappen den ligger i är skrivskyddad"
    except OSError:
        return None
    return None


def _read_only_uri(path: Path) -> str:
    """A read-only connection to a ledger that cannot be written (mode=ro): immutable when no
    -wal file stands beside it (nobody is writing it, and SQLite then needs no -shm file,
    which a read-only folder cannot hold)."""
    uri = path.resolve().as_uri() + "?mode=ro"
    if not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    return uri


def _mapped(exc: BaseException) -> bool:
    """SQLite errors that are about the file or the machine, not a defect in kravkoll: locked,
    read-only, disk full, damaged … (a broken constraint or a misuse stays an internal error)."""
    if not isinstance(exc, sqlite3.Error):
        return False
    return (_sqlite_code(exc) in _SQLITE_REASONS or isinstance(exc, sqlite3.OperationalError)
            or type(exc) is sqlite3.DatabaseError)


def sqlite_input_error(path: Path, exc: sqlite3.Error, opening: bool = False) -> InputError:
    """One Swedish message for a SQLite error on the ledger at `path`."""
    reason = _reason(exc)
    if _sqlite_code(exc) in _DAMAGED:
        if opening:
            return InputError.single(str(path), f"filen är ingen kravliggare som går att använda ({reason})")
        return InputError.single(str(path), f"kravliggaren är skadad och kan inte läsas ({reason}); "
                                 "använd en säkerhetskopia")
    return InputError.single(str(path), f"{reason}; ingenting skrevs till hälften (en ändring "
                             "sparas helt eller inte alls)")


class Ledger:
    """One connection to the kravliggare. Reads any time; writes only inside `write()`.

    `readonly`: for commands that only read; they write nothing and never wait for a writer.
    `create`: an empty file, or none, becomes a new kravliggare."""

    def __init__(self, path: str | Path = DEFAULT_PATH, create: bool = True, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        self._in_tx = False
        self._db = None
        self.input_id = None  # the journal input being applied (replay.py): set on its events
        if self.path.is_dir():
            raise InputError.single(str(self.path), "är en mapp, inte en kravliggare")
        exists = self.path.exists()
        if not exists:
            if not create or readonly:
                raise InputError.single(str(self.path), "kravliggaren finns inte (den skapas av "
                                        "'kravkoll demands register')")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError:
                raise InputError.single(str(self.path), "kravliggaren kan inte skapas här (en del "
                                        "av sökvägen är en fil, eller behörighet saknas)") from None
        try:
            state = self._inspect() if exists else "new"
            if state == "new" and (readonly or not create):
                raise InputError.single(str(self.path), "kravliggaren är tom (den skapas av "
                                        "'kravkoll demands register')")
            why = read_only_reason(self.path) if exists else None
            if readonly:
                # No write lock is ever asked for, so in WAL a reader never waits for a
                # writer; query_only makes sure. A writable file is not opened with SQLite's
                # mode=ro: that connection could not tidy the -wal and -shm files away when it
                # is the last one to close. One that cannot be written is (_read_only_uri).
                if why is None:
                    self._db = _connect(str(self.path), uri=False)
                else:
                    self._db = _connect(_read_only_uri(self.path), uri=True)
                self._db.execute("PRAGMA query_only = ON")
                return
            if why is not None:
                raise InputError.single(str(self.path), f"kravliggaren är skrivskyddad ({why}); "
                                        "ingenting ändrades. Kommandon som bara läser (demands "
                                        "list, history, letter) fungerar ändå")
            self._db = _connect(str(self.path), uri=False)
            self._db.execute("PRAGMA foreign_keys = ON")
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise InputError.single(str(self.path), f"kravliggaren kan inte använda WAL ({mode})")
            self._db.execute("PRAGMA synchronous = FULL")
            if state == "new":
                with self.write():
                    self._create()
            elif self._version() != str(SCHEMA_VERSION):
                with self.write():
                    self._upgrade()
        except BaseException as exc:
            self.close()
            if isinstance(exc, sqlite3.Error):
                raise sqlite_input_error(self.path, exc, opening=True) from None
            raise

    def _inspect(self) -> str:
        """Look at an existing file without changing it: "new" (empty) or "ledger"."""
        db = _look(self.path)
        try:
            state, why = _classify(db)
        finally:
            db.close()
        if state == "refuse":
            raise InputError.single(str(self.path), why)
        return state

    def _create(self) -> None:
        """The schema, inside the creating write transaction. Looked at again under the lock:
        another run may have made the kravliggare meanwhile."""
        state, why = _classify(self._db)
        if state == "ledger":
            return
        if state == "refuse":
            raise InputError.single(str(self.path), why)
        for statement in _statements(SCHEMA):
            self._db.execute(statement)
        self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    def _version(self) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return None if row is None else str(row[0])

    def _upgrade(self) -> None:
        """Version 1 → 2 → 3, under the write lock: the journal and the events' link to it, then
        the hash chain over the journal. Nothing already written changes; the units already in
        the ledger keep their state (legacy)."""
        if self._version() == str(SCHEMA_VERSION):
            return
        columns = {r["name"] for r in self._db.execute("PRAGMA table_info(events)")}
        if "input_id" not in columns:
            self._db.execute("ALTER TABLE events ADD COLUMN input_id INTEGER")
        for statement in _statements(JOURNAL) + _statements(journal_chain.SCHEMA):
            self._db.execute(statement)
        journal_chain.fill(self._db)  # the inputs already written, sealed as they stand
        self._db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                         (str(SCHEMA_VERSION),))

    @classmethod
    def scratch(cls, label: str | Path) -> "Ledger":
        """An empty ledger in memory, where a unit's journal is replayed (replay.py); `label`
        (the real ledger's path) is what its messages name."""
        self = cls.__new__(cls)
        self.path = Path(label)
        self.readonly = False
        self._in_tx = False
        self.input_id = None
        self._db = _connect(":memory:", uri=False)
        _empty().backup(self._db)  # the schema copied page by page: 0,05 ms, not 0,7 ms
        return self

    def close(self) -> None:
        if self._db is not None:
            try:
                self._db.close()  # an open transaction is rolled back
            except sqlite3.Error:
                pass
            self._db = None

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        self.close()
        if isinstance(exc, Damaged):
            raise InputError.single(str(self.path), f"kravliggaren är skadad och kan inte läsas "
                                    f"({exc}); använd en säkerhetskopia") from None
        if _mapped(exc):
            raise sqlite_input_error(self.path, exc) from None

    def _rollback(self) -> None:
        """Undo the open transaction; if even that fails, closing the connection undoes it."""
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    @contextmanager
    def write(self):
        """One write transaction: BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception
        (a failed COMMIT too: a full disk leaves nothing half written)."""
        if self._in_tx:
            raise RuntimeError("nested ledger transaction")
        if self.readonly:
            raise RuntimeError("write on a ledger opened read-only")
        self._db.execute("BEGIN IMMEDIATE")
        self._in_tx = True
        try:
            yield self
            self._db.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        finally:
            self._in_tx = False

    @contextmanager
    def read(self):
        """A consistent snapshot for several reads (a deferred transaction, then ROLLBACK)."""
        if self._in_tx:
            yield self
            return
        with self.rolled_back("BEGIN"):
            yield self

    @contextmanager
    def rolled_back(self, begin: str):
        """A transaction begun with `begin` that always ends in ROLLBACK: a snapshot for
        reads, or a dry run of a write (followup.actions.preview)."""
        self._db.execute(begin)
        self._in_tx = True
        try:
            yield self
        finally:
            self._rollback()
            self._in_tx = False

    def _require_tx(self) -> None:
        if not self._in_tx:
            raise RuntimeError("ledger write outside a transaction")

    # --- reads ---------------------------------------------------------------------------------

    def check_by_sha(self, sha256: str) -> CheckRow | None:
        r = self._db.execute("SELECT * FROM checks WHERE submission_sha256 = ?", (sha256,)).fetchone()
        return _check(r) if r else None

    def check(self, check_id: int) -> CheckRow:
        return _check(self._db.execute("SELECT * FROM checks WHERE id = ?", (check_id,)).fetchone())

    def checks(self, hsa_id: str | None = None) -> list[CheckRow]:
        sql, args = "SELECT * FROM checks", ()
        if hsa_id:
            sql, args = sql + " WHERE hsa_id = ?", (hsa_id,)
        return [_check(r) for r in self._db.execute(sql + " ORDER BY hsa_id, period, decided, id", args)]

    def demands(self, hsa_id: str | None = None, region: str | None = None,
                rule_id: str | None = None) -> list[DemandRow]:
        where, args = [], []
        for col, value in (("hsa_id", hsa_id), ("region", region), ("rule_id", rule_id)):
            if value is not None:
                where.append(f"{col} = ?")
                args.append(value)
        sql = "SELECT * FROM demands" + (" WHERE " + " AND ".join(where) if where else "")
        return [_demand(r) for r in self._db.execute(sql + " ORDER BY hsa_id, rule_id, period", args)]

    def demand(self, demand_id: int) -> DemandRow:
        return _demand(self._db.execute("SELECT * FROM demands WHERE id = ?", (demand_id,)).fetchone())

    def open_demand(self, hsa_id: str, rule_id: str) -> DemandRow | None:
        r = self._db.execute("SELECT * FROM demands WHERE hsa_id = ? AND rule_id = ? AND closed = 0",
                             (hsa_id, rule_id)).fetchone()
        return _demand(r) if r else None

    def latest_demand(self, hsa_id: str, rule_id: str) -> DemandRow | None:
        r = self._db.execute("SELECT * FROM demands WHERE hsa_id = ? AND rule_id = ? "
                             "ORDER BY closed, period DESC LIMIT 1", (hsa_id, rule_id)).fetchone()
        return _demand(r) if r else None

    def demand_for_period(self, hsa_id: str, rule_id: str, period: int) -> DemandRow | None:
        r = self._db.execute("SELECT * FROM demands WHERE hsa_id = ? AND rule_id = ? AND period = ?",
                             (hsa_id, rule_id, period)).fetchone()
        return _demand(r) if r else None

    def events(self, demand_id: int | None = None, hsa_id: str | None = None) -> list[EventRow]:
        if demand_id is not None:
            rows = self._db.execute("SELECT * FROM events WHERE demand_id = ? ORDER BY date, id",
                                    (demand_id,))
        elif hsa_id is not None:
            rows = self._db.execute("SELECT e.* FROM events e JOIN demands d ON d.id = e.demand_id "
                                    "WHERE d.hsa_id = ? ORDER BY e.demand_id, e.date, e.id", (hsa_id,))
        else:
            rows = self._db.execute("SELECT * FROM events ORDER BY demand_id, date, id")
        return [_event(r) for r in rows]

    def last_event(self, demand_id: int) -> EventRow | None:
        r = self._db.execute("SELECT * FROM events WHERE demand_id = ? ORDER BY date DESC, id DESC "
                             "LIMIT 1", (demand_id,)).fetchone()
        return _event(r) if r else None

    def plan(self, demand_id: int) -> PlanRow | None:
        """The demand's latest handlingsplan (after a rejected one, a new plan may come in)."""
        r = self._db.execute("SELECT * FROM plans WHERE demand_id = ? ORDER BY received DESC, id DESC "
                             "LIMIT 1", (demand_id,)).fetchone()
        return _plan(r) if r else None

    def plans(self) -> dict[int, list[PlanRow]]:
        """Every demand's plans, in the order they came in (after a rejected plan a new one may
        come in: each is its own handling)."""
        out: dict[int, list[PlanRow]] = {}
        for r in self._db.execute("SELECT * FROM plans ORDER BY demand_id, received, id"):
            out.setdefault(r["demand_id"], []).append(_plan(r))
        return out

    def plan_list(self, demand_id: int | None = None) -> list[PlanRow]:
        """Every plan (of one demand), in the order they came in: each its own handling."""
        sql, args = "SELECT * FROM plans", ()
        if demand_id is not None:
            sql, args = sql + " WHERE demand_id = ?", (demand_id,)
        return [_plan(r) for r in self._db.execute(sql + " ORDER BY demand_id, received, id", args)]

    def has_journal(self) -> bool:
        return bool(self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                     "name = 'inputs'").fetchone())

    def inputs(self, hsa_id: str | None = None) -> list[InputRow]:
        if not self.has_journal():
            return []
        sql, args = "SELECT * FROM inputs", ()
        if hsa_id is not None:
            sql, args = sql + " WHERE hsa_id = ?", (hsa_id,)
        return [_input(r) for r in self._db.execute(sql + " ORDER BY id", args)]

    def has_chain(self) -> bool:
        """Whether the journal has its hash chain (a version-2 ledger gets it when written)."""
        return journal_chain.has_chain(self._db)

    def chain_problems(self) -> list[journal_chain.Break]:
        """Every journal input whose link in the hash chain does not hold (journal_chain.py)."""
        if not self.has_journal() or not self.has_chain():
            return []
        return journal_chain.problems(self._db)

    def journal_units(self) -> set[str]:
        if not self.has_journal():
            return set()
        return {r[0] for r in self._db.execute("SELECT DISTINCT hsa_id FROM inputs")}

    def dispenser(self, hsa_id: str | None = None) -> list[DispensRow]:
        sql, args = "SELECT * FROM dispenser", ()
        if hsa_id:
            sql, args = sql + " WHERE hsa_id = ?", (hsa_id,)
        return [_dispens(r) for r in self._db.execute(sql + " ORDER BY hsa_id, rule_id, valid_from, id", args)]

    def dispens(self, diarienummer: str, hsa_id: str, rule_id: str) -> DispensRow | None:
        r = self._db.execute("SELECT * FROM dispenser WHERE diarienummer = ? AND hsa_id = ? AND "
                             "rule_id = ?", (diarienummer, hsa_id, rule_id)).fetchone()
        return _dispens(r) if r else None

    def counts(self) -> dict[str, int]:
        """Rows per table (for tests and diagnostics)."""
        return {t: self._db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("checks", "demands", "events", "plans", "dispenser")}

    # --- writes (inside write()) ---------------------------------------------------------------

    def add_check(self, *, submission_sha256: str, submission_path: str, hsa_id: str,
                  unit_name: str, region: str, period: int, inlamnad: dt.date | None,
                  rulebook_id: str, rulebook_sha256: str, rulebook: dict, decided: dt.date,
                  verdict: str, outcomes: dict, dialogue: list) -> int:
        self._require_tx()
        cur = self._db.execute(
            "INSERT INTO checks (submission_sha256, submission_path, hsa_id, unit_name, region, "
            "period, inlamnad, rulebook_id, rulebook_sha256, rulebook, decided, verdict, outcomes, "
            "dialogue) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (submission_sha256, submission_path, hsa_id, unit_name, region, period, _iso(inlamnad),
             rulebook_id, rulebook_sha256, dumps(rulebook), _iso(decided), verdict,
             dumps(outcomes), dumps(dialogue)))
        return cur.lastrowid

    def add_input(self, *, hsa_id: str, kind: str, date: dt.date, payload: dict,
                  check_id: int | None = None) -> int:
        """Append one input to the journal; its id is the next number (nothing is ever
        deleted, so the number is known before the row is written: next_input_id)."""
        self._require_tx()
        new_id = self.next_input_id()
        self._db.execute("INSERT INTO inputs (id, hsa_id, kind, date, check_id, payload) VALUES "
                         "(?, ?, ?, ?, ?, ?)", (new_id, hsa_id, kind, _iso(date), check_id,
                                                dumps(payload)))
        journal_chain.extend(self._db, new_id)
        return new_id

    def next_input_id(self) -> int:
        if not self.has_journal():
            return 1
        return self._db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM inputs").fetchone()[0]

    def copy_check(self, c: CheckRow) -> None:
        """A check row of the real ledger, with its id, into a scratch ledger (replay.py)."""
        self._require_tx()
        self._db.execute(
            "INSERT INTO checks (id, submission_sha256, submission_path, hsa_id, unit_name, region, "
            "period, inlamnad, rulebook_id, rulebook_sha256, rulebook, decided, verdict, outcomes, "
            "dialogue) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (c.id, c.submission_sha256, c.submission_path, c.hsa_id, c.unit_name, c.region,
             c.period, _iso(c.inlamnad), c.rulebook_id, c.rulebook_sha256, dumps(c.rulebook),
             _iso(c.decided), c.verdict, dumps(c.outcomes), dumps(c.dialogue)))

    def copy_dispens(self, d: DispensRow) -> None:
        self._require_tx()
        self._db.execute(
            "INSERT INTO dispenser (id, hsa_id, rule_id, diarienummer, justification, valid_from, "
            "valid_to, ended) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (d.id, d.hsa_id, d.rule_id, d.diarienummer, d.justification, _iso(d.valid_from),
             _iso(d.valid_to), _iso(d.ended)))

    def add_demand(self, *, hsa_id: str, unit_name: str, region: str, rule_id: str, period: int,
                   kind: str, status: str, decided: dt.date, due: dt.date | None, check_id: int,
                   finding: dict, terms: dict, reason: str) -> int:
        """A new demand and the event that created it."""
        self._require_tx()
        cur = self._db.execute(
            "INSERT INTO demands (hsa_id, unit_name, region, rule_id, period, kind, status, closed, "
            "decided, due, frist, check_id, finding, terms) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, "
            "NULL, ?, ?, ?)",
            (hsa_id, unit_name, region, rule_id, period, kind, status, _iso(decided), _iso(due),
             check_id, dumps(finding), dumps(terms)))
        demand_id = cur.lastrowid
        self._add_event(demand_id, decided, None, status, "finding", "skapad", reason, check_id, None)
        return demand_id

    def move(self, demand: DemandRow, to_status: str, date: dt.date, event: str, rule: str,
             reason: str, *, check_id: int | None = None, plan_id: int | None = None,
             frist: dt.date | None = None, detail: dict | None = None) -> DemandRow:
        """Move a demand forward to `to_status` and append the event; returns the new row."""
        self._require_tx()
        if _STATUS_ORDER.index(to_status) <= _STATUS_ORDER.index(demand.status):
            raise RuntimeError(f"status {demand.status} -> {to_status} is not forward")
        cur = self._db.execute(
            "UPDATE demands SET status = ?, closed = ?, frist = COALESCE(?, frist) "
            "WHERE id = ? AND (status = ? OR (? = 'vite' AND status = 'uppsagningsrisk'))",
            (to_status, int(to_status == "atgardad"), _iso(frist), demand.id, demand.status,
             demand.status))
        if cur.rowcount != 1:
            raise RuntimeError(f"demand {demand.id} changed under us")
        self._add_event(demand.id, date, demand.status, to_status, event, rule, reason, check_id,
                        plan_id, detail)
        return self.demand(demand.id)

    def record(self, demand: DemandRow, date: dt.date, event: str, rule: str, reason: str, *,
               check_id: int | None = None, plan_id: int | None = None,
               detail: dict | None = None) -> int:
        """Append an event that changes no status (a decision, a correction, a note)."""
        self._require_tx()
        return self._add_event(demand.id, date, demand.status, demand.status, event, rule, reason,
                               check_id, plan_id, detail)

    def set_frist(self, demand_id: int, frist: dt.date) -> None:
        """A föreläggande's frist corrected (the correction itself is an event)."""
        self._require_tx()
        self._db.execute("UPDATE demands SET frist = ? WHERE id = ?", (_iso(frist), demand_id))

    def event(self, event_id: int) -> EventRow | None:
        r = self._db.execute("SELECT * FROM events WHERE id = ?", (event_id,)).fetchone()
        return _event(r) if r else None

    def _add_event(self, demand_id, date, from_status, to_status, event, rule, reason, check_id,
                   plan_id, detail=None) -> int:
        values = (demand_id, _iso(date), from_status, to_status, event, rule, reason, check_id,
                  plan_id, dumps(detail) if detail is not None else None)
        if self.input_id is None:  # also a version-1 ledger's legacy units: no input_id column
            return self._db.execute(
                "INSERT INTO events (demand_id, date, from_status, to_status, event, rule, reason, "
                "check_id, plan_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values).lastrowid
        return self._db.execute(
            "INSERT INTO events (demand_id, date, from_status, to_status, event, rule, reason, "
            "check_id, plan_id, detail, input_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            values + (self.input_id,)).lastrowid

    def add_plan(self, demand_id: int, received: dt.date, file: str, file_sha256: str) -> int:
        self._require_tx()
        cur = self._db.execute("INSERT INTO plans (demand_id, received, file, file_sha256) "
                               "VALUES (?, ?, ?, ?)", (demand_id, _iso(received), file, file_sha256))
        return cur.lastrowid

    def decide_plan(self, plan_id: int, decision: str, decided: dt.date, reference: str | None,
                    note: str | None) -> None:
        self._require_tx()
        cur = self._db.execute("UPDATE plans SET decision = ?, decided = ?, reference = ?, note = ? "
                               "WHERE id = ? AND decision IS NULL",
                               (decision, _iso(decided), reference, note, plan_id))
        if cur.rowcount != 1:
            raise RuntimeError(f"plan {plan_id} already decided")

    def add_dispens(self, *, hsa_id: str, rule_id: str, diarienummer: str, justification: str,
                    valid_from: dt.date, valid_to: dt.date) -> int:
        self._require_tx()
        cur = self._db.execute(
            "INSERT INTO dispenser (hsa_id, rule_id, diarienummer, justification, valid_from, "
            "valid_to) VALUES (?, ?, ?, ?, ?, ?)",
            (hsa_id, rule_id, diarienummer, justification, _iso(valid_from), _iso(valid_to)))
        return cur.lastrowid

    def end_dispens(self, dispens_id: int, ended: dt.date) -> None:
        self._require_tx()
        cur = self._db.execute("UPDATE dispenser SET ended = ? WHERE id = ? AND ended IS NULL",
                               (_iso(ended), dispens_id))
        if cur.rowcount != 1:
            raise RuntimeError(f"dispens {dispens_id} already ended")


def _statements(script: str) -> list[str]:
    """Split the schema into statements (triggers contain ';' inside BEGIN … END)."""
    out, buf = [], []
    for line in script.strip().splitlines():
        buf.append(line)
        text = "\n".join(buf).strip()
        if text.endswith(";") and (not text.upper().startswith("CREATE TRIGGER") or text.upper().endswith("END;")):
            out.append(text)
            buf = []
    if "".join(buf).strip():
        out.append("\n".join(buf))
    return out
