"""A hash chain over the journal (`inputs`): a changed, removed or inserted input is found.

Each input gets one row in `journal_chain`, written in the same transaction as the input:
its hash is sha256(previous hash + "\\n" + the input's canonical content), the first one's
previous hash being GENESIS. The canonical content is the row as stored (id, unit, kind, date,
check, payload text) as sorted-key JSON, so any change to a stored byte changes the hash.
Like `inputs`, the chain is append-only (triggers refuse UPDATE and DELETE); a ledger of an
earlier version gets the chain for its inputs when it is upgraded (ledger._upgrade → fill).

`problems()` re-reads the journal and names every input whose link does not hold: its content
changed (the stored hash is not the hash of the stored previous hash and the content), it has
no link, or a link has no input. Each break is found where it is: a forger who rewrites one
input's hash breaks the next input's link.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass

GENESIS = "0" * 64

SCHEMA = """
CREATE TABLE IF NOT EXISTS journal_chain (
    input_id INTEGER PRIMARY KEY REFERENCES inputs(id),
    hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS journal_chain_append_only_update BEFORE UPDATE ON journal_chain
BEGIN SELECT RAISE(ABORT, 'the journal chain is append-only'); END;
CREATE TRIGGER IF NOT EXISTS journal_chain_append_only_delete BEFORE DELETE ON journal_chain
BEGIN SELECT RAISE(ABORT, 'the journal chain is append-only'); END;
"""

_COLUMNS = "id, hsa_id, kind, date, check_id, payload"


def content(row) -> str:
    """The canonical content of one input row (id, hsa_id, kind, date, check_id, payload as
    stored)."""
    keys = ("id", "hsa_id", "kind", "date", "check_id", "payload")
    return json.dumps(dict(zip(keys, tuple(row))), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))


def link(previous: str, row) -> str:
    return hashlib.sha256((previous + "\n" + content(row)).encode("utf-8")).hexdigest()


def has_chain(db: sqlite3.Connection) -> bool:
    return bool(db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                           "name = 'journal_chain'").fetchone())


def _last(db: sqlite3.Connection) -> str:
    row = db.execute("SELECT hash FROM journal_chain ORDER BY input_id DESC LIMIT 1").fetchone()
    return row[0] if row else GENESIS


def extend(db: sqlite3.Connection, input_id: int) -> None:
    """The link of the input just written (inside its write transaction)."""
    row = db.execute(f"SELECT {_COLUMNS} FROM inputs WHERE id = ?", (input_id,)).fetchone()
    db.execute("INSERT INTO journal_chain (input_id, hash) VALUES (?, ?)",
               (input_id, link(_last(db), row)))


def fill(db: sqlite3.Connection) -> None:
    """The chain for every input that has no link yet, in id order (an upgrade, inside its
    write transaction): an existing ledger's inputs are sealed as they stand then."""
    previous = _last(db)
    done = db.execute("SELECT COALESCE(MAX(input_id), 0) FROM journal_chain").fetchone()[0]
    rows = db.execute(f"SELECT {_COLUMNS} FROM inputs WHERE id > ? ORDER BY id", (done,)).fetchall()
    for row in rows:
        previous = link(previous, row)
        db.execute("INSERT INTO journal_chain (input_id, hash) VALUES (?, ?)", (row[0], previous))


@dataclass(frozen=True)
class Break:
    input_id: int
    hsa_id: str
    kind: str
    date: str
    why: str  # Swedish


def problems(db: sqlite3.Connection) -> list[Break]:
    """Every input whose link does not hold, in id order (empty: the chain is whole)."""
    inputs = db.execute(f"SELECT {_COLUMNS} FROM inputs ORDER BY id").fetchall()
    hashes = dict(db.execute("SELECT input_id, hash FROM journal_chain").fetchall())
    out: list[Break] = []
    previous = GENESIS
    known = set()
    for row in inputs:
        input_id = row[0]
        known.add(input_id)
        stored = hashes.get(input_id)
        if stored is None:
            out.append(Break(input_id, row[1], row[2], row[3], "saknar länk i kedjan (skriven "
                             "utanför kravkoll?)"))
            continue
        if stored != link(previous, row):
            out.append(Break(input_id, row[1], row[2], row[3], "kedjan bryts här: posten (eller "
                             "posten före den) har ändrats, tagits bort eller lagts till "
                             "utanför kravkoll"))
        previous = stored
    for input_id in sorted(set(hashes) - known):
        out.append(Break(input_id, "", "", "", "länken finns men posten saknas (borttagen "
                         "utanför kravkoll)"))
    return sorted(out, key=lambda b: b.input_id)
