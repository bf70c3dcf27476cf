"""The life of a demand (krav på handlingsplan, föreläggande …) as rules over facts.

A demand has a status that only moves forward:

    krävd → inkommen → godkänd → åtgärdad
      └─ försenad (the handlingsplan's due date passed: förseningsvite accrues) → inkommen
    (krävd | försenad | inkommen | godkänd) + a recorded DECISION of föreläggande om rättelse
                              → föreläggande (frist: chosen in the decision)
    föreläggande + a recorded DECISION of vite, after the frist → vite (accrues until rättelse)
    any open status + the krav passes (or rättelse is recorded) → åtgärdad

Seed 003 section 4.7 Kravuppfyllnad (l.856–861): after an utredning communicated to the
vårdgivare the region MAY förelägga rättelse, and if rättelse is not made it MAY take vite. So
kravkoll never moves a demand to föreläggande or vite on its own: a repeated brist, a rejected
plan or a plan that never came only make a föreläggande *possible* (a proposal, computed in
`views`), and a frist that passed only makes vite possible. The right to terminate (l.874–876)
is shown as a right of the region, never a status. (Ledgers written before this kept a status
`uppsagningsrisk`; ledger.py reads it as `vite`, which it followed.)

What moves a demand is an event: `tick` (a date passes), `finding` (a check of a submission),
`plan` (a handlingsplan arrived), `beslut` (the plan approved or rejected), `forelaggande` and
`vite` (the beställarenhet's decisions) and `rattelse` (the beställarenhet found the brist
corrected). TRANSITIONS below is the whole lifecycle as data: for every status and event exactly
one transition applies, and it says the next status, `stay` (nothing changes) or `invalid` (the
event makes no sense now: a Swedish message for the person who asked). The table is compiled
into durable_rules conditions (the way compile.py compiles a rulebook) and evaluated in
rete.TransitionEngine; a fact is one demand and one event, with every field set (never null:
see reference/durable-rules-traps.md). Every transition durable_rules picks is checked by the
interpreter of crosscheck.py; if they differ, the command stops (exit 3).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

from engine.errors import InputError
from engine.evaluate.crosscheck import TransitionCheck
from engine.evaluate.findings import OUTCOMES, SHORTFALLS
from engine.evaluate.rete import TransitionEngine
from engine.model import sanctions
from engine.model.rulebook import Sanction
from engine.read.dates import shift
from engine.read.numbers import format_number

STATUSES: tuple[str, ...] = ("kravd", "forsenad", "inkommen", "godkand", "forelaggande", "vite",
                             "atgardad")
RANK = {s: i for i, s in enumerate(STATUSES)}  # "forward" means a higher rank
STATUS_LABELS = {
    "kravd": "krävd",
    "forsenad": "försenad",
    "inkommen": "inkommen",
    "godkand": "godkänd",
    "forelaggande": "föreläggande om rättelse",
    "vite": "vite beslutat",
    "atgardad": "åtgärdad",
}
CLOSED = ("atgardad",)
OPEN = tuple(s for s in STATUSES if s not in CLOSED)
PLAN_PHASE = ("kravd", "forsenad")  # förseningsvite for a handlingsplan accrues only here
BEFORE_FORELAGGANDE = ("kravd", "forsenad", "inkommen", "godkand")

EVENTS = ("tick", "finding", "plan", "beslut", "forelaggande", "vite", "rattelse")
RELATIONS = ("earlier", "same", "later")  # a finding's period against the demand's period
DECISIONS = ("godkand", "underkand")
NONE = "none"  # the value of a field that does not apply to an event (never null)
STAY, INVALID = "stay", "invalid"
PASSING = ("pass", "not_applicable")
# Transitions that change no status but are written to the ledger: they are what a proposal of
# a föreläggande rests on (a brist again a later year; a rejected plan).
RECORDED = ("upprepad_brist", "plan_underkand")


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


_AFTER_PLAN = ("inkommen", "godkand", "forelaggande", "vite")

TRANSITIONS: tuple[Transition, ...] = (
    # A date passes. Only a handlingsplan's due date moves a demand by itself (förseningsvite
    # "utgår", 003 l.863–868); a passed frist makes vite possible, which the region decides.
    Transition("forsenad", "tick", ("kravd",), "forsenad", past_due=True, effective="due+1",
               reason="Handlingsplanen har inte kommit in senast {due}; förseningsvite löper."),
    Transition("i_tid", "tick", ("kravd",), STAY, past_due=False, reason=""),
    Transition("ingen_frist", "tick", ("forsenad", "inkommen", "godkand", "forelaggande", "vite",
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
    Transition("upprepad_brist", "finding", OPEN, STAY, outcomes=SHORTFALLS, relations=("later",),
               reason="Kravet uppfylls inte heller i årsbokslutet för {period}."),
    # The unit's handlingsplan arrives.
    Transition("plan_inkommen", "plan", ("kravd", "forsenad"), "inkommen",
               reason="Handlingsplanen kom in {date} ({file})."),
    Transition("plan_ej_nu", "plan", _AFTER_PLAN + CLOSED, INVALID,
               reason="en handlingsplan kan inte tas emot när kravet har status {status}"),
    # The beställarenhet decides on the plan.
    Transition("plan_godkand", "beslut", ("inkommen",), "godkand", decisions=("godkand",),
               reason="Handlingsplanen godkändes {date}{reference}.{note}"),
    Transition("plan_underkand", "beslut", ("inkommen",), STAY, decisions=("underkand",),
               reason="Handlingsplanen underkändes {date}{reference}.{note}"),
    Transition("beslut_ej_nu", "beslut", ("kravd", "forsenad", "godkand", "forelaggande", "vite")
               + CLOSED, INVALID,
               reason="det finns ingen inkommen handlingsplan att besluta om (kravet har status "
                      "{status})"),
    # The beställarenhet decides a föreläggande om rättelse (003 l.856–859).
    Transition("forelaggande", "forelaggande", BEFORE_FORELAGGANDE, "forelaggande",
               reason="Beslut {date}{reference}: föreläggande om rättelse senast {frist}.{note}"),
    Transition("forelaggande_redan", "forelaggande", ("forelaggande", "vite"), INVALID,
               reason="kravet har redan ett föreläggande om rättelse (status {status}); ändra "
                      "det med 'demands korrigera'"),
    Transition("forelaggande_stangt", "forelaggande", CLOSED, INVALID,
               reason="kravet är åtgärdat; ett föreläggande kan inte ges"),
    # The beställarenhet decides vite: only after the frist without rättelse (l.859–860).
    Transition("vite", "vite", ("forelaggande",), "vite", past_frist=True,
               reason="Beslut {date}{reference}: vite {amount} tills rättelse sker (rättelse "
                      "skedde inte inom fristen {frist}).{note}"),
    Transition("vite_inom_frist", "vite", ("forelaggande",), INVALID, past_frist=False,
               reason="fristen för rättelse går ut {frist}; vite kan beslutas först därefter"),
    Transition("vite_utan_forelaggande", "vite", BEFORE_FORELAGGANDE, INVALID,
               reason="vite kan bara beslutas efter ett föreläggande om rättelse (kravet har "
                      "status {status})"),
    Transition("vite_redan", "vite", ("vite",) + CLOSED, INVALID,
               reason="kravet har status {status}; ett nytt vite kan inte beslutas (ändra ett "
                      "beslutat vite med 'demands korrigera')"),
    # The beställarenhet finds the brist corrected.
    Transition("rattelse", "rattelse", OPEN, "atgardad",
               reason="Rättelse konstaterad {date}{reference}.{note}"),
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
_check = None
_engine_lock = threading.Lock()


def _rules() -> TransitionEngine:
    """The lifecycle in durable_rules, built once per process."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = TransitionEngine("livscykel", compile_lifecycle())
        return _engine


def _crosscheck() -> TransitionCheck:
    """The interpreter that checks every answer of _rules() (crosscheck.py)."""
    global _check
    with _engine_lock:
        if _check is None:
            _check = TransitionCheck(compile_lifecycle())
        return _check


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
    rattelse_days: int | None = None  # the frist a föreläggande gets: the decision's days
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
    _crosscheck().verify(facts, matched, "livscykeln")  # a disagreement stops the run (exit 3)
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
            raise InputError.single(None, "ange fristen för rättelse (--frist-dagar); regelboken "
                                    "anger ingen followup.rattelse_days")
        frist = shift(when, e.rattelse_days)
    words = {"date": e.date.isoformat(), "due": s.due.isoformat() if s.due else "–",
             "frist": frist.isoformat() if frist else "–", "period": str(e.period or ""),
             "status": STATUS_LABELS[s.status], "file": "", "reference": "", "note": "",
             "amount": ""}
    words.update({k: str(v) for k, v in e.context.items()})
    return Step(t.name, s.status, after, when, t.reason.format_map(words), frist,
                invalid=t.then == INVALID)


def is_forward(before: str, after: str) -> bool:
    return RANK[after] > RANK[before]


# --- where a demand stands on a date -----------------------------------------------------------

AFTER_FORELAGGANDE = ("forelaggande", "vite")
# Events recorded beside the lifecycle (no status change): the beställarenhet's register.
REGISTER_EVENTS = ("nekad_listning", "fakturerat", "korrigering", "aterkallelse")
# When the rulebook of an older ledger named no triggers: the ones that ledger escalated on.
DEFAULT_TRIGGERS = ("upprepad_brist", "underkand_plan", "plan_ej_inkommen")
TRIGGER_LABELS = {
    "upprepad_brist": "bristen kvarstår i ett senare årsbokslut",
    "underkand_plan": "handlingsplanen har underkänts",
    "plan_ej_inkommen": "handlingsplanen har inte kommit in i tid",
}
PROPOSED = "föreslås"


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

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Recorded:
    """A recorded event as it stands after corrections: its date and details may have been
    corrected (korrigering) or the event withdrawn (aterkallelse), each with a reason."""

    event: object  # ledger.EventRow
    date: dt.date
    detail: dict
    corrections: tuple = ()  # (date, reason, changes)
    withdrawn: tuple | None = None  # (date, reason)


def recorded(events: list) -> dict[int, Recorded]:
    """Every event by id, with the corrections and withdrawals recorded after it applied."""
    out = {e.id: Recorded(e, e.date, dict(e.detail or {})) for e in events}
    for e in sorted(events, key=lambda x: (x.date, x.id)):
        d = e.detail or {}
        if e.event == "korrigering" and d.get("corrects") in out:
            r = out[d["corrects"]]
            changes = dict(d.get("changes") or {})
            date = dt.date.fromisoformat(changes.pop("date")) if "date" in changes else r.date
            out[r.event.id] = Recorded(r.event, date, {**r.detail, **changes},
                                       r.corrections + ((e.date, d.get("reason"), d.get("changes")),),
                                       r.withdrawn)
        elif e.event == "aterkallelse" and d.get("withdraws") in out:
            r = out[d["withdraws"]]
            out[r.event.id] = Recorded(r.event, r.date, r.detail, r.corrections,
                                       (e.date, d.get("reason")))
    return out


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
    handlings = _handlings(rows, by_demand, current, as_of)
    out = []
    for d in rows:
        status, since = current[d.id]
        evs = by_demand[d.id]
        reg = recorded(evs)
        received = [p for p in plans.get(d.id, ()) if p.received <= as_of]
        plan = received[-1] if received else None
        deadline, overdue = None, 0
        again = _new_plan_due(plan, evs, reg)
        if status in PLAN_PHASE and d.due:
            deadline = d.due
        elif status in AFTER_FORELAGGANDE and d.frist:
            deadline = d.frist
        elif status == "inkommen" and again is not None:
            deadline = again
        if deadline is not None:
            overdue = max(0, (as_of - deadline).days)
        notes: list[str] = []
        closed_on = next((e.date for e in evs if e.to_status in CLOSED), None)
        accruals = _accruals(d, evs, reg, status, as_of, handlings.get(d.id), closed_on, notes)
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
        v.forelaggande = _forelaggande(d, evs, reg)
        v.proposals = _proposals(v)
        v.termination = _termination(v)
        v.withheld = _withheld(d, evs, closed_on, as_of)
        v.invoiced = [{"date": r.date.isoformat(), "belopp": int(r.detail.get("belopp", 0)),
                       "diarienummer": r.detail.get("diarienummer"), "event_id": r.event.id}
                      for r in reg.values() if r.event.event == "fakturerat" and not r.withdrawn]
        out.append(v)
    out.sort(key=lambda v: (v.demand.hsa_id, v.demand.rule_id, v.demand.period))
    return out


def _since(evs: list) -> dt.date:
    """When the demand got its current status (events that keep the status do not count)."""
    status = evs[-1].to_status
    for e in reversed(evs):
        if e.to_status == status and e.from_status != status:
            return e.date
    return evs[-1].date


def is_plan_for(d) -> bool:
    return bool(d.terms.get("plan_for"))


def _forelaggande(d, evs: list, reg: dict) -> dict | None:
    e = next((e for e in evs if e.to_status == "forelaggande" and e.from_status != "forelaggande"),
             None)
    if e is None:
        return None
    r = reg[e.id]
    decided = e.event == "forelaggande"  # ledgers before 2025 moved here automatically
    return {"date": r.date.isoformat(), "frist": d.frist.isoformat() if d.frist else None,
            "decided": decided, "diarienummer": r.detail.get("diarienummer"),
            "frist_dagar": r.detail.get("frist_dagar"), "frist_kalla": r.detail.get("frist_kalla"),
            "vasentlig": bool(r.detail.get("vasentlig")), "note": r.detail.get("note"),
            "event_id": e.id}


def _proposals(v: View) -> list[dict]:
    """What the contract allows the region to decide now (003 l.856–861): a föreläggande after
    a brist established after an utredning communicated to the unit, vite after the frist.
    A plan_for rule follows its krav and never escalates on its own."""
    d = v.demand
    if not v.open or is_plan_for(d):
        return []
    out = []
    triggers = d.terms.get("triggers")
    triggers = DEFAULT_TRIGGERS if triggers is None else tuple(triggers)
    if v.status in BEFORE_FORELAGGANDE:
        found = []
        again = [e for e in v.events if e.rule == "upprepad_brist"]
        if "upprepad_brist" in triggers and again:
            found.append(("upprepad_brist", again[0].date,
                          f"kravet uppfylls inte heller i årsbokslutet för "
                          f"{(again[0].detail or {}).get('period', '')}".rstrip()))
        p = v.plan
        if ("underkand_plan" in triggers and p is not None and p.decision == "underkand"
                and p.decided and p.decided <= v.as_of):
            found.append(("underkand_plan", p.decided, f"handlingsplanen underkändes {p.decided}"))
        if "plan_ej_inkommen" in triggers and v.status == "forsenad" and d.due:
            found.append(("plan_ej_inkommen", shift(d.due, 1),
                          f"handlingsplanen har inte kommit in (sista dag {d.due})"))
        for trigger, since, why in found:
            out.append({"kind": "forelaggande", "trigger": trigger, "since": since.isoformat(),
                        "text": f"{PROPOSED}: föreläggande om rättelse ({why}); regionen "
                                "beslutar efter bristens omfattning och karaktär"})
    elif v.status == "forelaggande" and d.frist and v.as_of > d.frist:
        ceiling = (f"; högst {format_number(v.vite_max['amount_kr'])} kr per brist"
                   if v.vite_max else "")
        out.append({"kind": "vite", "trigger": "frist_passerad", "since": shift(d.frist, 1).isoformat(),
                    "text": f"{PROPOSED}: vite tills rättelse sker (rättelse har inte skett inom "
                            f"fristen {d.frist}){ceiling}; regionen beslutar beloppet efter "
                            "bristens art och omfattning"})
    return out


def _termination(v: View) -> dict | None:
    """The region's right to terminate (003 l.874–876): a brist i väsentliga delar not corrected
    within the days after the written notice (the föreläggande). A right, never a status."""
    d, f = v.demand, v.forelaggande
    if not v.open or f is None or v.status not in AFTER_FORELAGGANDE:
        return None
    rule_vasentlig = d.terms.get("vasentlig")
    if not (f["vasentlig"] or rule_vasentlig):
        return None
    days = d.terms.get("uppsagning_days")
    if days is None:
        return None
    notice = dt.date.fromisoformat(f["date"])
    start = shift(notice, days)
    why = "enligt beslutet" if f["vasentlig"] else "enligt regelboken"
    arisen = v.as_of >= start
    if arisen:
        text = (f"Regionen får säga upp avtalet från {start}: bristen är väsentlig ({why}) och "
                f"har inte rättats inom {days} dagar efter det skriftliga påpekandet {notice}. "
                "Det är regionens rätt, inget beslut.")
    else:
        text = (f"Rättas inte bristen inom {days} dagar efter det skriftliga påpekandet "
                f"{notice}, får regionen säga upp avtalet från {start} (bristen är väsentlig, {why}).")
    return {"from": start.isoformat(), "notice": notice.isoformat(), "days": days,
            "arisen": arisen, "vasentlig": "beslut" if f["vasentlig"] else "regelbok",
            "text": text}


def _withheld(d, evs: list, closed_on, as_of: dt.date) -> dict | None:
    """Innehållen ersättning (003 l.852–854): for a missing answer, from the decision until the
    answer is supplied (a later check with an answer, or rättelse)."""
    entry = sanction_of(d.terms.get("innehallande"))
    if entry is None:
        return None
    name, s = entry
    supplied = next((e.date for e in evs if e.event == "finding" and e.detail
                     and e.detail.get("outcome") not in (None, "missing")
                     and e.detail.get("period", d.period) > d.period), None)
    until = min([x for x in (supplied, closed_on) if x is not None], default=None)
    return {"sanction": name, "title": s.title, "amount_kr": s.amount_kr,
            "text": sanctions.describe(s), "from": d.decided.isoformat(),
            "until": until.isoformat() if until else None, "active": until is None,
            "assumption": s.assumption}


def _handlings(rows: list, by_demand: dict, current: dict, as_of: dt.date) -> dict[int, dict]:
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


def _rejections(evs: list, reg: dict) -> list:
    """The rejections of a plan that ask for a new one by a day (beslut underkänd, not
    withdrawn), in date order."""
    return [reg[e.id] for e in evs if e.rule == "plan_underkand" and not reg[e.id].withdrawn
            and reg[e.id].detail.get("ny_sista_dag")]


def _new_plan_due(plan, evs: list, reg: dict) -> dt.date | None:
    """The day a new plan is due when the latest plan was rejected and none has come since."""
    if plan is None or plan.decision != "underkand":
        return None
    later = [r for r in _rejections(evs, reg) if r.date >= plan.received]
    return dt.date.fromisoformat(later[-1].detail["ny_sista_dag"]) if later else None


def _later_handlings(d, evs: list, reg: dict, late, as_of: dt.date, closed_on) -> list[Accrual]:
    """Förseningsvite for each new plan asked for after a rejection: each plan is its own
    handling (003 l.866–867 "för varje handling"), late from the day after its own last day
    until it came in (or until now, or until the demand closed)."""
    out = []
    name, s = late
    new_plans = [e for e in evs if e.rule == "ny_plan"]
    for n, r in enumerate(_rejections(evs, reg), start=2):
        due = dt.date.fromisoformat(r.detail["ny_sista_dag"])
        came = next((e.date for e in new_plans if e.date >= r.date), None)
        end = min(x for x in (came, closed_on, as_of) if x is not None)
        days = (end - due).days
        if days <= 0:
            continue
        basis = (f"handlingsplan {n} kom in {days} dagar efter sista dagen {due}" if came == end
                 else f"handlingsplan {n} har inte kommit in, {days} dagar efter sista dagen {due}")
        out.append(Accrual(name, s.title, basis, days, sanctions.weeks(days, s.weeks), 1,
                           sanctions.accrued_kr(s, days), s.amount_kr, s.cap_kr))
    return out


def _months(start: dt.date, end: dt.date) -> int:
    """Begun calendar months from the day after `start` through `end`."""
    if end <= start:
        return 0
    m = (end.year - start.year) * 12 + end.month - start.month
    if end.day > start.day:
        m += 1
    return max(m, 1)


def _accruals(d, evs: list, reg: dict, status: str, as_of: dt.date, handling: dict | None,
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
            if days > 0:
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
                                   sanctions.accrued_kr(s, days), s.amount_kr, s.cap_kr))
    if late is not None:
        out += _later_handlings(d, evs, reg, late, as_of, closed_on)
    # amounts the check computed itself, e.g. a late årsbokslut
    fixed = {a["sanction"] for a in d.terms.get("fixed", [])}
    for a in d.terms.get("fixed", []):
        entry = sanction_of(next((x for x in d.terms.get("sanctions", [])
                                  if x["id"] == a["sanction"]), None))
        title, rate, cap = (entry[1].title, entry[1].amount_kr, entry[1].cap_kr) if entry else (a["sanction"], 0, None)
        out.append(Accrual(a["sanction"], title, f"årsbokslutet kom in {a['days_late']} dagar för sent",
                           a["days_late"], a["weeks"], 1, a["amount_kr"], rate, cap))
    end = closed_on or as_of
    # weekly sanctions of the rule itself per person (listningsvite, 003 l.870–872): from the
    # recorded day the unit turned the persons away, until the demand is åtgärdad
    if d.finding.get("outcome") in ("fail", "partial"):
        for entry in d.terms.get("sanctions", []):
            name, s = sanction_of(entry)
            if s.interval != "vecka" or name in fixed or (late and name == late[0]):
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
