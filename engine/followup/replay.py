"""A unit's follow-up as the store and the views read it: the demands, plans and events the
fold (fold.py) derives from the unit's journal, in domain order, whatever order it came in;
for a legacy unit (written before the journal) its stored rows. `views` gives every demand as
it stood on a date (views.py).
"""

from __future__ import annotations

import datetime as dt

from .fold import ANNOTATIONS, KINDS, LABELS, order_key, rebuild, replay_into
from .ledger import Ledger
from .unit_state import UnitState
from .views import views as unit_views

# The fold's names, read here before the fold had its own module.
__all__ = ["ANNOTATIONS", "KINDS", "LABELS", "is_legacy", "order_key", "rebuild", "state", "units",
           "views"]


def is_legacy(ledger: Ledger, hsa_id: str) -> bool:
    """A unit with demands stored the way kravkoll kept them before the journal."""
    return bool(ledger.demands(hsa_id)) and not ledger.inputs(hsa_id)


def state(ledger: Ledger, hsa_id: str | None = None) -> Ledger:
    """The ledger to read a unit from: its replayed journal, or the stored rows of a legacy
    unit. Without a unit: every unit replayed into one ledger, one after the other (for a look
    at the whole ledger; its numbers are a unit's own only for the first unit)."""
    if hsa_id is not None:
        if is_legacy(ledger, hsa_id) or not ledger.inputs(hsa_id):
            return ledger
        return rebuild(ledger, hsa_id)[0]
    journaled = ledger.journal_units()
    if not journaled or any(is_legacy(ledger, u) for u in units(ledger)):
        return ledger
    scratch = UnitState(ledger.path)
    with scratch.write():
        for unit in sorted(journaled):
            replay_into(scratch, ledger, unit, None)
        for d in ledger.dispenser():
            if d.hsa_id not in journaled:
                scratch.copy_dispens(d)
    scratch.input_id = None
    return scratch


def units(ledger: Ledger, region: str | None = None) -> list[str]:
    """Every unit the ledger follows (with checks or demands), optionally of one region."""
    found = {c.hsa_id for c in ledger.checks() if region is None or c.region == region}
    found |= {d.hsa_id for d in ledger.demands(region=region)}
    return sorted(found)


def views(ledger: Ledger, day: dt.date, hsa_id: str | None = None,
          region: str | None = None) -> list:
    """Every demand of the unit (or of every unit, of one region) as it stood on `day`, each
    unit derived from its own journal (inside a read transaction)."""
    out = []
    for unit in [hsa_id] if hsa_id else units(ledger, region):
        derived = state(ledger, unit)
        out += unit_views(derived.demands(unit, region), derived.events(hsa_id=unit),
                          derived.plans(), derived.dispenser(unit), day)
    out.sort(key=lambda v: (v.demand.hsa_id, v.demand.rule_id, v.demand.period))
    return out
