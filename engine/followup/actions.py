"""What a handläggare records on a demand, validated and journaled in one place.

The command line (`kravkoll demands …`, `kravkoll dispens grant`) and the web (engine/web) both
come here: the same checks of dates, rule ids and amounts, the same journal entry, the same
changes back. Messages name the field the way the caller shows it (`label`: "--date" on the
command line, "Datum" in a form).

- `preview` runs the very same recording inside a write transaction that is always rolled
  back: the consequence shown before anything is written is what recording it would do.
- `attributed` names who recorded each journal entry written through that connection (table
  `input_by`, in the same transaction as the entry: both or neither).
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager

from engine.errors import InputError, UsageError
from engine.model.rulebook import RULE_ID_PATTERN
from engine.model.submission import HSA_ID_PATTERN
from engine.read import text_rules
from engine.read.dates import outside_window, parse_day

from typing import TYPE_CHECKING

from .ledger import Ledger

if TYPE_CHECKING:
    from .demands import Change

HSA_ID = re.compile(HSA_ID_PATTERN)
RULE_ID = re.compile(RULE_ID_PATTERN)

# What may be recorded on a demand, by the name the web and the journal use.
KINDS = ("plan", "godkand", "underkand", "forelaggande", "vite", "rattelse", "dispens",
         "korrigering", "aterkallelse")


def day(value: str | None, label: str) -> dt.date | None:
    """A date as written (2024-03-31), inside read.dates' window; None when not given."""
    if value is None:
        return None
    parsed = parse_day(value)
    if parsed is None:
        raise UsageError.single(None, f"{label}: '{value}' är inget datum; skriv som 2024-03-31")
    why = outside_window(parsed)
    if why:
        raise UsageError.single(None, f"{label}: {why}")
    return parsed


def recorded(value: str | None, label: str = "--date") -> dt.date | None:
    """The date of something that happened: never later than today (a register records what
    has happened; a date in the future is a typo)."""
    parsed = day(value, label)
    if parsed is not None and parsed > dt.date.today():
        raise UsageError.single(None, f"{label}: {parsed} ligger i framtiden (i dag är "
                                f"{dt.date.today()}); kravliggaren registrerar det som har hänt")
    return parsed


def hsa(value: str) -> str:
    if not HSA_ID.fullmatch(value):
        raise UsageError.single(None, f"'{value}' är inget HSA-id (t.ex. SE2321000207-E00000000042)")
    return value


def rules(values) -> list[str]:
    out = []
    for v in values:
        rule = v.upper()
        if not v.isascii() or not RULE_ID.fullmatch(rule):  # 'ß'.upper() is 'SS'
            raise UsageError.single(None, f"'{v}' är inget regel-id (t.ex. JHV-BEM-03)")
        if rule not in out:
            out.append(rule)
    return out


def known_rule(books, rule: str) -> None:
    """A dispens is for a rule some rulebook has; a typo gets the nearest id."""
    known = {r.id for b in books for r in b.model.rules}
    if rule not in known:
        import difflib

        hint = difflib.get_close_matches(rule, sorted(known), n=1)
        raise InputError.single(None, f"ingen regel med id {rule}" + (f" (menade du {hint[0]}?)" if hint else ""))


# The text rules (engine/read/text_rules.py) for a decision's own text, whoever typed it: the
# command line checks its options already; a form in the browser reaches the journal only here.
_TEXT_KINDS = {"diarienummer": text_rules.IDENT, "note": text_rules.BLOCK,
               "reason": text_rules.BLOCK, "file": text_rules.LINE}
_TEXT_LABELS = {"diarienummer": "diarienummer", "note": "anteckning", "reason": "skäl",
                "file": "handlingsplanens fil"}


def _text_fields(fields: dict) -> None:
    for name, kind in _TEXT_KINDS.items():
        value = fields.get(name)
        if isinstance(value, str):
            try:
                fields[name] = text_rules.check(value, kind)
            except text_rules.TextRefused as exc:
                raise InputError.single(None, f"{_TEXT_LABELS[name]}: {exc}") from None


def decide(ledger: Ledger, kind: str, hsa_id: str, rule_ids, when: dt.date | None,
           **fields) -> list[Change]:
    """Record one thing the beställarenhet did or decided on the unit's demands (the rule ids
    are checked here). `when` is the day it happened (already read with `recorded`); `fields`
    are the kind's own: file, diarienummer, note, new_due, frist_days, vasentlig, belopp, per,
    event_id, reason, changes, valid_to. Returns the changes (a dispens: [])."""
    from . import demands  # the lifecycle and the rule engine: loaded when something is recorded

    ids = rules(rule_ids)
    _text_fields(fields)
    f = fields.get
    if kind == "plan":
        return demands.record_plan(ledger, hsa_id, ids, when, f("file"))
    if kind in ("godkand", "underkand"):
        return demands.record_decision(ledger, hsa_id, ids, kind, when, f("diarienummer"),
                                       f("note"), f("new_due"))
    if kind == "forelaggande":
        return demands.record_forelaggande(ledger, hsa_id, ids, when, f("diarienummer"),
                                           f("frist_days"), bool(f("vasentlig")), f("note"))
    if kind == "vite":
        return demands.record_vite(ledger, hsa_id, ids, when, f("belopp"), f("diarienummer"),
                                   f("per"), f("note"))
    if kind == "rattelse":
        return demands.record_rattelse(ledger, hsa_id, ids, when, f("diarienummer"), f("note"))
    if kind == "korrigering":
        return demands.correct(ledger, hsa_id, ids[0], f("event_id"), f("changes"), f("reason"),
                               when)
    if kind == "aterkallelse":
        return demands.withdraw(ledger, hsa_id, ids[0], f("event_id"), f("reason"), when)
    if kind == "dispens":
        demands.grant_dispens(ledger, hsa_id, ids[0], f("diarienummer"), f("reason"), when,
                              f("valid_to"))
        return []
    raise ValueError(kind)


def grant(ledger: Ledger, hsa_id: str, rule: str, diarienummer: str, reason: str,
          first: dt.date, until: dt.date):
    """A dispens granted: (the dispens, whether it is new)."""
    from . import demands

    return demands.grant_dispens(ledger, hsa_id, rule, diarienummer, reason, first, until)


class _DryRun(Ledger):
    """The ledger, where every write transaction is rolled back at its end."""

    scratch = classmethod(lambda cls, label: Ledger.scratch(label))

    @contextmanager
    def write(self):
        if self._in_tx:
            raise RuntimeError("nested ledger transaction")
        with self.rolled_back("BEGIN IMMEDIATE"):
            yield self


def preview(path, kind: str, hsa_id: str, rule_ids, when: dt.date | None,
            **fields) -> list[Change]:
    """What `decide` would change, by doing exactly that and rolling it back."""
    with _DryRun(path, create=False) as ledger:
        return decide(ledger, kind, hsa_id, rule_ids, when, **fields)


INPUT_BY = """
CREATE TABLE IF NOT EXISTS input_by (
    input_id INTEGER PRIMARY KEY REFERENCES inputs(id),
    user TEXT NOT NULL
)
"""


@contextmanager
def attributed(ledger: Ledger, user: str):
    """Every journal entry this connection writes meanwhile is recorded as `user`'s, in the
    same transaction (a TEMP trigger: the journal itself is not changed)."""
    db = ledger._db
    with ledger.write():
        db.execute(INPUT_BY)
    db.execute("CREATE TEMP TABLE IF NOT EXISTS actor (name TEXT NOT NULL)")
    db.execute("DELETE FROM temp.actor")
    db.execute("INSERT INTO temp.actor VALUES (?)", (user,))
    db.execute("CREATE TEMP TRIGGER IF NOT EXISTS input_by_actor AFTER INSERT ON main.inputs "
               "BEGIN INSERT INTO input_by (input_id, user) "
               "SELECT NEW.id, name FROM actor; END")
    try:
        yield ledger
    finally:
        db.execute("DELETE FROM temp.actor")
