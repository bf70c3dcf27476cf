"""The life of a demand (krav på handlingsplan, föreläggande …) as rules over facts.

A demand has a status that only moves forward:

    krävd → inkommen → godkänd → åtgärdad
      └─ försenad (the handlingsplan's due date passed: förseningsvite accrues) → inkommen
    (krävd | försenad | inkommen | godkänd) + the krav fails again a later year
                              → föreläggande om rättelse (frist: the rulebook's followup.rattelse_days)
    föreläggande + the frist passed without rättelse → vite (up to the rulebook's amount per brist)
    vite + the krav still fails at a later check → uppsägningsrisk
    any open status + the krav passes (or rättelse is recorded) → åtgärdad

What moves a demand is an event: `tick` (a date passes), `finding` (a check of a submission),
`plan` (a handlingsplan arrived), `beslut` (the plan approved or rejected) and `rattelse`
(the beställarenhet found the brist corrected). TRANSITIONS below is the whole lifecycle as
data: for every status and event exactly one transition applies, and it says the next status,
`stay` (nothing changes) or `invalid` (the event makes no sense now: a Swedish message for the
person who asked). The table is compiled into durable_rules conditions (the way compile.py
compiles a rulebook) and evaluated in rete.TransitionEngine; a fact is one demand and one event,
with every field set (never null: see reference/durable-rules-traps.md).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

from engine.errors import InputError
from engine.evaluate.findings import OUTCOMES, SHORTFALLS
from engine.evaluate.rete import TransitionEngine
from engine.model import sanctions
from engine.model.rulebook import Sanction
from engine.read.dates import shift

STATUSES: tuple[str, ...] = ("kravd", "forsenad", "inkommen", "godkand", "forelaggande", "vite",
                             "uppsagningsrisk", "atgardad")
RANK = {s: i for i, s in enumerate(STATUSES)}  # "forward" means a higher rank
STATUS_LABELS = {
    "kravd": "krävd",
    "forsenad": "försenad",
    "inkommen": "inkommen",
    "godkand": "godkänd",
    "forelaggande": "föreläggande om rättelse",
    "vite": "vite",
    "uppsagningsrisk": "uppsägningsrisk",
    "atgardad": "åtgärdad",
}
CLOSED = ("atgardad",)
OPEN = tuple(s for s in STATUSES if s not in CLOSED)
PLAN_PHASE = ("kravd", "forsenad")  # förseningsvite for a handlingsplan accrues only here

EVENTS = ("tick", "finding", "plan", "beslut", "rattelse")
RELATIONS = ("earlier", "same", "later")  # a finding's period against the demand's period
DECISIONS = ("godkand", "underkand")
NONE = "none"  # the value of a field that does not apply to an event (never null)
STAY, INVALID = "stay", "invalid"
PASSING = ("pass", "not_applicable")


@dataclass(frozen=True)
class Transition:
    """When `event` happens to a demand in one of `statuses` (and the other conditions hold),
    the demand moves to `then`. Empty tuples and None mean "any"."""

    name: str
    event: str
    statuses: tuple[str, ...]
    then: str  # a status, STAY or INVALID
    reason: str  # Swedish; formatted with the event's context ({date}, {due}, {frist}, {period} …)
    outcomes: tuple[str, ...] = ()
    relations: tuple[str, ...] = ()
    decisions: tuple[str, ...] = ()
    past_due: bool | None = None  # the event's date is after the handlingsplan's due date
    past_frist: bool | None = None  # the event's date is after the föreläggande's frist
    effective: str = "date"  # when the change took effect: the event's "date", or "due+1"/"frist+1"


_AFTER_PLAN = ("inkommen", "godkand", "forelaggande", "vite", "uppsagningsrisk")

TRANSITIONS: tuple[Transition, ...] = (
    # A date passes.
    Transition("forsenad", "tick", ("kravd",), "forsenad", past_due=True, effective="due+1",
               reason="Handlingsplanen har inte kommit in senast {due}; förseningsvite löper."),
    Transition("i_tid", "tick", ("kravd",), STAY, past_due=False, reason=""),
    Transition("frist_passerad", "tick", ("forelaggande",), "vite", past_frist=True,
               effective="frist+1",
               reason="Rättelse har inte skett inom fristen {frist}; vite kan tas ut tills rättelse sker."),
    Transition("inom_frist", "tick", ("forelaggande",), STAY, past_frist=False, reason=""),
    Transition("ingen_frist", "tick", ("forsenad", "inkommen", "godkand", "vite", "uppsagningsrisk",
                                       "atgardad"), STAY, reason=""),
    # A submission is checked.
    Transition("redan_atgardad", "finding", CLOSED, STAY, reason=""),
    Transition("tidigare_period", "finding", OPEN, STAY, relations=("earlier",), reason=""),
    Transition("uppfyllt", "finding", OPEN, "atgardad", outcomes=("pass",),
               relations=("same", "later"),
               reason="Årsbokslutet för {period} uppfyller kravet."),
    Transition("galler_inte", "finding", OPEN, "atgardad", outcomes=("not_applicable",),
               relations=("same", "later"),
               reason="Kravet gäller inte längre enheten (årsbokslutet för {period})."),
    Transition("dispens", "finding", OPEN, STAY, outcomes=("waived",), relations=("same", "later"),
               reason=""),
    Transition("samma_period", "finding", OPEN, STAY, outcomes=SHORTFALLS, relations=("same",),
               reason=""),
    Transition("forelaggande", "finding", ("kravd", "forsenad", "inkommen", "godkand"),
               "forelaggande", outcomes=SHORTFALLS, relations=("later",),
               reason="Kravet uppfylls inte heller i årsbokslutet för {period}: föreläggande om "
                      "rättelse senast {frist}."),
    Transition("inom_fristen", "finding", ("forelaggande", "uppsagningsrisk"), STAY,
               outcomes=SHORTFALLS, relations=("later",), reason=""),
    Transition("uppsagningsrisk", "finding", ("vite",), "uppsagningsrisk", outcomes=SHORTFALLS,
               relations=("later",),
               reason="Kravet uppfylls fortfarande inte (årsbokslutet för {period}) trots "
                      "föreläggande med frist {frist}: avtalet kan sägas upp."),
    # The unit's handlingsplan arrives.
    Transition("plan_inkommen", "plan", ("kravd", "forsenad"), "inkommen",
               reason="Handlingsplanen kom in {date} ({file})."),
    Transition("plan_ej_nu", "plan", _AFTER_PLAN + CLOSED, INVALID,
               reason="en handlingsplan kan inte tas emot när kravet har status {status}"),
    # The beställarenhet decides on the plan.
    Transition("plan_godkand", "beslut", ("inkommen",), "godkand", decisions=("godkand",),
               reason="Handlingsplanen godkändes {date}{reference}."),
    Transition("plan_underkand", "beslut", ("inkommen",), "forelaggande", decisions=("underkand",),
               reason="Handlingsplanen underkändes {date}{reference}: föreläggande om rättelse "
                      "senast {frist}."),
    Transition("beslut_ej_nu", "beslut", ("kravd", "forsenad", "godkand", "forelaggande", "vite",
                                          "uppsagningsrisk") + CLOSED, INVALID,
               reason="det finns ingen inkommen handlingsplan att besluta om (kravet har status "
                      "{status})"),
    # The beställarenhet finds the brist corrected.
    Transition("rattelse", "rattelse", OPEN, "atgardad", reason="Rättelse konstaterad {date}{reference}."),
    Transition("rattelse_redan", "rattelse", CLOSED, INVALID, reason="kravet är redan åtgärdat"),
)


# --- compiling the table for durable_rules -----------------------------------------------------

def _one_of(key: str, values: tuple[str, ...]) -> dict:
    return {"$or": [{key: v} for v in values]}


def conditions(t: Transition) -> list[dict]:
    """The transition's conditions on a fact, in durable_rules' JSON grammar."""
    out: list[dict] = [{"event": t.event}, _one_of("status", t.statuses)]
    for key, values in (("outcome", t.outcomes), ("relation", t.relations),
                        ("decision", t.decisions)):
        if values:
            out.append(_one_of(key, values))
    for key, flag in (("days_past_due", t.past_due), ("days_past_frist", t.past_frist)):
        if flag is True:
            out.append({"$gt": {key: 0}})
        elif flag is False:
            out.append({"$lte": {key: 0}})
    return out


def compile_lifecycle(transitions: tuple[Transition, ...] = TRANSITIONS) -> dict[str, dict]:
    """engine rule name -> durable condition (plain data)."""
    names = [t.name for t in transitions]
    if len(set(names)) != len(names):
        raise ValueError("two transitions with the same name")
    return {t.name: {"all": [{"m": {"$and": conditions(t)}}]} for t in transitions}


_engine = None
_engine_lock = threading.Lock()


def _rules():
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = TransitionEngine("livscykel", compile_lifecycle())
        return _engine


# --- applying events ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Standing:
    """What the lifecycle needs to know about a demand."""

    key: str
    status: str
    period: int
    due: dt.date | None  # the handlingsplan's due date
    frist: dt.date | None  # the föreläggande's frist


@dataclass(frozen=True)
class Event:
    kind: str  # one of EVENTS
    date: dt.date
    period: int | None = None  # finding: the submission's period
    outcome: str = NONE  # finding: the rule's outcome
    decision: str = NONE  # beslut: godkand | underkand
    rattelse_days: int | None = None  # the frist a föreläggande gets, from the rulebook
    context: dict = field(default_factory=dict)  # more words for the reason: file, reference


@dataclass(frozen=True)
class Step:
    transition: str
    before: str
    after: str  # == before when nothing changes
    date: dt.date  # when the change took effect
    reason: str
    frist: dt.date | None = None  # set when the step is a föreläggande
    invalid: bool = False

    @property
    def changed(self) -> bool:
        return self.after != self.before


def fact(standing: Standing, event: Event) -> dict:
    """One demand and one event as a fact: every field set, none null."""
    if event.kind not in EVENTS:
        raise ValueError(f"unknown event {event.kind}")
    relation = NONE
    if event.kind == "finding":
        relation = ("earlier" if event.period < standing.period
                    else "same" if event.period == standing.period else "later")
    return {
        "key": standing.key,
        "event": event.kind,
        "status": standing.status,
        "outcome": event.outcome if event.kind == "finding" else NONE,
        "relation": relation,
        "decision": event.decision if event.kind == "beslut" else NONE,
        "days_past_due": (event.date - standing.due).days if standing.due else 0,
        "days_past_frist": (event.date - standing.frist).days if standing.frist else 0,
    }


def step(items: list[tuple[Standing, Event]]) -> list[Step]:
    """Apply one event to each demand (one batch for the rule engine; keys must be unique)."""
    if not items:
        return []
    facts = [fact(s, e) for s, e in items]
    for f in facts:
        if f["outcome"] not in OUTCOMES + (NONE,) or f["decision"] not in DECISIONS + (NONE,):
            raise ValueError(f"bad event value in {f}")
    matched = _rules().evaluate(facts)
    by_name = {t.name: t for t in TRANSITIONS}
    return [_step(by_name[matched[s.key]], s, e) for s, e in items]


def _step(t: Transition, s: Standing, e: Event) -> Step:
    when = e.date
    if t.effective == "due+1":
        when = shift(s.due, 1)  # shift: never an OverflowError near year 9999
    elif t.effective == "frist+1":
        when = shift(s.frist, 1)
    after = s.status if t.then in (STAY, INVALID) else t.then
    frist = s.frist
    if t.then == "forelaggande":
        if e.rattelse_days is None:
            raise InputError.single(None, "regelboken saknar followup.rattelse_days (tid för "
                                    "rättelse efter föreläggande); föreläggande kan inte ges")
        frist = shift(when, e.rattelse_days)
    words = {"date": e.date.isoformat(), "due": s.due.isoformat() if s.due else "–",
             "frist": frist.isoformat() if frist else "–", "period": str(e.period or ""),
             "status": STATUS_LABELS[s.status], "file": "", "reference": ""}
    words.update({k: str(v) for k, v in e.context.items()})
    return Step(t.name, s.status, after, when, t.reason.format_map(words), frist,
                invalid=t.then == INVALID)


def is_forward(before: str, after: str) -> bool:
    return RANK[after] > RANK[before]


# --- where a demand stands on a date -----------------------------------------------------------

AFTER_FORELAGGANDE = ("forelaggande", "vite", "uppsagningsrisk")


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
    rate_kr: int  # per week (and person)
    cap_kr: int | None  # per occasion (and person)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class View:
    """A demand as of a date: its status then (with the dates that have passed applied), the
    deadline that matters now, days past it, and the vite run up so far."""

    demand: object  # ledger.DemandRow
    as_of: dt.date
    status: str
    since: dt.date
    pending: bool  # the status comes from a date that has passed and is not yet in the ledger
    deadline: dt.date | None
    days_overdue: int
    accruals: list[Accrual]
    vite_max: dict | None  # vite after föreläggande: a ceiling per brist, decided case by case
    plan: object | None  # ledger.PlanRow received by the date
    events: list  # ledger.EventRow up to the date
    dispens: object | None  # ledger.DispensRow in force on the date

    @property
    def vite_kr(self) -> int:
        return sum(a.amount_kr for a in self.accruals)

    @property
    def open(self) -> bool:
        return self.status not in CLOSED


def views(demands: list, events: list, plans: dict, dispenser: list, as_of: dt.date) -> list[View]:
    """Every demand that existed on `as_of`, as it stood then (nothing is written)."""
    by_demand: dict[int, list] = {}
    for e in events:
        if e.date <= as_of:
            by_demand.setdefault(e.demand_id, []).append(e)
    rows = [d for d in demands if by_demand.get(d.id)]
    for d in rows:
        by_demand[d.id].sort(key=lambda e: (e.date, e.id))
    current = {d.id: (by_demand[d.id][-1].to_status, by_demand[d.id][-1].date) for d in rows}
    live = [d for d in rows if current[d.id][0] not in CLOSED]
    ticks = step([(Standing(str(d.id), current[d.id][0], d.period, d.due,
                            d.frist if current[d.id][0] in AFTER_FORELAGGANDE else None),
                   Event("tick", as_of)) for d in live])
    pending = {}
    for d, s in zip(live, ticks):
        if s.changed:
            current[d.id] = (s.after, s.date)
            pending[d.id] = True
    out = []
    for d in rows:
        status, since = current[d.id]
        evs = by_demand[d.id]
        plan = plans.get(d.id)
        if plan is not None and plan.received > as_of:
            plan = None
        deadline, overdue = None, 0
        if status in PLAN_PHASE and d.due:
            deadline = d.due
        elif status in AFTER_FORELAGGANDE and d.frist:
            deadline = d.frist
        if deadline is not None:
            overdue = max(0, (as_of - deadline).days)
        accruals = _accruals(d, evs, status, as_of)
        vite_max = None
        if status in ("vite", "uppsagningsrisk"):
            r = sanction_of(d.terms.get("rattelse"))
            if r is not None:
                vite_max = {"sanction": r[0], "title": r[1].title, "amount_kr": r[1].amount_kr,
                            "text": sanctions.describe(r[1])}
        dispens = next((x for x in dispenser if x.hsa_id == d.hsa_id and x.rule_id == d.rule_id
                        and x.valid_on(as_of)), None)
        out.append(View(d, as_of, status, since, pending.get(d.id, False), deadline, overdue,
                        accruals, vite_max, plan, evs, dispens))
    out.sort(key=lambda v: (v.demand.hsa_id, v.demand.rule_id, v.demand.period))
    return out


def _accruals(d, evs: list, status: str, as_of: dt.date) -> list[Accrual]:
    out = []
    closed_on = next((e.date for e in evs if e.to_status in CLOSED), None)
    # förseningsvite for a handlingsplan: from the day after the due date for as long as the
    # demand stays in krävd/försenad (until the plan arrives or the demand moves on)
    late = sanction_of(d.terms.get("late"))
    if late is not None and d.due is not None:
        left = next((e for e in evs if e.from_status in PLAN_PHASE
                     and e.to_status not in PLAN_PHASE), None)
        end = left.date if left else as_of
        days = (end - d.due).days
        if days > 0:
            name, s = late
            if left is None:
                basis = f"handlingsplanen har inte kommit in, {days} dagar efter sista dagen {d.due}"
            elif left.to_status == "inkommen":
                basis = f"handlingsplanen kom in {days} dagar efter sista dagen {d.due}"
            else:
                basis = (f"ingen handlingsplan kom in; räknat till {left.date}, {days} dagar "
                         f"efter sista dagen {d.due}")
            out.append(Accrual(name, s.title, basis, days, sanctions.weeks(days, s.weeks), 1,
                               sanctions.accrued_kr(s, days), s.amount_kr, s.cap_kr))
    # amounts the check computed itself, e.g. a late årsbokslut
    fixed = {a["sanction"] for a in d.terms.get("fixed", [])}
    for a in d.terms.get("fixed", []):
        entry = sanction_of(next((x for x in d.terms.get("sanctions", [])
                                  if x["id"] == a["sanction"]), None))
        title, rate, cap = (entry[1].title, entry[1].amount_kr, entry[1].cap_kr) if entry else (a["sanction"], 0, None)
        out.append(Accrual(a["sanction"], title, f"årsbokslutet kom in {a['days_late']} dagar för sent",
                           a["days_late"], a["weeks"], 1, a["amount_kr"], rate, cap))
    # weekly sanctions of the rule itself (listningsvite: per person), from the decision date
    # until the demand is åtgärdad
    if d.finding.get("outcome") in ("fail", "partial"):
        for entry in d.terms.get("sanctions", []):
            name, s = sanction_of(entry)
            if s.interval != "vecka" or name in fixed or (late and name == late[0]):
                continue
            end = closed_on or as_of
            days = (end - d.decided).days
            persons = 1
            if s.per.startswith("person"):  # "person och vecka": per person the unit turned away
                persons = d.terms.get("persons") or 1
            if days > 0:
                amount = persons * sanctions.accrued_kr(s, days)
                basis = f"{days} dagar sedan beslutet {d.decided}"
                if persons > 1:
                    basis += f", {persons} personer"
                out.append(Accrual(name, s.title, basis, days, sanctions.weeks(days, s.weeks),
                                   persons, amount, s.amount_kr, s.cap_kr))
    return out
