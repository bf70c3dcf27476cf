"""The demands, events and plans the fold builds from a unit's journal, held in memory.

The fold (fold.py) replays a unit's inputs, in domain order, into this: no database inside it.
It answers the reads the fold and the views make of a kravliggare (ledger.Ledger) with the same
rows, the same ids (numbered from 1 in the order they are made, as the ledger's tables number
them) and the same orders (the ledger's ORDER BY clauses), so that a unit derived here reads
exactly like one stored. Values go in and out the way the ledger stores them: dicts as their
JSON (copied, so a row's detail or terms never changes after it is written).
"""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from .ledger import CheckRow, DemandRow, DispensRow, EventRow, PlanRow, dumps

# The order a demand's status moves in (ledger._STATUS_ORDER, without the legacy status that a
# fold never writes).
_FORWARD = ("kravd", "forsenad", "inkommen", "godkand", "forelaggande", "vite", "atgardad")


def _copy(data):
    """A dict as the ledger gives it back: through its JSON."""
    return json.loads(dumps(data))


class UnitState:
    """The kravliggare's rows for the units folded into it (a read and write interface like
    ledger.Ledger's, in memory)."""

    def __init__(self, label: str | Path):
        self.path = Path(label)  # the real ledger's path: what messages name
        self.readonly = False
        self.input_id: int | None = None  # the journal input being folded
        self._checks: dict[int, CheckRow] = {}
        self._demands: dict[int, DemandRow] = {}
        self._events: dict[int, EventRow] = {}
        self._plans: dict[int, PlanRow] = {}
        self._dispenser: dict[int, DispensRow] = {}

    # --- transactions: nothing to commit or roll back in memory ---------------------------------

    @contextmanager
    def write(self):
        yield self

    @contextmanager
    def read(self):
        yield self

    def close(self) -> None:
        pass

    # --- reads (the ledger's orders) ----------------------------------------------------------

    def has_journal(self) -> bool:
        return False

    def inputs(self, hsa_id: str | None = None) -> list:
        return []

    def journal_units(self) -> set[str]:
        return set()

    def check_by_sha(self, sha256: str) -> CheckRow | None:
        return next((c for c in self._checks.values() if c.submission_sha256 == sha256), None)

    def check(self, check_id: int) -> CheckRow:
        return self._checks[check_id]

    def checks(self, hsa_id: str | None = None) -> list[CheckRow]:
        rows = [c for c in self._checks.values() if not hsa_id or c.hsa_id == hsa_id]
        return sorted(rows, key=lambda c: (c.hsa_id, c.period, c.decided, c.id))

    def demands(self, hsa_id: str | None = None, region: str | None = None,
                rule_id: str | None = None) -> list[DemandRow]:
        rows = [d for d in self._demands.values()
                if (hsa_id is None or d.hsa_id == hsa_id) and (region is None or d.region == region)
                and (rule_id is None or d.rule_id == rule_id)]
        return sorted(rows, key=lambda d: (d.hsa_id, d.rule_id, d.period, d.id))

    def demand(self, demand_id: int) -> DemandRow:
        return self._demands[demand_id]

    def _of(self, hsa_id: str, rule_id: str) -> list[DemandRow]:
        return [d for d in self._demands.values() if d.hsa_id == hsa_id and d.rule_id == rule_id]

    def open_demand(self, hsa_id: str, rule_id: str) -> DemandRow | None:
        return next((d for d in self._of(hsa_id, rule_id) if not d.closed), None)

    def latest_demand(self, hsa_id: str, rule_id: str) -> DemandRow | None:
        rows = sorted(self._of(hsa_id, rule_id), key=lambda d: (d.closed, -d.period, d.id))
        return rows[0] if rows else None

    def demand_for_period(self, hsa_id: str, rule_id: str, period: int) -> DemandRow | None:
        return next((d for d in self._of(hsa_id, rule_id) if d.period == period), None)

    def events(self, demand_id: int | None = None, hsa_id: str | None = None) -> list[EventRow]:
        if demand_id is not None:
            rows = [e for e in self._events.values() if e.demand_id == demand_id]
            return sorted(rows, key=lambda e: (e.date, e.id))
        rows = [e for e in self._events.values()
                if hsa_id is None or self._demands[e.demand_id].hsa_id == hsa_id]
        return sorted(rows, key=lambda e: (e.demand_id, e.date, e.id))

    def event(self, event_id: int) -> EventRow | None:
        return self._events.get(event_id)

    def last_event(self, demand_id: int) -> EventRow | None:
        rows = self.events(demand_id)
        return rows[-1] if rows else None

    def plan(self, demand_id: int) -> PlanRow | None:
        rows = self.plan_list(demand_id)
        return rows[-1] if rows else None

    def plans(self) -> dict[int, list[PlanRow]]:
        out: dict[int, list[PlanRow]] = {}
        for p in self.plan_list():
            out.setdefault(p.demand_id, []).append(p)
        return out

    def plan_list(self, demand_id: int | None = None) -> list[PlanRow]:
        rows = [p for p in self._plans.values() if demand_id is None or p.demand_id == demand_id]
        return sorted(rows, key=lambda p: (p.demand_id, p.received, p.id))

    def dispenser(self, hsa_id: str | None = None) -> list[DispensRow]:
        rows = [d for d in self._dispenser.values() if not hsa_id or d.hsa_id == hsa_id]
        return sorted(rows, key=lambda d: (d.hsa_id, d.rule_id, d.valid_from, d.id))

    def dispens(self, diarienummer: str, hsa_id: str, rule_id: str) -> DispensRow | None:
        return next((d for d in self._dispenser.values() if d.diarienummer == diarienummer
                     and d.hsa_id == hsa_id and d.rule_id == rule_id), None)

    def counts(self) -> dict[str, int]:
        return {"checks": len(self._checks), "demands": len(self._demands),
                "events": len(self._events), "plans": len(self._plans),
                "dispenser": len(self._dispenser)}

    # --- writes ---------------------------------------------------------------------------------

    def copy_check(self, c: CheckRow) -> None:
        self._checks[c.id] = c

    def copy_dispens(self, d: DispensRow) -> None:
        self._dispenser[d.id] = d

    def add_demand(self, *, hsa_id: str, unit_name: str, region: str, rule_id: str, period: int,
                   kind: str, status: str, decided: dt.date, due: dt.date | None, check_id: int,
                   finding: dict, terms: dict, reason: str) -> int:
        demand_id = len(self._demands) + 1
        self._demands[demand_id] = DemandRow(demand_id, hsa_id, unit_name, region, rule_id, period,
                                             kind, status, decided, due, None, check_id,
                                             _copy(finding), _copy(terms))
        self._add_event(demand_id, decided, None, status, "finding", "skapad", reason, check_id,
                        None)
        return demand_id

    def move(self, demand: DemandRow, to_status: str, date: dt.date, event: str, rule: str,
             reason: str, *, check_id: int | None = None, plan_id: int | None = None,
             frist: dt.date | None = None, detail: dict | None = None) -> DemandRow:
        if _FORWARD.index(to_status) <= _FORWARD.index(demand.status):
            raise RuntimeError(f"status {demand.status} -> {to_status} is not forward")
        current = self._demands[demand.id]
        if current.status != demand.status:
            raise RuntimeError(f"demand {demand.id} changed under us")
        self._demands[demand.id] = replace(current, status=to_status,
                                           frist=frist if frist is not None else current.frist)
        self._add_event(demand.id, date, demand.status, to_status, event, rule, reason, check_id,
                        plan_id, detail)
        return self._demands[demand.id]

    def record(self, demand: DemandRow, date: dt.date, event: str, rule: str, reason: str, *,
               check_id: int | None = None, plan_id: int | None = None,
               detail: dict | None = None) -> int:
        return self._add_event(demand.id, date, demand.status, demand.status, event, rule, reason,
                               check_id, plan_id, detail)

    def set_frist(self, demand_id: int, frist: dt.date) -> None:
        self._demands[demand_id] = replace(self._demands[demand_id], frist=frist)

    def _add_event(self, demand_id, date, from_status, to_status, event, rule, reason, check_id,
                   plan_id, detail=None) -> int:
        event_id = len(self._events) + 1
        self._events[event_id] = EventRow(
            event_id, demand_id, date, from_status, to_status, event, rule, reason, check_id,
            plan_id, _copy(detail) if detail is not None else None, self.input_id)
        return event_id

    def add_plan(self, demand_id: int, received: dt.date, file: str, file_sha256: str) -> int:
        plan_id = len(self._plans) + 1
        self._plans[plan_id] = PlanRow(plan_id, demand_id, received, file, file_sha256, None, None,
                                       None, None)
        return plan_id

    def decide_plan(self, plan_id: int, decision: str, decided: dt.date, reference: str | None,
                    note: str | None) -> None:
        plan = self._plans[plan_id]
        if plan.decision is not None:
            raise RuntimeError(f"plan {plan_id} already decided")
        self._plans[plan_id] = replace(plan, decision=decision, decided=decided,
                                       reference=reference, note=note)
