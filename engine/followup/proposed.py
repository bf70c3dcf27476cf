"""What the region may decide next about a demand, as of a date: the föreläggande and vite
kravkoll proposes (003 l.856–861, never decided here) and the region's right to terminate
(l.874–876). Pure functions of a View; nothing is written."""

from __future__ import annotations

import datetime as dt

from engine.read.dates import shift
from engine.read.numbers import format_number

from .lifecycle import AFTER_FORELAGGANDE, BEFORE_FORELAGGANDE, DEFAULT_TRIGGERS, PROPOSED, is_plan_for


def forelaggande_of(d, evs: list, reg: dict) -> dict | None:
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


def proposals(v) -> list[dict]:
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


def termination(v) -> dict | None:
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
