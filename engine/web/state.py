"""The demands as of a day, per unit, as the command line derives them, kept between requests.

A unit's demands are derived by replaying its journal (followup/replay.py): ~2 ms a unit, 2,7 s
for a county of 1 200. A page cannot wait for that, so each unit's derived state (its demands,
events, plans, dispenser and the views on a day) is kept with the signature of what it was
derived from (its journal, checks and dispenser: store.signatures) and derived again only when
that changed. Whether anything changed at all is one look at the tables' newest rows
(store.version): the journal and the checks are append-only. What is shown is always what
`demands list --as-of` and `demands history` show.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from engine.followup import replay
from engine.followup.ledger import Ledger
from engine.followup.views import views as unit_views


@dataclass
class UnitState:
    views: list
    demands: dict  # demand id → DemandRow (the replay's own ids)
    events: list
    plans: list
    dispenser: list


class Views:
    def __init__(self, ledger_path, store):
        self.path = ledger_path
        self.store = store
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, dt.date], tuple[tuple, UnitState]] = {}
        self._sigs: tuple[tuple, dict] | None = None
        self._memo: dict = {}
        self._making: dict = {}
        self._refresh = threading.Lock()

    def signatures(self) -> tuple[tuple, dict]:
        """(the ledger's version, per-unit signatures), the latter read only when the former
        moved."""
        version = self.store.version()
        with self._lock:
            known = self._sigs
        if known and known[0] == version:
            return known
        with self._refresh:  # one thread reads them; the others wait and take its answer
            with self._lock:
                known = self._sigs
            if known and known[0] == version:
                return known
            sigs = (version, self.store.signatures(*(known or (None, None))))
            with self._lock:
                self._sigs = sigs
            return sigs

    def memo(self, key, make, scope: str = "all"):
        """A value made from the ledger as it stands, kept until what it was made from changes
        (`scope` "checks": only the registered checks). Made by one thread at a time per key:
        after a write, twenty readers wait for one making instead of all making it."""
        version = self.signatures()[0]
        if scope == "checks":
            version = version[1]
        with self._lock:
            hit = self._memo.get(key)
            gate = self._making.setdefault(key, threading.Lock())
        if hit and hit[0] == version:
            return hit[1]
        with gate:
            with self._lock:
                hit = self._memo.get(key)
            if hit and hit[0] == version:
                return hit[1]
            value = make()
            with self._lock:
                if len(self._memo) > 256:
                    self._memo.clear()
                self._memo[key] = (version, value)
            return value

    def _derive(self, units: list[str], day: dt.date) -> dict[str, UnitState]:
        out = {}
        with Ledger(self.path, readonly=True) as ledger:
            with ledger.read():
                for unit in units:
                    state = replay.state(ledger, unit)
                    demands = state.demands(unit)
                    events = state.events(hsa_id=unit)
                    plans = state.plans()
                    dispenser = state.dispenser(unit)
                    out[unit] = UnitState(
                        unit_views(demands, events, plans, dispenser, day),
                        {d.id: d for d in demands}, events,
                        [p for ps in plans.values() for p in ps], dispenser)
        return out

    def states(self, day: dt.date, only: str | None = None) -> dict[str, UnitState]:
        """Unit → its state on `day` (every unit the ledger follows, or only the one)."""
        sigs = self.signatures()[1]
        wanted = [only] if only else sorted(sigs)
        with self._lock:
            hits = {u: self._cache.get((u, day)) for u in wanted}
        stale = [u for u in wanted if hits[u] is None or hits[u][0] != sigs.get(u)]
        if stale:
            # signatures read before the derivation: a write in between only makes the next
            # request derive the unit again, never keeps an old state
            fresh = self._derive(stale, day)
            with self._lock:
                for u in stale:
                    self._cache[(u, day)] = (sigs.get(u), fresh[u])
                    hits[u] = self._cache[(u, day)]
                if len(self._cache) > 3 * max(1, len(sigs)):  # days long gone
                    for key in [k for k in self._cache if k[1] != day]:
                        del self._cache[key]
        return {u: hits[u][1] for u in wanted}

    def units(self, day: dt.date, only: str | None = None) -> dict[str, list]:
        return {u: s.views for u, s in self.states(day, only).items()}

    def all(self, day: dt.date) -> list:
        out = [v for vs in self.units(day).values() for v in vs]
        out.sort(key=lambda v: (v.demand.hsa_id, v.demand.rule_id, v.demand.period))
        return out
