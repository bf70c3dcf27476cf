"""The beställarenhet's decisions folded into a demand: a handlingsplan received, the decision
on it, föreläggande, vite and rättelse (each through the lifecycle).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from engine.errors import InputError
from engine.model.rulebook import basis_words
from engine.read.dates import shift
from engine.read.numbers import format_number

from .changes import Change, note_words, noop
from .ledger import DemandRow, Ledger
from .lifecycle import Event, kind_of
from .moves import (PER, check_amount, event_on, guard_order, not_late_handling, not_plan_for,
                    open_demand, repeated_decision, withdrawn_decision)


def apply_plan(ledger: Ledger, hsa_id: str, day: dt.date, p: dict, withdrawn: bool = False) -> list[Change]:
    received, file, sha = day, p["file"], p["sha256"]
    changes: list[Change] = []
    for rule_id in p["rules"]:
        latest = ledger.latest_demand(hsa_id, rule_id)
        plan = ledger.plan(latest.id) if latest else None
        if plan and plan.file_sha256 == sha and plan.received == received:
            changes.append(noop(latest, received, f"Handlingsplanen ({plan.file}) är redan "
                                 f"registrerad som inkommen {received}."))
            continue
        d = open_demand(ledger, hsa_id, rule_id)
        if d.status == "inkommen" and plan is not None and plan.decision == "underkand" \
                and plan.decided is not None:
            changes.extend(_new_plan(ledger, d, plan, received, file, sha))
            continue
        event = Event("plan", received, context={"file": Path(file).name})
        event_on(ledger, d, event, changes,
                  plan_id_for=lambda x: ledger.add_plan(x.id, received, file, sha))
    return changes


def _new_plan(ledger: Ledger, d: DemandRow, rejected, received: dt.date, file: str,
              sha: str) -> list[Change]:
    """After a rejected handlingsplan, a new plan for the same demand: its own handling, with
    its own date, decision and note (the status stays inkommen: a plan is in)."""
    guard_order(ledger, d, received, "datumet")
    if received < rejected.decided:
        raise InputError.single(None, f"{d.rule_id} ({d.hsa_id}): den nya handlingsplanen "
                                f"{received} kom före beslutet {rejected.decided} om den förra")
    number = len(ledger.plan_list(d.id)) + 1
    plan_id = ledger.add_plan(d.id, received, file, sha)
    reason = (f"Handlingsplan {number} kom in {received} ({Path(file).name}) efter att den "
              f"förra underkändes {rejected.decided}.")
    ledger.record(d, received, "plan", "ny_plan", reason, plan_id=plan_id,
                  detail={"plan": number, "file": Path(file).name})
    return [Change(d.hsa_id, d.rule_id, d.period, kind_of(d), d.status, d.status, received, reason,
                   d.due, d.frist)]


def apply_decision(ledger: Ledger, hsa_id: str, day: dt.date, p: dict,
                   withdrawn: bool = False) -> list[Change]:
    decision, reference, note = p["decision"], p.get("reference"), p.get("note")
    changes: list[Change] = []
    ref = f" (diarienummer {reference})" if reference else ""
    for rule_id in p["rules"]:
        latest = ledger.latest_demand(hsa_id, rule_id)
        plan = ledger.plan(latest.id) if latest else None
        if plan and plan.decision == decision and plan.decided == day:
            changes.append(noop(latest, day, "Beslutet om handlingsplanen är redan registrerat."))
            continue
        d = open_demand(ledger, hsa_id, rule_id)
        plan = ledger.plan(d.id)
        detail = {"decision": decision, "diarienummer": reference, "note": note}
        words = note_words(note)
        if decision == "underkand":
            days = d.terms.get("handlingsplan_days")
            new_due = (dt.date.fromisoformat(p["new_due"]) if p.get("new_due")
                       else shift(day, days) if days else None)
            if new_due is not None:
                # named in the decision (--ny-sista-dag): the region's; else the rulebook's time
                named = bool(p.get("new_due"))
                detail["ny_sista_dag"] = new_due.isoformat()
                detail["ny_sista_dag_kalla"] = "beslut" if named else "regelbok"
                grounds = ("beslutet" if named else basis_words(
                    (d.terms.get("basis") or {}).get("handlingsplan_days")))
                words += f" En ny handlingsplan ska komma in senast {new_due} ({grounds})."
        event = Event("beslut", day, decision=decision, context={"reference": ref, "note": words})
        if plan is not None and plan.decision is not None:
            raise InputError.single(None, f"{rule_id} ({hsa_id}): handlingsplanen har redan "
                                    f"beslutats ({plan.decision}, {plan.decided})")
        event_on(ledger, d, event, changes, detail=detail,
                 plan_id_for=lambda x: plan.id if plan else None)
        if plan is not None:
            ledger.decide_plan(plan.id, decision, day, reference, note)
    return changes


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
                changes.append(noop(latest, day, "Rättelsen är redan registrerad."))
                continue
        d = open_demand(ledger, hsa_id, rule_id)
        event_on(ledger, d, Event("rattelse", day, context={"reference": ref, "note": note_words(note)}),
                  changes, detail={"diarienummer": reference, "note": note})
    return changes


def apply_forelaggande(ledger: Ledger, hsa_id: str, day: dt.date, p: dict,
                       withdrawn: bool = False) -> list[Change]:
    rule_ids, diarienummer, frist_days = p["rules"], p["diarienummer"], p.get("frist_days")
    vasentlig, note = bool(p.get("vasentlig")), p.get("note")
    changes: list[Change] = []
    for rule_id in rule_ids:
        repeat = repeated_decision(ledger, hsa_id, rule_id, "forelaggande", day, diarienummer,
                                   withdrawn, "Föreläggandet")
        if repeat:
            changes.append(repeat)
            continue
        d = open_demand(ledger, hsa_id, rule_id)
        not_plan_for(d, "föreläggande")
        not_late_handling(d, "föreläggande om rättelse")
        days, source = (frist_days, "beslut") if frist_days is not None else (
            d.terms.get("rattelse_days"), "regelbok")
        grounds = ("beslutets" if source == "beslut" else "regelbokens rattelse_dagar, "
                   + basis_words((d.terms.get("basis") or {}).get("rattelse_days")))
        words = (f" Fristen: {grounds}." + note_words(note)
                 + (" Bristen är väsentlig enligt beslutet (003 l.874–876)." if vasentlig else ""))
        detail = {"diarienummer": diarienummer, "frist_dagar": days, "frist_kalla": source,
                  "vasentlig": vasentlig, "note": note, "rules": rule_ids}
        if withdrawn:
            withdrawn_decision(ledger, d, day, "forelaggande",
                                f"Beslut {day} ({diarienummer}): föreläggande om rättelse "
                                f"(återkallat).{words}", detail, changes)
            continue
        event = Event("forelaggande", day, rattelse_days=days,
                      context={"reference": f" ({diarienummer})", "note": words})
        event_on(ledger, d, event, changes, detail=detail)
    return changes


def apply_vite(ledger: Ledger, hsa_id: str, day: dt.date, p: dict,
               withdrawn: bool = False) -> list[Change]:
    belopp, diarienummer, per, note = p["belopp"], p["diarienummer"], p.get("per"), p.get("note")
    changes: list[Change] = []
    for rule_id in p["rules"]:
        repeat = repeated_decision(ledger, hsa_id, rule_id, "vite", day, diarienummer, withdrawn, "Vitet")
        if repeat:
            changes.append(repeat)
            continue
        d = open_demand(ledger, hsa_id, rule_id)
        not_plan_for(d, "vite")
        not_late_handling(d, "vite efter föreläggande")
        cap = check_amount(d, belopp)
        how = per or d.terms.get("vite_per") or "engang"
        amount = f"{format_number(belopp)} kr {PER[how]}" + (
            f", högst {format_number(cap)} kr" if cap and how != "engang" else "")
        detail = {"belopp": belopp, "per": how, "per_kalla": "beslut" if per else "regelbok",
                  "tak": cap, "diarienummer": diarienummer, "note": note}
        if withdrawn:
            withdrawn_decision(ledger, d, day, "vite", f"Beslut {day} ({diarienummer}): vite "
                                f"{amount} (återkallat).{note_words(note)}", detail, changes)
            continue
        event = Event("vite", day, context={"reference": f" ({diarienummer})",
                                            "amount": amount, "note": note_words(note)})
        event_on(ledger, d, event, changes, detail=detail)
    return changes
