"""A second, independent computation of money and rights, that every view is checked against.

owed.py and proposed.py compute, as of a date, what a demand has cost and when the right to
terminate arises, with date arithmetic (days between two dates, weeks by division, the later
of two days). This module walks the calendar instead, one day at a time, from the recorded
events: on each day it asks whether the handling is still missing, whether a refusal's vite or
a decided vite runs, whether the 30 days after the notice and the frist are over, and adds a
rate when a (begun or whole) week or month starts, until the cap. It shares no arithmetic with
owed.py (no sanctions.weeks, no accrued_kr, no shift): only the events and the bases.

The two must agree on every view; a disagreement is a defect in kravkoll, not in the input:
`verify` raises Disagreement and the command stops with exit code 3 (as the evaluation's
cross-check does, engine/evaluate/crosscheck.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import takewhile

from engine.model.rulebook import basis_decides

from .lifecycle import CLOSED, PLAN_PHASE, REGISTER_EVENTS, kind_of, termination_terms

ONE_DAY = dt.timedelta(days=1)


class Disagreement(RuntimeError):
    """The views and the day-by-day simulation give different money or rights (a defect)."""

    def __init__(self, hsa_id: str, rule_id: str, what: str, computed, simulated):
        self.args_ = (hsa_id, rule_id, what, computed, simulated)
        super().__init__(f"internt fel: beräkningen och dag-för-dag-simuleringen är oeniga om "
                         f"{what} för {rule_id} ({hsa_id}): beräknat {computed}, simulerat "
                         f"{simulated}")

    def __reduce__(self):
        return (Disagreement, self.args_)


@dataclass(frozen=True)
class Expected:
    contract_kr: int  # förseningsvite and listningsvite that "utgår" by the contract
    decided_kr: int  # vite the region decided after a föreläggande
    termination_from: str | None  # the first day of the right to terminate (ISO)


def _days(after: dt.date, through: dt.date):
    """Every day after `after` through `through`."""
    day = after
    while day < through:  # never past `through` (and so never past dt.date.max)
        day += ONE_DAY
        yield day


def _weekly(days_running, rate: int, cap: int | None, counting: str) -> int:
    """Walk the days a weekly vite runs: a begun week adds the rate on its first day, a whole
    week on its seventh; stop at the cap."""
    total, n = 0, 0
    for _day in days_running:
        n += 1
        starts = (n % 7 == 1) if counting == "begun" else (n % 7 == 0)
        if starts:
            total += rate
            if cap is not None and total >= cap:
                return cap
    return total


def _status_events(v) -> list:
    return [e for e in v.events if e.event not in REGISTER_EVENTS]


def _left_plan_phase(v) -> dt.date | None:
    return next((e.date for e in _status_events(v)
                 if e.from_status in PLAN_PHASE and e.to_status not in PLAN_PHASE), None)


def _closed_on(v) -> dt.date | None:
    return next((e.date for e in _status_events(v) if e.to_status in CLOSED), None)


def _sanction(entry: dict | None) -> dict | None:
    return entry["sanction"] if entry else None


def _plan_handling_kr(v, group: list) -> int:
    """The handlingsplan's (or komplettering's) förseningsvite, once per handling: counted on
    the first krav of the group (same unit, check and last day), on every day after the last
    day on whose start some krav of the group still had no plan."""
    d = v.demand
    s = _sanction(d.terms.get("late"))
    if s is None or d.due is None or not basis_decides((d.terms.get("basis") or {})
                                                       .get("handlingsplan_days")):
        return 0
    if min(x.demand.rule_id for x in group) != d.rule_id:
        return 0  # counted on the group's first krav
    ends = [_left_plan_phase(x) for x in group]

    def missing(day: dt.date) -> bool:
        return any(end is None or end >= day for end in ends)

    # once every plan of the group is in, the handling stays in: the walk ends there
    running = takewhile(missing, _days(d.due, v.as_of))
    return _weekly(running, s["amount_kr"], s.get("cap_kr"), s.get("weeks") or "begun")


def _new_plans_kr(v) -> int:
    """Each new plan asked for after a rejection is a handling of its own, late from the day
    after its own last day, when the rejection named that day or the rulebook's time is
    decided."""
    d = v.demand
    s = _sanction(d.terms.get("late"))
    if s is None:
        return 0
    total = 0
    closed = _closed_on(v)
    new_plans = [e.date for e in v.events if e.rule == "ny_plan"]
    for r in sorted(v.register.values(), key=lambda r: (r.date, r.event.id)):
        if r.event.rule != "plan_underkand" or r.withdrawn or not r.detail.get("ny_sista_dag"):
            continue
        named = r.detail.get("ny_sista_dag_kalla") == "beslut"
        if not named and not basis_decides((d.terms.get("basis") or {}).get("handlingsplan_days")):
            continue
        due = dt.date.fromisoformat(r.detail["ny_sista_dag"])
        came = next((x for x in new_plans if x >= r.date), None)

        def running(day, came=came):
            return ((came is None or came >= day) and (closed is None or closed >= day))

        total += _weekly(takewhile(running, _days(due, v.as_of)), s["amount_kr"],
                         s.get("cap_kr"), s.get("weeks") or "begun")
    return total


def _fixed_kr(v) -> int:
    """The check's own förseningsvite (a late årsbokslut), walked from its days late."""
    d = v.demand
    total = 0
    for a in d.terms.get("fixed", []):
        if not basis_decides(a):
            continue
        s = next((_sanction(x) for x in d.terms.get("sanctions", []) if x["id"] == a["sanction"]),
                 None)
        if s is None:
            total += a["amount_kr"]
            continue
        start = dt.date(2000, 1, 1)
        total += _weekly(_days(start, start + dt.timedelta(days=a["days_late"])), s["amount_kr"],
                         s.get("cap_kr"), s.get("weeks") or "begun")
    return total


def _rule_weekly_kr(v) -> int:
    """A weekly vite of the rule itself (listningsvite per person, 003 l.870–872), from each
    recorded refusal until the demand is åtgärdad."""
    d = v.demand
    if d.finding.get("outcome") not in ("fail", "partial") or kind_of(d) == "forsening":
        return 0
    late = d.terms.get("late")
    fixed = {a["sanction"] for a in d.terms.get("fixed", [])}
    end = _closed_on(v) or v.as_of
    refusals = sorted((r for r in v.register.values() if r.event.event == "nekad_listning"
                       and not r.withdrawn and r.date <= v.as_of),
                      key=lambda r: (r.date, r.event.id))
    total = 0
    for entry in d.terms.get("sanctions", []):
        s, name = entry["sanction"], entry["id"]
        if (s.get("interval") != "vecka" or name in fixed or (late and name == late["id"])
                or "handling" in (s.get("per") or "")):
            continue
        per_person = (s.get("per") or "").startswith("person")
        if per_person and not refusals:
            continue
        starts = ([(r.date, int(r.detail.get("personer", 1))) for r in refusals] if refusals
                  else [(d.decided, 1)])
        for start, persons in starts:
            total += persons * _weekly(_days(start, end), s["amount_kr"], s.get("cap_kr"),
                                       s.get("weeks") or "begun")
    return total


def _decided_kr(v) -> int:
    """A vite the region decided: once, or on the first day of each begun week or calendar
    month after the decision until rättelse, up to the decision's ceiling."""
    vite = next((v.register[e.id] for e in v.events if e.event == "vite"
                 and e.to_status == "vite" and e.id in v.register), None)
    if vite is None:
        return 0
    det = vite.detail
    belopp, per, cap = int(det.get("belopp", 0)), det.get("per", "engang"), det.get("tak")
    cap = int(cap) if cap else None
    end = _closed_on(v) or v.as_of
    if per == "vecka":
        return _weekly(_days(vite.date, end), belopp, cap, "begun")
    if per == "manad":
        total, months, last = 0, 0, None
        for day in _days(vite.date, end):
            # a new begun month on the day after the decision, and again each time the day
            # passes the decision's day of the month in a later month
            key = (day.year, day.month) if day.day > vite.date.day else _previous(day)
            if key != last:
                last, months = key, months + 1
                total += belopp
                if cap is not None and total >= cap:
                    return cap
        return total
    return min(belopp, cap) if cap else belopp


def _previous(day: dt.date) -> tuple[int, int]:
    return (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)


def _termination_from(v) -> str | None:
    """The first day on which the 30 days after the written notice are over (day 30 is still
    the unit's, 003 l.874–876) and the föreläggande's frist has passed: walked day by day."""
    terms = termination_terms(v)  # when a right can arise at all: the events and bases
    if terms is None:
        return None
    days, notice, frist = terms
    day, counted = notice, 0
    while True:
        day += ONE_DAY
        counted += 1
        if counted > days and (frist is None or day > frist):
            return day.isoformat()


def expected(v, group: list) -> Expected:
    contract = (_plan_handling_kr(v, group) + _new_plans_kr(v) + _fixed_kr(v)
                + _rule_weekly_kr(v))
    return Expected(contract, _decided_kr(v), _termination_from(v))


def verify(views: list) -> None:
    """Check every view against the simulation (views of one or many units)."""
    groups: dict[tuple, list] = {}
    for v in views:
        d = v.demand
        if d.terms.get("late") and d.due is not None:
            groups.setdefault((d.hsa_id, d.check_id, d.due), []).append(v)
    for v in views:
        d = v.demand
        sim = expected(v, groups.get((d.hsa_id, d.check_id, d.due), [v]))
        contract = sum(a.amount_kr for a in v.accruals if not a.decided)
        decided = sum(a.amount_kr for a in v.accruals if a.decided)
        term = v.termination["from"] if v.termination else None
        for what, computed, simulated in (("vite enligt avtalet (kr)", contract, sim.contract_kr),
                                          ("beslutat vite (kr)", decided, sim.decided_kr),
                                          ("rätten att säga upp avtalet", term,
                                           sim.termination_from)):
            if computed != simulated:
                raise Disagreement(d.hsa_id, d.rule_id, what, computed, simulated)
