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
from engine.model.rulebook import basis_decides
from engine.read.dates import shift

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


# --- what the views read of the lifecycle ------------------------------------------------------

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


def is_plan_for(d) -> bool:
    return bool(d.terms.get("plan_for"))


def termination_terms(v) -> tuple[int, dt.date, dt.date | None] | None:
    """(days, the written notice, the föreläggande's frist) from which a right to terminate
    can arise for a view (003 l.874–876), or None: only from an open demand's föreläggande the
    region recorded as väsentlig, with days that are decided, not a proposal. When the right
    arises is computed from these by proposed.py and, day by day, by simulation.py."""
    d, f = v.demand, v.forelaggande
    if not v.open or f is None or v.status not in AFTER_FORELAGGANDE or not f["vasentlig"]:
        return None
    days = d.terms.get("uppsagning_days")
    record = (d.terms.get("basis") or {}).get("uppsagning_days")
    if days is None or (record is not None and not basis_decides(record)):
        return None
    frist = dt.date.fromisoformat(f["frist"]) if f.get("frist") else None
    return days, dt.date.fromisoformat(f["date"]), frist


def kind_of(d) -> str:
    """A demand's kind: the one its terms name (komplettering, forsening: stored as brist in
    the kravliggare's table), else the stored one."""
    return d.terms.get("kind") or d.kind
