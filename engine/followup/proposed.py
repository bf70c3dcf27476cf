"""What the region may decide next about a demand, as of a date: the föreläggande and vite
kravkoll proposes (003 l.856–861, never decided here) and the region's right to terminate
(l.874–876). Pure functions of a View; nothing is written.

Every right rests on decided text or a decision the region has recorded (design.md): the right
to terminate arises only from a föreläggande recorded as väsentlig (`--vasentlig`); a rulebook's
`vasentlig` block is a proposal, shown as one ("regionen kan besluta att bristen är väsentlig").
"""

from __future__ import annotations

from engine.model.rulebook import basis_words
from engine.read.dates import shift
from engine.read.numbers import format_number

from .lifecycle import (BEFORE_FORELAGGANDE, DEFAULT_TRIGGERS, PROPOSED, is_plan_for, kind_of,
                        termination_terms)

# Kinds of demand that never lead to a föreläggande: a late handling cannot be put right
# afterwards (003 l.863–868: förseningsvite per handling, nothing more), and a report to
# complete is incomplete information (l.852–854), not a brist on the substance.
NO_ESCALATION = ("forsening", "komplettering")


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
            "frist_basis": frist_basis_words(d, r),
            "vasentlig": bool(r.detail.get("vasentlig")), "note": r.detail.get("note"),
            "event_id": e.id}


def frist_basis_words(d, r) -> str:
    """The frist named in the decision is the region's; a frist taken from the rulebook's
    default rests on what that default rests on."""
    if r.detail.get("frist_kalla") == "beslut":
        dnr = r.detail.get("diarienummer")
        return f"regionens beslut {r.date}" + (f" ({dnr})" if dnr else "")
    return basis_words((d.terms.get("basis") or {}).get("rattelse_days"))


def proposals(v) -> list[dict]:
    """What the contract allows the region to decide now (003 l.856–861): a föreläggande after
    a brist established after an utredning communicated to the unit, vite after the frist.
    A plan_for rule follows its krav and never escalates on its own; nor does a late handling
    or a report to complete (NO_ESCALATION)."""
    d = v.demand
    if not v.open or is_plan_for(d) or kind_of(d) in NO_ESCALATION:
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
                          f"handlingsplanen har inte kommit in (sista dag {d.due}, "
                          f"{basis_words((d.terms.get('basis') or {}).get('handlingsplan_days'))})"))
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
    f = v.forelaggande
    if d.terms.get("vasentlig") and not (f and f["vasentlig"]):
        # the rulebook's reading (issue 20 item 2): a proposal, never a right
        since = f["date"] if f else d.decided.isoformat()
        out.append({"kind": "vasentlig", "trigger": "regelbokens_forslag", "since": since,
                    "text": f"{PROPOSED}: regionen kan besluta att bristen är väsentlig (003 "
                            "l.874–876; regelbokens förslag, inget beslut). Först ett föreläggande "
                            "som anger det ('demands forelaggande --vasentlig') ger regionen rätt "
                            "att säga upp avtalet om rättelse inte sker"})
    return out


def termination(v) -> dict | None:
    """The region's right to terminate (003 l.874–876: "Part kan säga upp avtalet om andre
    parten i väsentliga delar inte uppfyller avtalskraven och inte vidtar rättelse inom 30
    dagar efter skriftligt påpekande"). It arises only from a föreläggande the region recorded
    as väsentlig, and on the later of two days: the day after the 30 days (day 30 is still the
    unit's, so notice + 31) and the day after the föreläggande's own frist (frist + 1). A
    right, never a status; none while the days rest only on a proposal."""
    terms = termination_terms(v)
    if terms is None:
        return None
    days, notice, frist = terms
    f = v.forelaggande
    record = (v.demand.terms.get("basis") or {}).get("uppsagning_days")
    after_days = shift(notice, days + 1)
    start = max(after_days, shift(frist, 1)) if frist else after_days
    decision = f"beslutet {notice}" + (f" ({f['diarienummer']})" if f.get("diarienummer") else "")
    within = f"inom {days} dagar efter det skriftliga påpekandet {notice}" + (
        f" och inte inom fristen till {frist}" if frist and shift(frist, 1) > after_days else "")
    arisen = v.as_of >= start
    if arisen:
        text = (f"Regionen får säga upp avtalet från {start}: bristen är väsentlig enligt "
                f"{decision} och har inte rättats {within}. Det är regionens rätt, inget beslut.")
    else:
        text = (f"Rättas inte bristen {within}, får regionen säga upp avtalet från {start} "
                f"(bristen är väsentlig enligt {decision}).")
    return {"from": start.isoformat(), "notice": notice.isoformat(), "days": days,
            "frist": frist.isoformat() if frist else None, "arisen": arisen,
            "vasentlig": "beslut",
            "basis": f"regionens beslut {notice}" + (f" ({f['diarienummer']})"
                                                      if f.get("diarienummer") else ""),
            "days_basis": basis_words(record) if record is not None else "avtalstext",
            "text": text}
