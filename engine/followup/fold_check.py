"""A checked submission folded into the unit's demands: the dates that have passed, then the
findings on its open demands, then new demands for shortfalls with none open.
"""

from __future__ import annotations

import datetime as dt

from engine.model.rulebook import basis_words
from engine.read.dates import shift

from . import lifecycle
from .changes import Change
from .intake import finding_from_json, snapshot
from .ledger import Ledger
from .lifecycle import Event
from .moves import apply_step, guard_order, standing, tick_all


def apply_check(ledger: Ledger, check_row, payload: dict) -> list[Change]:
    """A checked submission applied to the unit's demands (inside a write transaction): the
    dates that have passed, then the findings on its open demands, then new demands."""
    c = check_row
    decided, period, hsa = c.decided, c.period, c.hsa_id
    findings = [finding_from_json(d) for d in payload["findings"]]
    changes: list[Change] = []
    open_demands = [d for d in ledger.demands(hsa) if not d.closed]
    for d in open_demands:
        guard_order(ledger, d, decided, "beslutsdagen")
    # 1. what the dates alone have done (a due date or a frist passed)
    current = tick_all(ledger, open_demands, decided, changes, c.id)
    # 2. the findings on the unit's open demands
    by_rule = {d.rule_id: d for d in current.values() if not d.closed}
    moved = [(by_rule[f.rule_id], f) for f in findings if f.rule_id in by_rule]
    steps = lifecycle.step([(standing(d), Event("finding", decided, period=period,
                                                outcome=f.outcome))
                            for d, f in moved])
    for (d, f), s in zip(moved, steps):
        apply_step(ledger, d, s, "finding", changes, check_id=c.id, outcome=f.outcome,
               detail=dict(snapshot(f, c.submission_path, None), period=period))
    # 3. new demands for shortfalls with no open demand
    for f in findings:
        if not f.is_shortfall or f.rule_id in by_rule:
            continue
        if ledger.demand_for_period(hsa, f.rule_id, period) is not None:
            continue  # this period's brist was already followed up and closed
        s = payload["shortfalls"][f.rule_id]
        plan_text, kind, t = s["plan_text"], s["kind"], s["terms"]
        days = t.get("handlingsplan_days")
        named = t.get("kind") or kind  # komplettering and forsening are stored as brist
        due = (shift(decided, days) if named in ("handlingsplan", "komplettering") and days
               else None)
        status = "inkommen" if kind == "uppfoljning" else "kravd"
        reason = _created_reason(named, period, due, (t.get("basis") or {}))
        demand_id = ledger.add_demand(
            hsa_id=hsa, unit_name=c.unit_name, region=c.region, rule_id=f.rule_id,
            period=period, kind=kind, status=status, decided=decided, due=due,
            check_id=c.id, finding=snapshot(f, c.submission_path, plan_text), terms=t, reason=reason)
        if kind == "uppfoljning":  # the plan came in with the årsbokslut
            ledger.add_plan(demand_id, c.inlamnad or decided, c.submission_path, c.submission_sha256)
        changes.append(Change(hsa, f.rule_id, period, named, None, status, decided, reason, due,
                              None, f.outcome))
    changes.sort(key=lambda x: (x.hsa_id, x.rule_id, x.period, x.date))
    return changes


def _created_reason(kind: str, period: int, due: dt.date | None, basis: dict) -> str:
    when = f"senast {due} ({basis_words(basis.get('handlingsplan_days'))})"
    if kind == "handlingsplan":
        return f"Kravet uppfylls inte i årsbokslutet för {period}: handlingsplan {when}."
    if kind == "uppfoljning":
        return (f"Kravet uppfylls inte i årsbokslutet för {period}; årsbokslutet anger en "
                "handlingsplan, som följs upp vid nästa dialog.")
    if kind == "komplettering":  # 003 l.852–854: incomplete information, not a brist
        return (f"Uppgiften saknas i årsbokslutet för {period}: enheten ska komplettera "
                "årsbokslutet" + (f" {when}" if due else "") + ".")
    if kind == "forsening":  # 003 l.863–868: a late handling is not corrected afterwards
        deadline = basis.get("deadline") or {}
        return (f"Årsbokslutet för {period} kom in efter sista dagen {deadline.get('date', '')} "
                f"({basis_words(deadline)}).")
    return f"Kravet uppfylls inte i årsbokslutet för {period}."
