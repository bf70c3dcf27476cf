"""Every demand as it stood on a date: its status then (the dates that have passed applied by
the lifecycle, lifecycle.py), the deadline that matters, what it has cost (owed.py) and what the
region may decide next (proposed.py). Nothing is written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from engine.model import sanctions
from engine.model.rulebook import basis_words

from .lifecycle import (AFTER_FORELAGGANDE, CLOSED, PLAN_PHASE, REGISTER_EVENTS, STATUS_LABELS,
                        Event, Standing, step)
from . import owed, proposed, simulation
from .owed import Accrual, sanction_of
from .recorded import recorded


@dataclass
class View:
    """A demand as of a date: its status then (with the dates that have passed applied), the
    deadline that matters now, days past it, the vite run up so far, and what the region may
    do next (proposals and rights: never statuses kravkoll sets)."""

    demand: object  # ledger.DemandRow
    as_of: dt.date
    status: str
    since: dt.date
    pending: bool  # the status comes from a date that has passed and is not yet in the ledger
    deadline: dt.date | None
    days_overdue: int
    accruals: list[Accrual]
    vite_max: dict | None  # the ceiling per brist of a vite after föreläggande
    plan: object | None  # ledger.PlanRow received by the date
    events: list  # ledger.EventRow up to the date
    dispens: object | None  # ledger.DispensRow in force on the date
    proposals: list[dict] = field(default_factory=list)  # what kravkoll proposes, not decided
    termination: dict | None = None  # the region's right to terminate, when it exists
    forelaggande: dict | None = None  # the decision: date, frist, diarienummer, väsentlig …
    withheld: dict | None = None  # innehållen ersättning (003 l.852–854)
    invoiced: list[dict] = field(default_factory=list)  # vite decided and invoiced, as recorded
    notes: list[str] = field(default_factory=list)  # what cannot be computed, and why
    register: dict = field(default_factory=dict)  # event id -> Recorded
    plans: list = field(default_factory=list)  # every plan received by the date, in order
    # what the deadline rests on: avtalstext, regionens beslut (datum, diarienummer) or förslag
    # (a förslag gives a reminder, never kronor or a right)
    deadline_basis: str | None = None

    @property
    def vite_kr(self) -> int:
        return sum(a.amount_kr for a in self.accruals)

    @property
    def invoiced_kr(self) -> int:
        return sum(i["belopp"] for i in self.invoiced)

    @property
    def open(self) -> bool:
        return self.status not in CLOSED

    @property
    def status_label(self) -> str:
        if self.status == "inkommen" and self.plan is not None and self.plan.decision == "underkand" \
                and self.plan.decided and self.plan.decided <= self.as_of:
            return "handlingsplan underkänd"
        return STATUS_LABELS[self.status]


def views(demands: list, events: list, plans: dict, dispenser: list, as_of: dt.date) -> list[View]:
    """Every demand that existed on `as_of`, as it stood then (nothing is written)."""
    by_demand: dict[int, list] = {}
    for e in events:
        if e.date <= as_of:
            by_demand.setdefault(e.demand_id, []).append(e)
    # a demand exists from its creation (a refusal recorded with an earlier date does not
    # make it older)
    rows = [d for d in demands if any(e.from_status is None for e in by_demand.get(d.id, ()))]
    status_events: dict[int, list] = {}
    for d in rows:
        by_demand[d.id].sort(key=lambda e: (e.date, e.id))
        status_events[d.id] = [e for e in by_demand[d.id] if e.event not in REGISTER_EVENTS]
    current = {d.id: (status_events[d.id][-1].to_status, _since(status_events[d.id])) for d in rows}
    live = [d for d in rows if current[d.id][0] not in CLOSED]
    ticks = step([(Standing(str(d.id), current[d.id][0], d.period, d.due,
                            d.frist if current[d.id][0] in AFTER_FORELAGGANDE else None),
                   Event("tick", as_of)) for d in live])
    pending = {}
    for d, s in zip(live, ticks):
        if s.changed:
            current[d.id] = (s.after, s.date)
            pending[d.id] = True
    handlings = owed.handlings(rows, by_demand, current, as_of)
    out = []
    for d in rows:
        status, since = current[d.id]
        evs = by_demand[d.id]
        reg = recorded(evs)
        received = [p for p in plans.get(d.id, ()) if p.received <= as_of]
        plan = received[-1] if received else None
        deadline, overdue = None, 0
        again = owed.new_plan_due(plan, evs, reg)
        if status in PLAN_PHASE and d.due:
            deadline = d.due
        elif status in AFTER_FORELAGGANDE and d.frist:
            deadline = d.frist
        elif status == "inkommen" and again is not None:
            deadline = again
        if deadline is not None:
            overdue = max(0, (as_of - deadline).days)
        notes: list[str] = []
        # the day the status closed (an entry of the register recorded later with an earlier
        # date carries the status it was recorded under, not the day it closed)
        closed_on = next((e.date for e in status_events[d.id] if e.to_status in CLOSED), None)
        accruals = owed.accruals(d, evs, reg, status, as_of, handlings.get(d.id), closed_on, notes)
        vite_max = None
        r = sanction_of(d.terms.get("rattelse"))
        if status in AFTER_FORELAGGANDE and r is not None:
            vite_max = {"sanction": r[0], "title": r[1].title, "amount_kr": r[1].amount_kr,
                        "text": sanctions.describe(r[1])}
        dispens = next((x for x in dispenser if x.hsa_id == d.hsa_id and x.rule_id == d.rule_id
                        and x.valid_on(as_of)), None)
        v = View(d, as_of, status, since, pending.get(d.id, False), deadline, overdue,
                 accruals, vite_max, plan, evs, dispens, notes=notes, register=reg,
                 plans=received)
        v.forelaggande = proposed.forelaggande_of(d, evs, reg)
        v.deadline_basis = _deadline_basis(v, again, evs, reg)
        v.proposals = proposed.proposals(v)
        v.termination = proposed.termination(v)
        v.withheld = owed.withheld(d, evs, closed_on, as_of)
        v.invoiced = [{"date": r.date.isoformat(), "belopp": int(r.detail.get("belopp", 0)),
                       "diarienummer": r.detail.get("diarienummer"), "event_id": r.event.id}
                      for r in reg.values() if r.event.event == "fakturerat" and not r.withdrawn]
        out.append(v)
    out.sort(key=lambda v: (v.demand.hsa_id, v.demand.rule_id, v.demand.period))
    # money and rights computed a second way, day by day: a disagreement stops the command
    # (exit 3), as the evaluation's cross-check does
    simulation.verify(out)
    return out


def _since(evs: list) -> dt.date:
    """When the demand got its current status (events that keep the status do not count)."""
    status = evs[-1].to_status
    for e in reversed(evs):
        if e.to_status == status and e.from_status != status:
            return e.date
    return evs[-1].date


def _deadline_basis(v: View, again, evs: list, reg: dict) -> str | None:
    d = v.demand
    if v.deadline is None:
        return None
    if v.deadline == again and v.status == "inkommen":
        rejection = [r for r in owed.rejections(evs, reg)][-1]
        return basis_words(owed.new_plan_due_basis(d, rejection))
    if v.status in AFTER_FORELAGGANDE and v.forelaggande:
        return v.forelaggande["frist_basis"]
    return basis_words(owed.plan_days_basis(d))
