"""The demands as of a day, per unit, as the command line derives them, kept between requests.

A unit's demands are derived by replaying its journal (followup/replay.py): ~2 ms a unit, 2,7 s
for a county of 1 200. A page cannot wait for that, so each unit's views are kept with the
signature of what they were derived from (its journal, checks and dispenser: store.signatures)
and the day; a request asks for the signatures (one query per table) and derives only the
units whose signature changed. What is shown is always what `demands list --as-of` shows.
"""

from __future__ import annotations

import datetime as dt
import threading

from engine.followup import replay
from engine.followup.ledger import Ledger
from engine.followup.lifecycle import views as unit_views


class Views:
    def __init__(self, ledger_path, store):
        self.path = ledger_path
        self.store = store
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, dt.date], tuple[tuple, list]] = {}

    def _derive(self, units: list[str], day: dt.date) -> dict[str, list]:
        out = {}
        with Ledger(self.path, readonly=True) as ledger:
            with ledger.read():
                for unit in units:
                    state = replay.state(ledger, unit)
                    out[unit] = unit_views(state.demands(unit), state.events(hsa_id=unit),
                                           state.plans(), state.dispenser(unit), day)
        return out

    def units(self, day: dt.date, only: str | None = None) -> dict[str, list]:
        """Unit → its views on `day` (every unit the ledger follows, or only the one)."""
        sigs = self.store.signatures()
        wanted = [only] if only else sorted(sigs)
        with self._lock:
            hits = {u: self._cache.get((u, day)) for u in wanted}
        stale = [u for u in wanted if hits[u] is None or hits[u][0] != sigs.get(u)]
        if stale:
            # read the signatures again inside the derivation's snapshot would be exact; reading
            # them before is safe: a write after them only makes the next request derive again
            fresh = self._derive(stale, day)
            with self._lock:
                for u in stale:
                    self._cache[(u, day)] = (sigs.get(u), fresh[u])
                    hits[u] = self._cache[(u, day)]
                if len(self._cache) > 20 * max(1, len(sigs)):  # days long gone
                    for key in [k for k in self._cache if k[1] != day]:
                        del self._cache[key]
        return {u: hits[u][1] for u in wanted}

    def all(self, day: dt.date) -> list:
        out = [v for vs in self.units(day).values() for v in vs]
        out.sort(key=lambda v: (v.demand.hsa_id, v.demand.rule_id, v.demand.period))
        return out
