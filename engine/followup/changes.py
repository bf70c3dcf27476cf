"""What a command did to a unit's demands (or found already done): one Change per demand, as the
CLI prints them and the JSON gives them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from .ledger import DemandRow
from .lifecycle import kind_of


@dataclass(frozen=True)
class Change:
    """One thing a command did to the ledger (or found already done)."""

    hsa_id: str
    rule_id: str
    period: int  # the demand's period
    kind: str
    before: str | None  # None: a new demand
    after: str
    date: dt.date
    reason: str
    due: dt.date | None = None
    frist: dt.date | None = None
    outcome: str | None = None  # the finding behind the change, if any
    noop: bool = False  # nothing written: the same thing was recorded before

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        for k in ("date", "due", "frist"):
            d[k] = d[k].isoformat() if d[k] else None
        return d


def kept(d: DemandRow, day: dt.date, reason: str, noop: bool = False) -> Change:
    """A change that leaves the demand's status as it is (a note, an invoice, a refusal)."""
    return Change(d.hsa_id, d.rule_id, d.period, kind_of(d), d.status, d.status, day, reason,
                  d.due, d.frist, None, noop=noop)


def noop(d: DemandRow, day: dt.date, reason: str) -> Change:
    """Nothing recorded: the same entry was already there."""
    return kept(d, day, reason, noop=True)


def note_words(note: str | None) -> str:
    return f" Anteckning: {note.strip()}" if note and note.strip() else ""
