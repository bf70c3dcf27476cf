"""From findings to demands, and every later event on a demand, recorded in the kravliggare.

- A krav that is `fail`, `partial` or `missing` gives a demand: a handlingsplan by a due date
  (decision date + the rule's handlingsplan_days) — or, when the submission already states a
  handlingsplan for the krav (the form's follow-up question has an answer), a demand to follow
  that plan up at the next dialogue (kind `uppfoljning`, status inkommen from the start); a krav
  whose consequence has no handlingsplan (e.g. a late årsbokslut: förseningsvite) gives kind
  `brist`. Riktlinjer, målnivåer and lag give dialogue points, stored with the check, not demands.
- A shortfall under a dispens valid on the decision date is `waived`: shown, not demanded.
- A demand already open for the unit and rule is moved by the lifecycle (lifecycle.py) instead
  of a second demand being made: that is how a demand is followed across years.

Each registered submission (one unit's årsbokslut) is written in one ledger transaction, and
every other command in one transaction: a unit is recorded wholly or not at all, and an
interrupted batch is completed by the next run. Registering the same submission (same content
hash) again changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InputError
from engine.evaluate.evaluation import CheckResult
from engine.evaluate.findings import SHORTFALLS, Finding, verdict
from engine.model.rulebook import Rulebook, Sanction
from engine.read.dates import shift
from engine.read.numbers import format_number

from . import lifecycle
from .ledger import DemandRow, DispensRow, Ledger
from .lifecycle import Event, Standing

# Names the ledger looks up in a rulebook (conventions of the rulebook format, not amounts).


@dataclass(frozen=True)
class Change:
    """One thing a command did to the ledger (or found already done)."""

    hsa_id: str
    rule_id: str
    period: int  # the demand's period
    kind: str
    before: str | None  # None: a new demand
    after: str
    date: dt.date
    reason: str
    due: dt.date | None = None
    frist: dt.date | None = None
    outcome: str | None = None  # the finding behind the change, if any
    noop: bool = False  # nothing written: the same thing was recorded before

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        for k in ("date", "due", "frist"):
            d[k] = d[k].isoformat() if d[k] else None
        return d


@dataclass
class Registration:
    result: CheckResult
    decided: dt.date
    findings: list[Finding]  # after dispenser (waived)
    changes: list[Change]
    already: bool  # the submission was registered before: nothing changed
    check_id: int


# --- findings → demands ------------------------------------------------------------------------

def waive(findings: list[Finding], dispenser: list[DispensRow], on: dt.date) -> list[Finding]:
    """Shortfalls of rules under a dispens valid on `on` become `waived`."""
    valid = {d.rule_id: d for d in dispenser if d.valid_on(on)}
    out = []
    for f in findings:
        d = valid.get(f.rule_id)
        if d is None or f.outcome not in SHORTFALLS:
            out.append(f)
            continue
        consequence = dict(f.consequence, applies=False) if f.consequence else None
        out.append(dataclasses.replace(
            f, outcome="waived", consequence=consequence,
            explanation=(f"Dispens {d.diarienummer} till och med {d.last_day}: {d.justification} "
                         f"(utan dispens: {f.explanation})")))
    return out


def stated_plan(rulebook: Rulebook, finding: Finding, findings: dict[str, Finding]) -> str | None:
    """The handlingsplan the submission states for a krav, if the form asks for one.

    The form's question ("om enheten inte lever upp till kravet, ange … handlingsplan") is a
    `required_when` rule whose consequence says `plan_for: <this krav>`; when that rule passes,
    its observed value is the plan's text.
    """
    for other in rulebook.rules:
        rw = other.check.required_when
        if other.consequence and other.consequence.plan_for == finding.rule_id and rw is not None:
            f = findings.get(other.id)
            if f is not None and f.outcome == "pass" and isinstance(f.observed, str) and f.observed.strip():
                return f.observed.strip()
    return None


def _sanction(name: str, s: Sanction) -> dict:
    return {"id": name, "sanction": s.model_dump(mode="json", by_alias=True)}


def demand_kind(finding: Finding, plan_text: str | None) -> str:
    # A rule with plan_for asks for another krav's plan: followed up as a brist, no plan of its own.
    has_plan = bool(finding.consequence and finding.consequence.get("handlingsplan"))
    if not has_plan:
        return "brist"
    return "uppfoljning" if plan_text else "handlingsplan"


def terms(rulebook: Rulebook, finding: Finding, kind: str, rulebook_sha256: str) -> dict:
    """What the rulebook says follows from the shortfall, kept with the demand so that the ledger
    reads the same years later whatever happens to the rulebook files."""
    rule = rulebook.rule(finding.rule_id)
    c = finding.consequence or {}
    named = [(n, rulebook.sanctions[n]) for n in (rule.consequence.sanctions if rule.consequence else [])]
    rattelse = next(((n, s) for n, s in named if s.interval is None), None)
    followup = rulebook.followup
    if rattelse is None and followup is not None:
        rattelse = (followup.rattelse_sanction, rulebook.sanctions[followup.rattelse_sanction])
    late = (rulebook.sanctions[followup.late_plan_sanction]
            if kind == "handlingsplan" and followup else None)
    persons = finding.observed if isinstance(finding.observed, int) and not isinstance(finding.observed, bool) else None
    hp = c.get("handlingsplan") or {}
    withheld = None
    if (followup and followup.innehallande_sanction and finding.outcome == "missing"
            and rule.kind == "krav"):
        withheld = _sanction(followup.innehallande_sanction,
                             rulebook.sanctions[followup.innehallande_sanction])
    return {
        "rulebook": {"id": rulebook.id, "version": rulebook.version, "title": rulebook.title,
                     "region": rulebook.region, "sha256": rulebook_sha256},
        "handlingsplan_days": hp.get("days"),
        "asks": hp.get("asks"),
        "sanctions": [_sanction(n, s) for n, s in named],
        "late": _sanction(followup.late_plan_sanction, late) if late else None,
        "rattelse": _sanction(*rattelse) if rattelse else None,
        "rattelse_days": rulebook.days(followup.rattelse_days) if followup else None,
        "fixed": list(c.get("accrued") or []),  # amounts the check computed itself (late årsbokslut)
        "persons": persons,
        "note": (rule.consequence.note if rule.consequence else None),
        # what the escalation reads (issue 11): a plan_for rule follows its krav; the triggers
        # on which kravkoll proposes a föreläggande; how a decided vite accrues by default; the
        # days after a written notice before the region may terminate for a väsentlig brist
        "plan_for": rule.consequence.plan_for if rule.consequence else None,
        "vasentlig": rule.vasentlig.model_dump(mode="json", exclude_none=True) if rule.vasentlig else None,
        "triggers": [t.id for t in followup.forelaggande_triggers] if followup else [],
        "vite_per": followup.vite_per if followup else "engang",
        "uppsagning_days": rulebook.days(followup.uppsagning_days) if followup else None,
        "innehallande": withheld,
        # the decided text a krav rests on where its source is a proposal: what the letter cites
        "decided": _decided_text(rulebook, rule),
    }


def _decided_text(rulebook: Rulebook, rule) -> dict | None:
    if rule.decided is None:
        return None
    doc = rulebook.documents.get(rule.decided.document)
    return {"document": rule.decided.document, "document_title": doc.title if doc else None,
            "section": rule.decided.section, "quote": rule.decided.quote}


def snapshot(finding: Finding, submission_path: str, plan_text: str | None) -> dict:
    return {
        "rule_id": finding.rule_id, "kind": finding.kind, "title": finding.title,
        "area": finding.area, "question": finding.question, "outcome": finding.outcome,
        "observed_text": finding.observed_text, "expected": finding.expected,
        "explanation": finding.explanation, "derivation": finding.derivation,
        "source": finding.source,
        "location": {"path": finding.location.path, "line": finding.location.line},
        "submission": submission_path, "plan_text": plan_text,
        "proposal": finding.proposal,  # [förslag] in the letter (letters.is_proposal)
    }


def dialogue_points(findings: list[Finding]) -> list[dict]:
    """Riktlinjer, målnivåer and lag not met: for the dialogue, never a demand."""
    return [{"rule_id": f.rule_id, "kind": f.kind, "title": f.title, "outcome": f.outcome,
             "explanation": f.explanation, "source": f.source, "proposal": f.proposal,
             # the value and the level, for a sentence in the letter
             "observed_text": f.observed_text, "expected": f.expected}
            for f in findings if f.kind != "krav" and f.outcome in SHORTFALLS]


# --- registering a check -----------------------------------------------------------------------

def standing(d: DemandRow) -> Standing:
    return Standing(str(d.id), d.status, d.period, d.due, d.frist)


def _guard_order(ledger: Ledger, d: DemandRow, day: dt.date, what: str) -> None:
    last = ledger.last_event(d.id)
    if last is not None and day < last.date:
        raise InputError.single(None, f"{what} {day} ligger före den senaste händelsen för "
                                f"{d.rule_id} ({d.hsa_id}, {last.date}); händelser registreras i "
                                "datumordning")


def _apply(ledger: Ledger, d: DemandRow, s: lifecycle.Step, event: str, changes: list[Change],
           check_id: int | None = None, plan_id: int | None = None,
           outcome: str | None = None, detail: dict | None = None) -> DemandRow:
    if not s.changed:
        if s.transition in lifecycle.RECORDED and not s.invalid:
            ledger.record(d, s.date, event, s.transition, s.reason, check_id=check_id,
                          plan_id=plan_id, detail=detail)
            changes.append(Change(d.hsa_id, d.rule_id, d.period, d.kind, d.status, d.status,
                                  s.date, s.reason + _proposal_words(d, s.transition), d.due,
                                  d.frist, outcome))
        return d
    new = ledger.move(d, s.after, s.date, event, s.transition, s.reason, check_id=check_id,
                      plan_id=plan_id, frist=s.frist if s.after == "forelaggande" else None,
                      detail=detail)
    changes.append(Change(d.hsa_id, d.rule_id, d.period, d.kind, d.status, new.status, s.date,
                          s.reason, new.due, new.frist, outcome))
    return new


def _proposal_words(d: DemandRow, transition: str) -> str:
    """What a recorded brist makes possible (never decided here: 003 l.856–859 'kan')."""
    trigger = {"upprepad_brist": "upprepad_brist", "plan_underkand": "underkand_plan"}.get(transition)
    triggers = d.terms.get("triggers")
    triggers = lifecycle.DEFAULT_TRIGGERS if triggers is None else triggers
    if trigger is None or trigger not in triggers or lifecycle.is_plan_for(d):
        return ""
    if d.status not in lifecycle.BEFORE_FORELAGGANDE:
        return ""
    return " Föreslås: föreläggande om rättelse (regionens beslut: 'demands forelaggande')."


def register(ledger: Ledger, result: CheckResult, decided: dt.date) -> Registration:
    """Record one checked submission: the check and its journal entry; the unit's demands are
    then derived from its journal in domain order (replay.py), so a forgotten earlier year
    registered after a later one gives what registering them in order gives."""
    from . import replay

    sub, book = result.submission, result.rulebook
    unit = sub.model.enhet
    if sub.model.inlamnad and decided < sub.model.inlamnad:
        raise InputError.single(sub.path, f"beslutsdagen {decided} ligger före årsbokslutets "
                                f"inlämningsdag {sub.model.inlamnad}", "inlamnad")
    with ledger.write():
        known = ledger.check_by_sha(sub.sha256)
        if known is not None:
            findings = waive(result.findings, ledger.dispenser(unit.hsa_id), known.decided)
            return Registration(result, known.decided, findings, [], True, known.id)
        legacy = replay.is_legacy(ledger, unit.hsa_id)
        if legacy:
            _refuse_earlier_period(ledger, sub)
        findings = waive(result.findings, ledger.dispenser(unit.hsa_id), decided)
        check_id = ledger.add_check(
            submission_sha256=sub.sha256, submission_path=sub.path, hsa_id=unit.hsa_id,
            unit_name=unit.namn, region=unit.region, period=sub.model.period,
            inlamnad=sub.model.inlamnad, rulebook_id=book.model.id, rulebook_sha256=book.sha256,
            rulebook={"title": book.model.title, "version": book.model.version,
                      "region": book.model.region},
            decided=decided, verdict=verdict(findings),
            outcomes={f.rule_id: f.outcome for f in findings}, dialogue=dialogue_points(findings))
        payload = check_payload(result, findings)
        if legacy:  # a unit written before the journal: moved in place, as it was then
            changes = apply_check(ledger, ledger.check(check_id), payload)
        else:
            input_id = ledger.add_input(hsa_id=unit.hsa_id, kind="check", date=decided,
                                        payload=payload, check_id=check_id)
            changes = replay.rebuild(ledger, unit.hsa_id, input_id)[1][input_id]
    return Registration(result, decided, findings, changes, False, check_id)


def _refuse_earlier_period(ledger: Ledger, sub) -> None:
    """A unit written before the journal cannot be replayed: an earlier year after a later one
    is refused there, as before."""
    unit = sub.model.enhet
    later = [c for c in ledger.checks(unit.hsa_id)
             if (c.period, c.inlamnad or dt.date.min) > (sub.model.period, sub.model.inlamnad or dt.date.min)]
    if later:
        c = max(later, key=lambda c: (c.period, c.inlamnad or dt.date.min))
        raise InputError.single(sub.path, f"kravliggaren har redan årsbokslutet för {c.period} "
                                f"(inlämnat {c.inlamnad or 'okänt datum'}) för {unit.hsa_id}, "
                                "registrerat före kravliggarens händelsejournal; ett årsbokslut "
                                f"för {sub.model.period} kan inte registreras efter det "
                                "(resultatet skulle bero på ordningen). Registrera enhetens "
                                "årsbokslut i en ny kravliggare", "period")


def _finding_json(f: Finding) -> dict:
    d = f.to_dict()
    if not isinstance(d["observed"], (str, int, float, bool, type(None))):
        d["observed"] = str(d["observed"])
    return d


def _finding(d: dict) -> Finding:
    from engine.evaluate.findings import Location

    return Finding(**{**d, "location": Location(**d["location"])})


def check_payload(result: CheckResult, findings: list[Finding]) -> dict:
    """What replaying a check needs, without the submission file or the rulebook (both may
    change or move): its findings after the dispenser in force when it was registered (a
    dispens granted later does not undo a demand already made), and for each shortfall the
    plan the submission states, the kind of demand and the rulebook's terms."""
    book = result.rulebook
    by_id = {f.rule_id: f for f in findings}
    shortfalls = {}
    for f in findings:
        if f.is_shortfall:
            plan_text = stated_plan(book.model, f, by_id)
            kind = demand_kind(f, plan_text)
            shortfalls[f.rule_id] = {"plan_text": plan_text, "kind": kind,
                                     "terms": terms(book.model, f, kind, book.sha256)}
    return {"findings": [_finding_json(f) for f in findings], "shortfalls": shortfalls}


def apply_check(ledger: Ledger, check_row, payload: dict) -> list[Change]:
    """A checked submission applied to the unit's demands (inside a write transaction): the
    dates that have passed, then the findings on its open demands, then new demands."""
    c = check_row
    decided, period, hsa = c.decided, c.period, c.hsa_id
    findings = [_finding(d) for d in payload["findings"]]
    changes: list[Change] = []
    open_demands = [d for d in ledger.demands(hsa) if not d.closed]
    for d in open_demands:
        _guard_order(ledger, d, decided, "beslutsdagen")
    # 1. what the dates alone have done (a due date or a frist passed)
    current = _tick_all(ledger, open_demands, decided, changes, c.id)
    # 2. the findings on the unit's open demands
    by_rule = {d.rule_id: d for d in current.values() if not d.closed}
    moved = [(by_rule[f.rule_id], f) for f in findings if f.rule_id in by_rule]
    steps = lifecycle.step([(standing(d), Event("finding", decided, period=period,
                                                outcome=f.outcome))
                            for d, f in moved])
    for (d, f), s in zip(moved, steps):
        _apply(ledger, d, s, "finding", changes, check_id=c.id, outcome=f.outcome,
               detail=dict(snapshot(f, c.submission_path, None), period=period))
    # 3. new demands for shortfalls with no open demand
    for f in findings:
        if not f.is_shortfall or f.rule_id in by_rule:
            continue
        if ledger.demand_for_period(hsa, f.rule_id, period) is not None:
            continue  # this period's brist was already followed up and closed
        s = payload["shortfalls"][f.rule_id]
        plan_text, kind, t = s["plan_text"], s["kind"], s["terms"]
        due = shift(decided, t["handlingsplan_days"]) if kind == "handlingsplan" else None
        status = "inkommen" if kind == "uppfoljning" else "kravd"
        reason = _created_reason(kind, period, due)
        demand_id = ledger.add_demand(
            hsa_id=hsa, unit_name=c.unit_name, region=c.region, rule_id=f.rule_id,
            period=period, kind=kind, status=status, decided=decided, due=due,
            check_id=c.id, finding=snapshot(f, c.submission_path, plan_text), terms=t, reason=reason)
        if kind == "uppfoljning":  # the plan came in with the årsbokslut
            ledger.add_plan(demand_id, c.inlamnad or decided, c.submission_path, c.submission_sha256)
        changes.append(Change(hsa, f.rule_id, period, kind, None, status, decided, reason, due,
                              None, f.outcome))
    changes.sort(key=lambda x: (x.hsa_id, x.rule_id, x.period, x.date))
    return changes


def _created_reason(kind: str, period: int, due: dt.date | None) -> str:
    if kind == "handlingsplan":
        return f"Kravet uppfylls inte i årsbokslutet för {period}: handlingsplan senast {due}."
    if kind == "uppfoljning":
        return (f"Kravet uppfylls inte i årsbokslutet för {period}; årsbokslutet anger en "
                "handlingsplan, som följs upp vid nästa dialog.")
    return f"Kravet uppfylls inte i årsbokslutet för {period}."


def _tick_all(ledger: Ledger, demands: list[DemandRow], day: dt.date, changes: list[Change],
              check_id: int | None = None) -> dict[int, DemandRow]:
    live = [d for d in demands if not d.closed]
    steps = lifecycle.step([(standing(d), Event("tick", day)) for d in live])
    out = {d.id: d for d in demands}
    for d, s in zip(live, steps):
        out[d.id] = _apply(ledger, d, s, "tick", changes, check_id=check_id)
    return out


# --- events recorded by the beställarenhet -----------------------------------------------------

def _open(ledger: Ledger, hsa_id: str, rule_id: str) -> DemandRow:
    d = ledger.open_demand(hsa_id, rule_id)
    if d is None:
        latest = ledger.latest_demand(hsa_id, rule_id)
        if latest is not None:
            raise InputError.single(None, f"kravet {rule_id} för {hsa_id} är redan åtgärdat "
                                    f"(period {latest.period})")
        raise InputError.single(None, f"ingen kravpost för {rule_id} och {hsa_id} i kravliggaren")
    return d


def _event_on(ledger: Ledger, d: DemandRow, event: Event, changes: list[Change],
              plan_id_for=None, detail: dict | None = None) -> DemandRow:
    """Ticks up to the event's date, then the event; an event that makes no sense is an error."""
    _guard_order(ledger, d, event.date, "datumet")
    d = _tick_all(ledger, [d], event.date, changes)[d.id]
    (s,) = lifecycle.step([(standing(d), event)])
    if s.invalid:
        raise InputError.single(None, f"{d.rule_id} ({d.hsa_id}): {s.reason}")
    plan_id = plan_id_for(d) if plan_id_for else None
    return _apply(ledger, d, s, event.kind, changes, plan_id=plan_id, detail=detail)


def file_sha256(path: str) -> str:
    p = Path(path)
    if not p.is_file():
        raise InputError.single(path, "filen finns inte")
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _submit(ledger: Ledger, hsa_id: str, kind: str, day: dt.date, payload: dict) -> list[Change]:
    from . import replay

    return replay.submit(ledger, hsa_id, kind, day, payload)


def record_plan(ledger: Ledger, hsa_id: str, rule_ids: list[str], received: dt.date,
                file: str) -> list[Change]:
    """A handlingsplan arrived (one file may answer several demands: one handling)."""
    sha = file_sha256(file)
    return _submit(ledger, hsa_id, "plan", received,
                   {"rules": rule_ids, "file": file, "sha256": sha})


def apply_plan(ledger: Ledger, hsa_id: str, day: dt.date, p: dict, withdrawn: bool = False) -> list[Change]:
    received, file, sha = day, p["file"], p["sha256"]
    changes: list[Change] = []
    for rule_id in p["rules"]:
        latest = ledger.latest_demand(hsa_id, rule_id)
        plan = ledger.plan(latest.id) if latest else None
        if plan and plan.file_sha256 == sha and plan.received == received:
            changes.append(_noop(latest, received, f"Handlingsplanen ({plan.file}) är redan "
                                 f"registrerad som inkommen {received}."))
            continue
        d = _open(ledger, hsa_id, rule_id)
        if d.status == "inkommen" and plan is not None and plan.decision == "underkand" \
                and plan.decided is not None:
            changes.extend(_new_plan(ledger, d, plan, received, file, sha))
            continue
        event = Event("plan", received, context={"file": Path(file).name})
        _event_on(ledger, d, event, changes,
                  plan_id_for=lambda x: ledger.add_plan(x.id, received, file, sha))
    return changes


def _new_plan(ledger: Ledger, d: DemandRow, rejected, received: dt.date, file: str,
              sha: str) -> list[Change]:
    """After a rejected handlingsplan, a new plan for the same demand: its own handling, with
    its own date, decision and note (the status stays inkommen: a plan is in)."""
    _guard_order(ledger, d, received, "datumet")
    if received < rejected.decided:
        raise InputError.single(None, f"{d.rule_id} ({d.hsa_id}): den nya handlingsplanen "
                                f"{received} kom före beslutet {rejected.decided} om den förra")
    number = len(ledger.plan_list(d.id)) + 1
    plan_id = ledger.add_plan(d.id, received, file, sha)
    reason = (f"Handlingsplan {number} kom in {received} ({Path(file).name}) efter att den "
              f"förra underkändes {rejected.decided}.")
    ledger.record(d, received, "plan", "ny_plan", reason, plan_id=plan_id,
                  detail={"plan": number, "file": Path(file).name})
    return [Change(d.hsa_id, d.rule_id, d.period, d.kind, d.status, d.status, received, reason,
                   d.due, d.frist)]


def record_decision(ledger: Ledger, hsa_id: str, rule_ids: list[str], decision: str,
                    day: dt.date, reference: str | None = None,
                    note: str | None = None, new_due: dt.date | None = None) -> list[Change]:
    """The beställarenhet approved (godkand) or rejected (underkand) a received handlingsplan.
    A rejection asks for a new plan by `new_due` (default: the decision + the rule's
    handlingsplan days, an assumption in the rulebook's followup section)."""
    if decision not in lifecycle.DECISIONS:
        raise ValueError(decision)
    if new_due is not None and (decision != "underkand" or new_due <= day):
        raise InputError.single(None, "--ny-sista-dag gäller en underkänd plan och ska ligga "
                                f"efter beslutet {day}")
    return _submit(ledger, hsa_id, "beslut", day,
                   {"rules": rule_ids, "decision": decision, "reference": reference,
                    "note": note, "new_due": new_due.isoformat() if new_due else None})


def apply_decision(ledger: Ledger, hsa_id: str, day: dt.date, p: dict,
                   withdrawn: bool = False) -> list[Change]:
    decision, reference, note = p["decision"], p.get("reference"), p.get("note")
    changes: list[Change] = []
    ref = f" (diarienummer {reference})" if reference else ""
    for rule_id in p["rules"]:
        latest = ledger.latest_demand(hsa_id, rule_id)
        plan = ledger.plan(latest.id) if latest else None
        if plan and plan.decision == decision and plan.decided == day:
            changes.append(_noop(latest, day, "Beslutet om handlingsplanen är redan registrerat."))
            continue
        d = _open(ledger, hsa_id, rule_id)
        plan = ledger.plan(d.id)
        detail = {"decision": decision, "diarienummer": reference, "note": note}
        words = _note(note)
        if decision == "underkand":
            days = d.terms.get("handlingsplan_days")
            new_due = (dt.date.fromisoformat(p["new_due"]) if p.get("new_due")
                       else shift(day, days) if days else None)
            if new_due is not None:
                detail["ny_sista_dag"] = new_due.isoformat()
                words += f" En ny handlingsplan ska komma in senast {new_due}."
        event = Event("beslut", day, decision=decision, context={"reference": ref, "note": words})
        if plan is not None and plan.decision is not None:
            raise InputError.single(None, f"{rule_id} ({hsa_id}): handlingsplanen har redan "
                                    f"beslutats ({plan.decision}, {plan.decided})")
        _event_on(ledger, d, event, changes, detail=detail,
                  plan_id_for=lambda x: plan.id if plan else None)
        if plan is not None:
            ledger.decide_plan(plan.id, decision, day, reference, note)
    return changes


def record_rattelse(ledger: Ledger, hsa_id: str, rule_ids: list[str], day: dt.date,
                    reference: str | None = None, note: str | None = None) -> list[Change]:
    """The beställarenhet found the brist corrected: the demand closes as åtgärdad."""
    return _submit(ledger, hsa_id, "rattelse", day,
                   {"rules": rule_ids, "reference": reference, "note": note})


def apply_rattelse(ledger: Ledger, hsa_id: str, day: dt.date, p: dict,
                   withdrawn: bool = False) -> list[Change]:
    reference, note = p.get("reference"), p.get("note")
    changes: list[Change] = []
    ref = f" (diarienummer {reference})" if reference else ""
    for rule_id in p["rules"]:
        latest = ledger.latest_demand(hsa_id, rule_id)
        if latest is not None and latest.closed:
            last = ledger.last_event(latest.id)
            if last and last.event == "rattelse" and last.date == day:
                changes.append(_noop(latest, day, "Rättelsen är redan registrerad."))
                continue
        d = _open(ledger, hsa_id, rule_id)
        _event_on(ledger, d, Event("rattelse", day, context={"reference": ref, "note": _note(note)}),
                  changes, detail={"diarienummer": reference, "note": note})
    return changes


def _kept(d: DemandRow, day: dt.date, reason: str, noop: bool = False) -> Change:
    """A change that leaves the demand's status as it is (a note, an invoice, a refusal)."""
    return Change(d.hsa_id, d.rule_id, d.period, d.kind, d.status, d.status, day, reason,
                  d.due, d.frist, None, noop=noop)


def _noop(d: DemandRow, day: dt.date, reason: str) -> Change:
    """Nothing recorded: the same entry was already there."""
    return _kept(d, day, reason, noop=True)


def _note(note: str | None) -> str:
    return f" Anteckning: {note.strip()}" if note and note.strip() else ""


def _not_plan_for(d: DemandRow, what: str) -> None:
    """One brist, one plan, one vite: a plan_for rule follows its krav (issue 11)."""
    if lifecycle.is_plan_for(d):
        krav = d.terms["plan_for"]
        raise InputError.single(None, f"{d.rule_id} ({d.hsa_id}) gäller handlingsplanen för "
                                f"{krav} och följer det kravet; {what} ges för {krav}, inte "
                                f"för {d.rule_id} (en brist, en plan, ett vite)")


def _last(ledger: Ledger, d: DemandRow | None, kind: str):
    if d is None:
        return None
    return next((e for e in reversed(ledger.events(d.id)) if e.event == kind
                 and e.from_status != e.to_status), None)


def record_forelaggande(ledger: Ledger, hsa_id: str, rule_ids: list[str], day: dt.date,
                        diarienummer: str, frist_days: int | None = None,
                        vasentlig: bool = False, note: str | None = None) -> list[Change]:
    """The beställarenhet's decision to förelägga rättelse (003 l.856–859) for the brister
    named: its date is the written notice, its frist is the decision's (the rulebook's
    followup.rattelse_days only when the decision names none, an assumption stated there)."""
    if not diarienummer or not diarienummer.strip():
        raise InputError.single(None, "ett föreläggande behöver ett diarienummer")
    if frist_days is not None and frist_days < 1:
        raise InputError.single(None, f"fristen ska vara minst en dag (fick {frist_days})")
    return _submit(ledger, hsa_id, "forelaggande", day,
                   {"rules": rule_ids, "diarienummer": diarienummer, "frist_days": frist_days,
                    "vasentlig": vasentlig, "note": note})


def _withdrawn_decision(ledger: Ledger, d: DemandRow, day: dt.date, kind: str, reason: str,
                        detail: dict, changes: list[Change]) -> None:
    """A decision later withdrawn (aterkallelse): in the history where it was made, marked
    withdrawn there, and the demand as if it had never been made."""
    _guard_order(ledger, d, day, "datumet")
    d = _tick_all(ledger, [d], day, changes)[d.id]
    ledger.record(d, day, kind, f"{kind}_aterkallat", reason, detail=detail)
    changes.append(_kept(d, day, reason))


def _repeat(ledger: Ledger, hsa_id: str, rule_id: str, kind: str, day: dt.date,
            diarienummer: str, withdrawn: bool, what: str) -> Change | None:
    """The same decision (same day, same diarienummer) given again: a no-op, never a second
    decision on the same brist."""
    latest = ledger.latest_demand(hsa_id, rule_id)
    last = _last(ledger, latest, kind)
    if not withdrawn and last is not None and last.date == day \
            and (last.detail or {}).get("diarienummer") == diarienummer:
        return _noop(latest, day, f"{what} {diarienummer} är redan registrerat.")
    return None


def apply_forelaggande(ledger: Ledger, hsa_id: str, day: dt.date, p: dict,
                       withdrawn: bool = False) -> list[Change]:
    rule_ids, diarienummer, frist_days = p["rules"], p["diarienummer"], p.get("frist_days")
    vasentlig, note = bool(p.get("vasentlig")), p.get("note")
    changes: list[Change] = []
    for rule_id in rule_ids:
        repeat = _repeat(ledger, hsa_id, rule_id, "forelaggande", day, diarienummer, withdrawn,
                         "Föreläggandet")
        if repeat:
            changes.append(repeat)
            continue
        d = _open(ledger, hsa_id, rule_id)
        _not_plan_for(d, "föreläggande")
        days, source = (frist_days, "beslut") if frist_days is not None else (
            d.terms.get("rattelse_days"), "regelbok")
        words = _note(note) + (" Bristen är väsentlig (003 l.874–876)." if vasentlig else "")
        detail = {"diarienummer": diarienummer, "frist_dagar": days, "frist_kalla": source,
                  "vasentlig": vasentlig, "note": note, "rules": rule_ids}
        if withdrawn:
            _withdrawn_decision(ledger, d, day, "forelaggande",
                                f"Beslut {day} ({diarienummer}): föreläggande om rättelse "
                                f"(återkallat).{words}", detail, changes)
            continue
        event = Event("forelaggande", day, rattelse_days=days,
                      context={"reference": f" ({diarienummer})", "note": words})
        _event_on(ledger, d, event, changes, detail=detail)
    return changes


PER = {"vecka": "per påbörjad vecka", "manad": "per påbörjad månad", "engang": "en gång"}


def vite_cap(d: DemandRow) -> int | None:
    r = lifecycle.sanction_of(d.terms.get("rattelse"))
    return r[1].amount_kr if r else None


def _check_amount(d: DemandRow, belopp: int) -> int | None:
    from engine.errors import UsageError

    if belopp <= 0:
        raise UsageError.single(None, f"--belopp ska vara ett positivt antal kronor (fick {belopp})")
    cap = vite_cap(d)
    if cap is not None and belopp > cap:
        raise UsageError.single(None, f"--belopp {belopp} kr är mer än regelbokens tak "
                                f"{cap} kr per brist för {d.rule_id} (003 l.860–861)")
    return cap


def record_vite(ledger: Ledger, hsa_id: str, rule_ids: list[str], day: dt.date, belopp: int,
                diarienummer: str, per: str | None = None, note: str | None = None) -> list[Change]:
    """The beställarenhet's decision to take vite after the frist without rättelse (003
    l.859–861): an amount ≤ the cap per brist, accruing the way the decision says (the
    rulebook's followup.vite_per when it says nothing) until rättelse."""
    if not diarienummer or not diarienummer.strip():
        raise InputError.single(None, "ett beslut om vite behöver ett diarienummer")
    if per is not None and per not in PER:
        raise InputError.single(None, f"--per ska vara {', '.join(PER)} (fick {per})")
    return _submit(ledger, hsa_id, "vite", day,
                   {"rules": rule_ids, "belopp": belopp, "diarienummer": diarienummer,
                    "per": per, "note": note})


def apply_vite(ledger: Ledger, hsa_id: str, day: dt.date, p: dict,
               withdrawn: bool = False) -> list[Change]:
    belopp, diarienummer, per, note = p["belopp"], p["diarienummer"], p.get("per"), p.get("note")
    changes: list[Change] = []
    for rule_id in p["rules"]:
        repeat = _repeat(ledger, hsa_id, rule_id, "vite", day, diarienummer, withdrawn, "Vitet")
        if repeat:
            changes.append(repeat)
            continue
        d = _open(ledger, hsa_id, rule_id)
        _not_plan_for(d, "vite")
        cap = _check_amount(d, belopp)
        how = per or d.terms.get("vite_per") or "engang"
        amount = f"{format_number(belopp)} kr {PER[how]}" + (
            f", högst {format_number(cap)} kr" if cap and how != "engang" else "")
        detail = {"belopp": belopp, "per": how, "per_kalla": "beslut" if per else "regelbok",
                  "tak": cap, "diarienummer": diarienummer, "note": note}
        if withdrawn:
            _withdrawn_decision(ledger, d, day, "vite", f"Beslut {day} ({diarienummer}): vite "
                                f"{amount} (återkallat).{_note(note)}", detail, changes)
            continue
        event = Event("vite", day, context={"reference": f" ({diarienummer})",
                                            "amount": amount, "note": _note(note)})
        _event_on(ledger, d, event, changes, detail=detail)
    return changes


def _person_demand(ledger: Ledger, hsa_id: str, rule_id: str | None) -> DemandRow:
    """The demand a refusal to list belongs to: the rule's latest (a refusal is a dated fact,
    recorded beside the lifecycle, replay.ANNOTATIONS)."""
    if rule_id is None:
        rules = sorted({d.rule_id for d in ledger.demands(hsa_id) if any(
            (x["sanction"].get("per") or "").startswith("person")
            for x in d.terms.get("sanctions", []))})
        if len(rules) != 1:
            what = ", ".join(rules) if rules else "inget krav med vite per person"
            raise InputError.single(None, f"ange regeln för den nekade listningen ({what})")
        rule_id = rules[0]
    d = ledger.latest_demand(hsa_id, rule_id)
    if d is None:
        raise InputError.single(None, f"ingen kravpost för {rule_id} och {hsa_id} i kravliggaren")
    return d


def record_refusal(ledger: Ledger, hsa_id: str, rule_id: str | None, day: dt.date,
                   personer: int, diarienummer: str | None = None,
                   note: str | None = None) -> list[Change]:
    """The day the unit turned persons away against the listningsregler: listningsvite runs
    from it (003 l.870–872), not from the decision date."""
    if personer < 1:
        raise InputError.single(None, f"--personer ska vara minst 1 (fick {personer})")
    return _submit(ledger, hsa_id, "nekad_listning", day,
                   {"rule": rule_id, "personer": personer, "diarienummer": diarienummer,
                    "note": note})


def apply_refusal(ledger: Ledger, hsa_id: str, day: dt.date, p: dict,
                  withdrawn: bool = False) -> list[Change]:
    personer, diarienummer, note = p["personer"], p.get("diarienummer"), p.get("note")
    d = _person_demand(ledger, hsa_id, p.get("rule"))
    return _noted(ledger, d, day, "nekad_listning",
                  {"personer": personer, "diarienummer": diarienummer, "note": note},
                  ("personer",), "Den nekade listningen är redan registrerad.",
                  f"Enheten nekade listning av {personer} personer {day}.{_note(note)}")


def record_invoice(ledger: Ledger, hsa_id: str, rule_id: str, day: dt.date, belopp: int,
                   diarienummer: str, note: str | None = None) -> list[Change]:
    """The vite actually decided and invoiced, kept beside the one kravkoll computes."""
    if belopp <= 0:
        raise InputError.single(None, f"--belopp ska vara ett positivt antal kronor (fick {belopp})")
    return _submit(ledger, hsa_id, "fakturerat", day,
                   {"rule": rule_id, "belopp": belopp, "diarienummer": diarienummer, "note": note})


def apply_invoice(ledger: Ledger, hsa_id: str, day: dt.date, p: dict,
                  withdrawn: bool = False) -> list[Change]:
    rule_id, belopp, diarienummer, note = p["rule"], p["belopp"], p["diarienummer"], p.get("note")
    d = ledger.latest_demand(hsa_id, rule_id)
    if d is None:
        raise InputError.single(None, f"ingen kravpost för {rule_id} och {hsa_id} i kravliggaren")
    return _noted(ledger, d, day, "fakturerat",
                  {"belopp": belopp, "diarienummer": diarienummer, "note": note},
                  ("belopp", "diarienummer"), "Faktureringen är redan registrerad.",
                  f"Fakturerat vite {format_number(belopp)} kr {day} ({diarienummer})."
                  f"{_note(note)}")


def _noted(ledger: Ledger, d, day: dt.date, event: str, detail: dict, same_by: tuple[str, ...],
           already: str, reason: str) -> list[Change]:
    """An entry of the register (nekad listning, fakturerat) recorded on the demand once: the
    same one again (same day, same `same_by` details) changes nothing."""
    if any(e.event == event and e.date == day
           and all((e.detail or {}).get(k) == detail[k] for k in same_by)
           for e in ledger.events(d.id)):
        return [_noop(d, day, already)]
    ledger.record(d, day, event, event, reason, detail=detail)
    return [_kept(d, day, reason)]


# What a correction may change, per kind of recorded event; the rest is the ledger's own.
CORRECTABLE = {"forelaggande": ("frist_dagar", "vasentlig", "diarienummer"),
               "vite": ("belopp", "per", "diarienummer"),
               "nekad_listning": ("date", "personer"),
               "fakturerat": ("date", "belopp", "diarienummer")}
# What may be withdrawn: the register's entries, and the beställarenhet's decisions of
# föreläggande and vite (the demand is then as if the decision had never been made).
WITHDRAWABLE = ("nekad_listning", "fakturerat", "forelaggande", "vite")
DECISION_EVENTS = ("forelaggande", "vite")


def _target(ledger: Ledger, hsa_id: str, rule_id: str, event_id: int):
    e = ledger.event(event_id)
    d = ledger.demand(e.demand_id) if e else None
    if e is None or d.hsa_id != hsa_id or d.rule_id != rule_id:
        raise InputError.single(None, f"ingen händelse {event_id} för {rule_id} och {hsa_id} "
                                "(se 'demands history', kolumnen Nr)")
    return d, e


def _target_input(ledger: Ledger, hsa_id: str, rule_id: str, event_id: int) -> dict:
    """The journal input behind history number `event_id` and the kind of event it is (the
    number is the replay's and may change when an earlier input is registered later; the
    input does not). A legacy unit's events are named by their number only."""
    from . import replay

    with ledger.read():
        if replay.is_legacy(ledger, hsa_id):
            return {"target": None}
        state = replay.state(ledger, hsa_id)
        _, e = _target(state, hsa_id, rule_id, event_id)
    return {"target": e.input_id, "kind": e.event}


def correct(ledger: Ledger, hsa_id: str, rule_id: str, event_id: int, changes: dict,
            reason: str, day: dt.date) -> list[Change]:
    """An entry made by mistake is corrected by a new event with a reason; nothing is deleted
    or overwritten (history shows both)."""
    if not reason or not reason.strip():
        raise InputError.single(None, "en korrigering behöver ett skäl (--reason)")
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise InputError.single(None, "ange vad som ska korrigeras")
    if "date" in changes:
        changes["date"] = changes["date"].isoformat()
    target = _target_input(ledger, hsa_id, rule_id, event_id)
    return _submit(ledger, hsa_id, "korrigering", day,
                   {"rule": rule_id, "event": event_id, **target, "changes": changes,
                    "reason": reason.strip()})


def _event_of_input(ledger: Ledger, hsa_id: str, p: dict):
    """The event a correction or withdrawal is about: by its journal input (a replayed unit),
    or by its number (a legacy unit)."""
    if p.get("target") is None:
        return _target(ledger, hsa_id, p["rule"], p["event"])
    for d in ledger.demands(hsa_id, rule_id=p["rule"]):
        for e in ledger.events(d.id):
            if e.input_id == p["target"] and e.event == p.get("kind"):
                return d, e
    raise InputError.single(None, f"ingen händelse att ändra för {p['rule']} och {hsa_id} "
                            "(se 'demands history', kolumnen Nr)")


def apply_correction(ledger: Ledger, hsa_id: str, day: dt.date, p: dict,
                     withdrawn: bool = False) -> list[Change]:
    changes, reason = dict(p["changes"]), p["reason"]
    d, e = _event_of_input(ledger, hsa_id, p)
    event_id = e.id
    allowed = CORRECTABLE.get(e.event, ())
    wrong = [k for k in changes if k not in allowed]
    if wrong:
        raise InputError.single(None, f"händelse {p['event']} ({e.event}) kan inte korrigeras i "
                                f"{', '.join(wrong)}" + (f"; bara {', '.join(allowed)}" if allowed
                                                         else "; registrera en ny händelse"))
    if "belopp" in changes and e.event == "vite":
        _check_amount(d, int(changes["belopp"]))
    if "per" in changes and changes["per"] not in PER:
        raise InputError.single(None, f"--per ska vara {', '.join(PER)}")
    if "frist_dagar" in changes:
        if int(changes["frist_dagar"]) < 1:
            raise InputError.single(None, "fristen ska vara minst en dag")
        if d.status != "forelaggande":
            raise InputError.single(None, f"fristen kan bara korrigeras medan kravet har status "
                                    f"föreläggande (nu {lifecycle.STATUS_LABELS[d.status]})")
        ledger.set_frist(d.id, shift(e.date, int(changes["frist_dagar"])))
    shown = ", ".join(f"{k} {v}" for k, v in changes.items())
    text = f"Korrigering av händelse {event_id} ({e.event}): {shown}. Skäl: {reason}"
    ledger.record(d, day, "korrigering", "korrigering", text,
                  detail={"corrects": event_id, "changes": changes, "reason": reason})
    d = ledger.demand(d.id)
    return [_kept(d, day, text)]


def withdraw(ledger: Ledger, hsa_id: str, rule_id: str, event_id: int, reason: str,
             day: dt.date) -> list[Change]:
    """An entry made by mistake is withdrawn by a new event with a reason; it stays in the
    history, marked withdrawn, and counts no more. A withdrawn föreläggande or vite: the demand
    is as if it had never been decided (the journal is replayed without it)."""
    if not reason or not reason.strip():
        raise InputError.single(None, "en återkallelse behöver ett skäl (--reason)")
    target = _target_input(ledger, hsa_id, rule_id, event_id)
    return _submit(ledger, hsa_id, "aterkallelse", day,
                   {"rule": rule_id, "event": event_id, **target, "reason": reason.strip()})


def apply_withdrawal(ledger: Ledger, hsa_id: str, day: dt.date, p: dict,
                     withdrawn: bool = False) -> list[Change]:
    reason = p["reason"]
    if p.get("target") is None:
        d, e = _target(ledger, hsa_id, p["rule"], p["event"])
    else:
        d, e = _event_of_input(ledger, hsa_id, p)
    if e.event not in WITHDRAWABLE or (p.get("target") is None and e.event in DECISION_EVENTS):
        raise InputError.single(None, f"händelse {p['event']} ({e.event}) kan inte återkallas; "
                                "korrigera den ('demands korrigera') eller registrera rättelse")
    if any(x.event == "aterkallelse" and (x.detail or {}).get("withdraws") == e.id
           for x in ledger.events(d.id)):
        return [_noop(d, day, f"Händelse {p['event']} är redan återkallad.")]
    d = ledger.demand(d.id)
    text = f"Återkallelse av händelse {e.id} ({e.event}). Skäl: {reason}"
    ledger.record(d, day, "aterkallelse", "aterkallelse", text,
                  detail={"withdraws": e.id, "reason": reason})
    return [_kept(d, day, text)]


APPLY = {"plan": apply_plan, "beslut": apply_decision, "forelaggande": apply_forelaggande,
         "vite": apply_vite, "rattelse": apply_rattelse, "nekad_listning": apply_refusal,
         "fakturerat": apply_invoice, "korrigering": apply_correction,
         "aterkallelse": apply_withdrawal}


# --- dispenser ---------------------------------------------------------------------------------

def grant_dispens(ledger: Ledger, hsa_id: str, rule_id: str, diarienummer: str,
                  justification: str, valid_from: dt.date, valid_to: dt.date) -> tuple[DispensRow, bool]:
    """Returns the dispens and whether it was new (False: the same dispens was granted before)."""
    if not justification.strip():
        raise InputError.single(None, "en dispens behöver en motivering")
    if not diarienummer.strip():
        raise InputError.single(None, "en dispens behöver ett diarienummer")
    if valid_to < valid_from:
        raise InputError.single(None, f"dispensens slutdatum {valid_to} ligger före startdatum {valid_from}")
    with ledger.write():
        same = ledger.dispens(diarienummer, hsa_id, rule_id)
        if same is not None:
            if (same.justification, same.valid_from, same.valid_to) == (justification.strip(), valid_from, valid_to):
                return same, False
            raise InputError.single(None, f"dispensen {diarienummer} för {rule_id} och {hsa_id} "
                                    "finns redan med andra uppgifter")
        ledger.add_dispens(hsa_id=hsa_id, rule_id=rule_id, diarienummer=diarienummer,
                           justification=justification.strip(), valid_from=valid_from,
                           valid_to=valid_to)
        return ledger.dispens(diarienummer, hsa_id, rule_id), True


def end_dispens(ledger: Ledger, hsa_id: str, rule_id: str, diarienummer: str,
                ended: dt.date) -> tuple[DispensRow, bool]:
    """The dispens is not in force from `ended` on."""
    with ledger.write():
        d = ledger.dispens(diarienummer, hsa_id, rule_id)
        if d is None:
            raise InputError.single(None, f"ingen dispens {diarienummer} för {rule_id} och {hsa_id}")
        if d.ended == ended:
            return d, False
        if d.ended is not None:
            raise InputError.single(None, f"dispensen {diarienummer} avslutades redan {d.ended}")
        if ended < d.valid_from:
            raise InputError.single(None, f"slutdatumet {ended} ligger före dispensens startdatum {d.valid_from}")
        if ended > d.valid_to:
            raise InputError.single(None, f"dispensen {diarienummer} gäller bara till och med "
                                    f"{d.valid_to}; den behöver inte avslutas {ended}")
        ledger.end_dispens(d.id, ended)
        return ledger.dispens(diarienummer, hsa_id, rule_id), True
