"""The steps every input of the fold is made of: the dates that have passed (tick), one event
on one demand through the lifecycle (lifecycle.py, durable_rules, cross-checked), and what a
step writes into the store being rebuilt. Shared by fold_check, fold_decisions, fold_register.
"""

from __future__ import annotations

import datetime as dt

from engine.errors import InputError

from . import lifecycle
from .changes import Change, kept, noop
from .ledger import DemandRow, Ledger
from .lifecycle import Event, Standing, kind_of
from .owed import sanction_of


def standing(d: DemandRow) -> Standing:
    return Standing(str(d.id), d.status, d.period, d.due, d.frist)


def guard_order(ledger: Ledger, d: DemandRow, day: dt.date, what: str) -> None:
    last = ledger.last_event(d.id)
    if last is not None and day < last.date:
        raise InputError.single(None, f"{what} {day} ligger före den senaste händelsen för "
                                f"{d.rule_id} ({d.hsa_id}, {last.date}); händelser registreras i "
                                "datumordning")


def apply_step(ledger: Ledger, d: DemandRow, s: lifecycle.Step, event: str, changes: list[Change],
           check_id: int | None = None, plan_id: int | None = None,
           outcome: str | None = None, detail: dict | None = None) -> DemandRow:
    if not s.changed:
        if s.transition in lifecycle.RECORDED and not s.invalid:
            ledger.record(d, s.date, event, s.transition, s.reason, check_id=check_id,
                          plan_id=plan_id, detail=detail)
            changes.append(Change(d.hsa_id, d.rule_id, d.period, kind_of(d), d.status, d.status,
                                  s.date, s.reason + _proposal_words(d, s.transition), d.due,
                                  d.frist, outcome))
        return d
    new = ledger.move(d, s.after, s.date, event, s.transition, s.reason, check_id=check_id,
                      plan_id=plan_id, frist=s.frist if s.after == "forelaggande" else None,
                      detail=detail)
    changes.append(Change(d.hsa_id, d.rule_id, d.period, kind_of(d), d.status, new.status, s.date,
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


def tick_all(ledger: Ledger, demands: list[DemandRow], day: dt.date, changes: list[Change],
              check_id: int | None = None) -> dict[int, DemandRow]:
    live = [d for d in demands if not d.closed]
    steps = lifecycle.step([(standing(d), Event("tick", day)) for d in live])
    out = {d.id: d for d in demands}
    for d, s in zip(live, steps):
        out[d.id] = apply_step(ledger, d, s, "tick", changes, check_id=check_id)
    return out


def open_demand(ledger: Ledger, hsa_id: str, rule_id: str) -> DemandRow:
    d = ledger.open_demand(hsa_id, rule_id)
    if d is None:
        latest = ledger.latest_demand(hsa_id, rule_id)
        if latest is not None:
            raise InputError.single(None, f"kravet {rule_id} för {hsa_id} är redan åtgärdat "
                                    f"(period {latest.period})")
        raise InputError.single(None, f"ingen kravpost för {rule_id} och {hsa_id} i kravliggaren")
    return d


def event_on(ledger: Ledger, d: DemandRow, event: Event, changes: list[Change],
              plan_id_for=None, detail: dict | None = None) -> DemandRow:
    """Ticks up to the event's date, then the event; an event that makes no sense is an error."""
    guard_order(ledger, d, event.date, "datumet")
    d = tick_all(ledger, [d], event.date, changes)[d.id]
    (s,) = lifecycle.step([(standing(d), event)])
    if s.invalid:
        raise InputError.single(None, f"{d.rule_id} ({d.hsa_id}): {s.reason}")
    plan_id = plan_id_for(d) if plan_id_for else None
    return apply_step(ledger, d, s, event.kind, changes, plan_id=plan_id, detail=detail)


def not_plan_for(d: DemandRow, what: str) -> None:
    """One brist, one plan, one vite: a plan_for rule follows its krav (issue 11)."""
    if lifecycle.is_plan_for(d):
        krav = d.terms["plan_for"]
        raise InputError.single(None, f"{d.rule_id} ({d.hsa_id}) gäller handlingsplanen för "
                                f"{krav} och följer det kravet; {what} ges för {krav}, inte "
                                f"för {d.rule_id} (en brist, en plan, ett vite)")


def not_late_handling(d: DemandRow, what: str) -> None:
    """A handling delivered late cannot be put right afterwards: förseningsvite utgår för varje
    handling (003 l.863–868), nothing more; no föreläggande or vite follows it (issue 20)."""
    if lifecycle.kind_of(d) == "forsening":
        raise InputError.single(None, f"{d.rule_id} ({d.hsa_id}) är en försenad handling, som "
                                f"inte kan rättas i efterhand: förseningsvite utgår för varje "
                                f"handling (003 l.863–868); {what} ges inte för den")


def last_decision(ledger: Ledger, d: DemandRow | None, kind: str):
    if d is None:
        return None
    return next((e for e in reversed(ledger.events(d.id)) if e.event == kind
                 and e.from_status != e.to_status), None)


def withdrawn_decision(ledger: Ledger, d: DemandRow, day: dt.date, kind: str, reason: str,
                        detail: dict, changes: list[Change]) -> None:
    """A decision later withdrawn (aterkallelse): in the history where it was made, marked
    withdrawn there, and the demand as if it had never been made."""
    guard_order(ledger, d, day, "datumet")
    d = tick_all(ledger, [d], day, changes)[d.id]
    ledger.record(d, day, kind, f"{kind}_aterkallat", reason, detail=detail)
    changes.append(kept(d, day, reason))


def repeated_decision(ledger: Ledger, hsa_id: str, rule_id: str, kind: str, day: dt.date,
            diarienummer: str, withdrawn: bool, what: str) -> Change | None:
    """The same decision (same day, same diarienummer) given again: a no-op, never a second
    decision on the same brist."""
    latest = ledger.latest_demand(hsa_id, rule_id)
    last = last_decision(ledger, latest, kind)
    if not withdrawn and last is not None and last.date == day \
            and (last.detail or {}).get("diarienummer") == diarienummer:
        return noop(latest, day, f"{what} {diarienummer} är redan registrerat.")
    return None


PER = {"vecka": "per påbörjad vecka", "manad": "per påbörjad månad", "engang": "en gång"}


def vite_cap(d: DemandRow) -> int | None:
    r = sanction_of(d.terms.get("rattelse"))
    return r[1].amount_kr if r else None


def check_amount(d: DemandRow, belopp: int) -> int | None:
    from engine.errors import UsageError

    if belopp <= 0:
        raise UsageError.single(None, f"--belopp ska vara ett positivt antal kronor (fick {belopp})")
    cap = vite_cap(d)
    if cap is not None and belopp > cap:
        raise UsageError.single(None, f"--belopp {belopp} kr är mer än regelbokens tak "
                                f"{cap} kr per brist för {d.rule_id} (003 l.860–861)")
    return cap
