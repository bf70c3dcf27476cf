"""Entries beside the lifecycle folded into a demand: a refusal to list, an invoice, and the
corrections and withdrawals of recorded events (nothing is deleted: a new event with a reason).
"""

from __future__ import annotations

import datetime as dt

from engine.errors import InputError
from engine.read.dates import shift
from engine.read.numbers import format_number

from . import lifecycle
from .changes import Change, kept, note_words, noop
from .ledger import DemandRow, Ledger
from .moves import PER, check_amount


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


def apply_refusal(ledger: Ledger, hsa_id: str, day: dt.date, p: dict,
                  withdrawn: bool = False) -> list[Change]:
    personer, diarienummer, note = p["personer"], p.get("diarienummer"), p.get("note")
    d = _person_demand(ledger, hsa_id, p.get("rule"))
    return _noted(ledger, d, day, "nekad_listning",
                  {"personer": personer, "diarienummer": diarienummer, "note": note},
                  ("personer",), "Den nekade listningen är redan registrerad.",
                  f"Enheten nekade listning av {personer} personer {day}.{note_words(note)}")


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
                  f"{note_words(note)}")


def _noted(ledger: Ledger, d, day: dt.date, event: str, detail: dict, same_by: tuple[str, ...],
           already: str, reason: str) -> list[Change]:
    """An entry of the register (nekad listning, fakturerat) recorded on the demand once: the
    same one again (same day, same `same_by` details) changes nothing."""
    if any(e.event == event and e.date == day
           and all((e.detail or {}).get(k) == detail[k] for k in same_by)
           for e in ledger.events(d.id)):
        return [noop(d, day, already)]
    ledger.record(d, day, event, event, reason, detail=detail)
    return [kept(d, day, reason)]


# What a correction may change, per kind of recorded event; the rest is the ledger's own.
CORRECTABLE = {"forelaggande": ("frist_dagar", "vasentlig", "diarienummer"),
               "vite": ("belopp", "per", "diarienummer"),
               "nekad_listning": ("date", "personer"),
               "fakturerat": ("date", "belopp", "diarienummer")}


# What may be withdrawn: the register's entries, and the beställarenhet's decisions of
# föreläggande and vite (the demand is then as if the decision had never been made).
WITHDRAWABLE = ("nekad_listning", "fakturerat", "forelaggande", "vite")


DECISION_EVENTS = ("forelaggande", "vite")


def target_event(ledger: Ledger, hsa_id: str, rule_id: str, event_id: int):
    e = ledger.event(event_id)
    d = ledger.demand(e.demand_id) if e else None
    if e is None or d.hsa_id != hsa_id or d.rule_id != rule_id:
        raise InputError.single(None, f"ingen händelse {event_id} för {rule_id} och {hsa_id} "
                                "(se 'demands history', kolumnen Nr)")
    return d, e


def _event_of_input(ledger: Ledger, hsa_id: str, p: dict):
    """The event a correction or withdrawal is about: by its journal input (a replayed unit),
    or by its number (a legacy unit)."""
    if p.get("target") is None:
        return target_event(ledger, hsa_id, p["rule"], p["event"])
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
        check_amount(d, int(changes["belopp"]))
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
    return [kept(d, day, text)]


def apply_withdrawal(ledger: Ledger, hsa_id: str, day: dt.date, p: dict,
                     withdrawn: bool = False) -> list[Change]:
    reason = p["reason"]
    if p.get("target") is None:
        d, e = target_event(ledger, hsa_id, p["rule"], p["event"])
    else:
        d, e = _event_of_input(ledger, hsa_id, p)
    if e.event not in WITHDRAWABLE or (p.get("target") is None and e.event in DECISION_EVENTS):
        raise InputError.single(None, f"händelse {p['event']} ({e.event}) kan inte återkallas; "
                                "korrigera den ('demands korrigera') eller registrera rättelse")
    if any(x.event == "aterkallelse" and (x.detail or {}).get("withdraws") == e.id
           for x in ledger.events(d.id)):
        return [noop(d, day, f"Händelse {p['event']} är redan återkallad.")]
    d = ledger.demand(d.id)
    text = f"Återkallelse av händelse {e.id} ({e.event}). Skäl: {reason}"
    ledger.record(d, day, "aterkallelse", "aterkallelse", text,
                  detail={"withdraws": e.id, "reason": reason})
    return [kept(d, day, text)]
