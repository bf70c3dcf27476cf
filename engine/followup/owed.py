"""What a demand has cost, as of a date: förseningsvite for each handling (003 l.863–868),
listningsvite per person (l.870–872), a vite the region decided after a föreläggande
(l.859–861), and innehållen ersättning (l.852–854). Pure functions of a demand's recorded
events; nothing is written. views.py puts them in a View; simulation.py computes the same
amounts a second, independent way, and every view is checked against it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from engine.model import sanctions
from engine.model.rulebook import Sanction, basis_decides, basis_words

from .lifecycle import PLAN_PHASE, kind_of


def sanction_of(entry: dict | None):
    """(id, Sanction) from the copy a demand keeps of it (demands.terms), or None."""
    if not entry:
        return None
    return entry["id"], Sanction.model_validate(entry["sanction"])


@dataclass(frozen=True)
class Accrual:
    """An amount of vite that has run up by the view's date."""

    sanction: str
    title: str
    basis: str  # in words: what was late and by how much
    days: int
    weeks: int
    persons: int
    amount_kr: int
    rate_kr: int  # per week (and person), or per period of a decided vite
    cap_kr: int | None  # per occasion (and person)
    decided: bool = False  # a vite the region decided (not one that "utgår" by the contract)
    unit: str = "veckor"  # what `weeks` counts: veckor, månader, gång
    # what the day it is counted from rests on: avtalstext or regionens beslut (never a
    # förslag: an amount is not computed from a day the region has not decided)
    grounds: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def withheld(d, evs: list, closed_on, as_of: dt.date) -> dict | None:
    """Innehållen ersättning (003 l.852–854): for a missing answer the region "har rätt att
    innehålla den ersättning som är kopplad till dessa uppgifter" until the answer is supplied.
    The text gives a right, not an amount or a decision: kravkoll shows the right while the
    answer is missing and never that ersättning is withheld (no decision to withhold is
    recorded; the assumption innehallande_sanction in the rulebook's followup)."""
    entry = sanction_of(d.terms.get("innehallande"))
    if entry is None:
        return None
    name, s = entry
    supplied = next((e.date for e in evs if e.event == "finding" and e.detail
                     and e.detail.get("outcome") not in (None, "missing")
                     and e.detail.get("period", d.period) >= d.period), None)
    until = min([x for x in (supplied, closed_on) if x is not None], default=None)
    return {"sanction": name, "title": s.title, "amount_kr": s.amount_kr,
            "text": ("regionen har rätt att innehålla den ersättning som är kopplad till "
                     "uppgiften i avvaktan på att den lämnas; inget innehålls och inget "
                     "belopp beräknas förrän regionen beslutat det"), "source": "003 l.852–854",
            "from": d.decided.isoformat(), "until": until.isoformat() if until else None,
            "active": False, "right": until is None, "basis": "avtalstext (rätt, inget beslut)",
            "assumption": s.assumption}


def handlings(rows: list, by_demand: dict, current: dict, as_of: dt.date) -> dict[int, dict]:
    """Förseningsvite is counted "för varje handling" (003 l.866–867). The krav demanded
    together in one decision (one check, one due date) share one handlingsplan: one handling,
    counted once, on its first krav; it is in when the plans for all of them are (assumption
    in the rulebook's followup section, handling_per_beslut)."""
    groups: dict[tuple, list] = {}
    for d in rows:
        if d.terms.get("late") and d.due is not None:
            groups.setdefault((d.hsa_id, d.check_id, d.due), []).append(d)
    out = {}
    for members in groups.values():
        members.sort(key=lambda d: d.rule_id)
        ends, how = [], []
        for d in members:
            evs = by_demand[d.id]
            left = next((e for e in evs if e.from_status in PLAN_PHASE
                         and e.to_status not in PLAN_PHASE), None)
            if left is None and current[d.id][0] in PLAN_PHASE:
                ends.append(as_of)
                how.append("missing")
            elif left is None:
                ends.append(as_of)
                how.append("missing")
            else:
                ends.append(left.date)
                how.append(left.to_status)
        end = max(ends)
        first = members[0]
        out[first.id] = {"end": end, "rules": [d.rule_id for d in members],
                         "state": "missing" if "missing" in how else
                         ("inkommen" if all(h == "inkommen" for h in how) else "other")}
        for d in members[1:]:
            out[d.id] = {"counted_on": first.rule_id}
    return out


def rejections(evs: list, reg: dict) -> list:
    """The rejections of a plan that ask for a new one by a day (beslut underkänd, not
    withdrawn), in date order."""
    return [reg[e.id] for e in evs if e.rule == "plan_underkand" and not reg[e.id].withdrawn
            and reg[e.id].detail.get("ny_sista_dag")]


def new_plan_due(plan, evs: list, reg: dict) -> dt.date | None:
    """The day a new plan is due when the latest plan was rejected and none has come since."""
    if plan is None or plan.decision != "underkand":
        return None
    later = [r for r in rejections(evs, reg) if r.date >= plan.received]
    return dt.date.fromisoformat(later[-1].detail["ny_sista_dag"]) if later else None


def _later_handlings(d, evs: list, reg: dict, late, as_of: dt.date, closed_on,
                     notes: list[str]) -> list[Accrual]:
    """Förseningsvite for each new plan asked for after a rejection: each plan is its own
    handling (003 l.866–867 "för varje handling"), late from the day after its own last day
    until it came in (or until now, or until the demand closed)."""
    out = []
    name, s = late
    new_plans = [e for e in evs if e.rule == "ny_plan"]
    for n, r in enumerate(rejections(evs, reg), start=2):
        due = dt.date.fromisoformat(r.detail["ny_sista_dag"])
        came = next((e.date for e in new_plans if e.date >= r.date), None)
        end = min(x for x in (came, closed_on, as_of) if x is not None)
        days = (end - due).days
        if days <= 0:
            continue
        grounds = new_plan_due_basis(d, r)
        if not basis_decides(grounds):
            notes.append(f"Sista dagen {due} för handlingsplan {n} är ett förslag (regionen har "
                         "inte beslutat den): inget förseningsvite förrän regionen beslutat sista "
                         "dag.")
            continue
        basis = (f"handlingsplan {n} kom in {days} dagar efter sista dagen {due}" if came == end
                 else f"handlingsplan {n} har inte kommit in, {days} dagar efter sista dagen {due}")
        out.append(Accrual(name, s.title, basis, days, sanctions.weeks(days, s.weeks), 1,
                           sanctions.accrued_kr(s, days), s.amount_kr, s.cap_kr,
                           grounds=basis_words(grounds)))
    return out


def new_plan_due_basis(d, rejection) -> dict | None:
    """A new plan's last day rests on the rejection when it named one (--ny-sista-dag: the
    region's decision, recorded), else on the rulebook's handlingsplan_dagar."""
    if rejection.detail.get("ny_sista_dag_kalla") == "beslut":
        return {"basis": "beslut", "beslut": {
            "datum": rejection.date.isoformat(),
            "diarienummer": rejection.detail.get("diarienummer") or "utan diarienummer"}}
    return plan_days_basis(d)


def plan_days_basis(d) -> dict | None:
    """What a demand's handlingsplan days rest on (None for a demand kept before bases were
    recorded: a förslag)."""
    return (d.terms.get("basis") or {}).get("handlingsplan_days")


def _months(start: dt.date, end: dt.date) -> int:
    """Begun calendar months from the day after `start` through `end`."""
    if end <= start:
        return 0
    m = (end.year - start.year) * 12 + end.month - start.month
    if end.day > start.day:
        m += 1
    return max(m, 1)


def accruals(d, evs: list, reg: dict, status: str, as_of: dt.date, handling: dict | None,
              closed_on, notes: list[str]) -> list[Accrual]:
    out = []
    # förseningsvite for a handlingsplan: once per handling, from the day after the due date
    # until the plan arrives (or the demand moves on)
    late = sanction_of(d.terms.get("late"))
    if late is not None and d.due is not None and handling is not None:
        if "counted_on" in handling:
            notes.append(f"Förseningsvitet för handlingsplanen räknas en gång för handlingen, "
                         f"under {handling['counted_on']} (en handling, 003 l.866–867).")
        else:
            days = (handling["end"] - d.due).days
            grounds = plan_days_basis(d)
            if days > 0 and not basis_decides(grounds):
                what = "kompletteringen" if kind_of(d) == "komplettering" else "handlingsplanen"
                notes.append(f"Sista dagen {d.due} för {what} är ett förslag (regelbokens antagna "
                             "tid, inte regionens beslut): inget förseningsvite förrän regionen "
                             "beslutat tiden.")
            elif days > 0:
                name, s = late
                krav = ", ".join(handling["rules"])
                if handling["state"] == "missing":
                    basis = f"handlingsplanen har inte kommit in, {days} dagar efter sista dagen {d.due}"
                elif handling["state"] == "inkommen":
                    basis = f"handlingsplanen kom in {days} dagar efter sista dagen {d.due}"
                else:
                    basis = (f"ingen handlingsplan kom in; räknat till {handling['end']}, {days} "
                             f"dagar efter sista dagen {d.due}")
                if len(handling["rules"]) > 1:
                    basis += f" (en handling för {krav})"
                out.append(Accrual(name, s.title, basis, days, sanctions.weeks(days, s.weeks), 1,
                                   sanctions.accrued_kr(s, days), s.amount_kr, s.cap_kr,
                                   grounds=basis_words(grounds)))
    if late is not None:
        out += _later_handlings(d, evs, reg, late, as_of, closed_on, notes)
    # amounts the check computed itself, e.g. a late årsbokslut
    fixed = {a["sanction"] for a in d.terms.get("fixed", [])}
    for a in d.terms.get("fixed", []):
        # computed by the check only from a decided last day (evaluation._deadline); an amount
        # kept without its basis (before bases were recorded) is not counted
        if not basis_decides(a):
            notes.append(f"Förseningsvitet för årsbokslutet ({a['days_late']} dagar för sent) "
                         "räknas inte: sista dagen är inte beslutad (förslag).")
            continue
        entry = sanction_of(next((x for x in d.terms.get("sanctions", [])
                                  if x["id"] == a["sanction"]), None))
        title, rate, cap = (entry[1].title, entry[1].amount_kr, entry[1].cap_kr) if entry else (a["sanction"], 0, None)
        out.append(Accrual(a["sanction"], title, f"årsbokslutet kom in {a['days_late']} dagar "
                           f"efter sista dagen {a.get('deadline', '')}".rstrip(),
                           a["days_late"], a["weeks"], 1, a["amount_kr"], rate, cap,
                           grounds=basis_words(a)))
    end = closed_on or as_of
    # weekly sanctions of the rule itself per person (listningsvite, 003 l.870–872): from the
    # recorded day the unit turned the persons away, until the demand is åtgärdad
    if d.finding.get("outcome") in ("fail", "partial"):
        for entry in d.terms.get("sanctions", []):
            name, s = sanction_of(entry)
            # a förseningsvite "för varje handling" runs from a handling's last day, never
            # from the decision (003 l.863–868): counted above, or not at all
            if (s.interval != "vecka" or name in fixed or (late and name == late[0])
                    or "handling" in (s.per or "") or kind_of(d) == "forsening"):
                continue
            refusals = [r for r in reg.values() if r.event.event == "nekad_listning"
                        and not r.withdrawn and r.date <= as_of]
            if s.per.startswith("person") and not refusals:
                notes.append(f"{s.title}: datum för nekad listning saknas; vitet beräknas från "
                             "den dag enheten nekade listning ('demands nekad-listning').")
                continue
            for r in sorted(refusals, key=lambda r: (r.date, r.event.id)) or [None]:
                start = r.date if r else d.decided
                persons = int(r.detail.get("personer", 1)) if r else 1
                days = (end - start).days
                if days <= 0:
                    continue
                amount = persons * sanctions.accrued_kr(s, days)
                basis = (f"{days} dagar sedan nekad listning {start}" if r
                         else f"{days} dagar sedan beslutet {start}")
                if persons > 1:
                    basis += f", {persons} personer"
                out.append(Accrual(name, s.title, basis, days, sanctions.weeks(days, s.weeks),
                                   persons, amount, s.amount_kr, s.cap_kr))
    # a vite the region decided after the frist: accrues "tills dess rättelse sker" (l.859–860)
    vite = next((reg[e.id] for e in evs if e.event == "vite" and e.to_status == "vite"), None)
    if vite is not None:
        det = vite.detail
        belopp, per, cap = int(det.get("belopp", 0)), det.get("per", "engang"), det.get("tak")
        days = (end - vite.date).days
        if per == "vecka":
            n, unit = sanctions.weeks(days, "begun"), "veckor"
        elif per == "manad":
            n, unit = _months(vite.date, end), "månader"
        else:
            n, unit = 1, "gång"
        amount = n * belopp
        if cap:
            amount = min(amount, int(cap))
        basis = (f"beslut {vite.date}" + (f" ({det['diarienummer']})" if det.get("diarienummer") else "")
                 + (f", {days} dagar till {end}" if per != "engang" else ""))
        out.append(Accrual("vite_beslutat", "Vite efter föreläggande (beslutat)", basis, days, n, 1,
                           amount, belopp, int(cap) if cap else None, decided=True, unit=unit))
    return out
