"""The journal of inputs (append-only): each thing the beställarenhet records about a unit
(a plan received, a decision on it, föreläggande, vite, rättelse, a refusal to list, an invoice,
a correction, a withdrawal) is checked for what can be checked on its own, appended to the
journal, and the unit is folded again from its journal (fold.py) inside one write transaction:
refused as a whole when the fold refuses it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from engine.errors import InputError
from engine.model.rulebook import basis_decides

from . import lifecycle
from .changes import Change
from . import replay
from .fold import ANNOTATIONS, APPLY, rebuild
from .fold_register import target_event
from .ledger import Ledger
from .moves import PER


class _Noop(Exception):
    """The input changes nothing: it was recorded before (rolled back, reported as such)."""

    def __init__(self, changes: list[Change]):
        self.changes = changes


def submit(ledger: Ledger, hsa_id: str, kind: str, day: dt.date, payload: dict) -> list[Change]:
    """Record one input: appended to the journal and the unit replayed (inside one write
    transaction: refused as a whole when the replay refuses it). A legacy unit is moved in
    place, as before the journal."""
    try:
        with ledger.write():
            if replay.is_legacy(ledger, hsa_id):
                return APPLY[kind](ledger, hsa_id, day, payload)
            first = min((c.decided for c in ledger.checks(hsa_id)), default=None)
            # a decision before the unit's first check has no demand to be about (a refusal to
            # list is a dated fact found later, and may lie before it)
            if first is not None and day < first and kind not in ANNOTATIONS:
                raise InputError.single(None, f"{day} ligger före den första granskningen av "
                                        f"{hsa_id} ({first}); inget krav fanns då")
            input_id = ledger.add_input(hsa_id=hsa_id, kind=kind, date=day, payload=payload)
            changes = rebuild(ledger, hsa_id, input_id)[1][input_id]
            if changes and all(c.noop for c in changes):
                raise _Noop(changes)  # rolls the journal entry back
            return changes
    except _Noop as done:
        return done.changes


def file_sha256(path: str) -> str:
    p = Path(path)
    if not p.is_file():
        raise InputError.single(path, "filen finns inte")
    return hashlib.sha256(p.read_bytes()).hexdigest()


def record_plan(ledger: Ledger, hsa_id: str, rule_ids: list[str], received: dt.date,
                file: str) -> list[Change]:
    """A handlingsplan arrived (one file may answer several demands: one handling)."""
    sha = file_sha256(file)
    return submit(ledger, hsa_id, "plan", received,
                   {"rules": rule_ids, "file": file, "sha256": sha})


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
    return submit(ledger, hsa_id, "beslut", day,
                   {"rules": rule_ids, "decision": decision, "reference": reference,
                    "note": note, "new_due": new_due.isoformat() if new_due else None})


def record_rattelse(ledger: Ledger, hsa_id: str, rule_ids: list[str], day: dt.date,
                    reference: str | None = None, note: str | None = None) -> list[Change]:
    """The beställarenhet found the brist corrected: the demand closes as åtgärdad."""
    return submit(ledger, hsa_id, "rattelse", day,
                   {"rules": rule_ids, "reference": reference, "note": note})


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
    if frist_days is None:
        _refuse_proposed_frist(ledger, hsa_id, rule_ids)
    return submit(ledger, hsa_id, "forelaggande", day,
                   {"rules": rule_ids, "diarienummer": diarienummer, "frist_days": frist_days,
                    "vasentlig": vasentlig, "note": note})


def _refuse_proposed_frist(ledger: Ledger, hsa_id: str, rule_ids: list[str]) -> None:
    """A föreläggande without a frist takes the rulebook's rattelse_dagar only when that value
    rests on decided text or a recorded region decision: the frist decides when vite becomes
    possible, so a value the rulebook only assumes (a förslag) must be named in the decision
    (003 l.856–859 leaves the frist to the region)."""
    with ledger.read():
        derived = replay.state(ledger, hsa_id)
        for rule_id in rule_ids:
            d = derived.open_demand(hsa_id, rule_id)
            if d is None:
                continue  # the fold says why (no demand, already åtgärdad)
            record = (d.terms.get("basis") or {}).get("rattelse_days")
            if not basis_decides(record):
                days = d.terms.get("rattelse_days")
                default = (f"regelbokens rattelse_dagar ({days} dagar) är ett förslag, inte "
                           "regionens beslut" if days else "regelboken anger ingen frist")
                raise InputError.single(None, (
                    f"{rule_id} ({hsa_id}): ange fristen för rättelse som beslutet anger "
                    f"(--frist-dagar); {default} (003 l.856–859 lämnar fristen till regionen)"),
                    "frist_dagar")


def record_vite(ledger: Ledger, hsa_id: str, rule_ids: list[str], day: dt.date, belopp: int,
                diarienummer: str, per: str | None = None, note: str | None = None) -> list[Change]:
    """The beställarenhet's decision to take vite after the frist without rättelse (003
    l.859–861): an amount ≤ the cap per brist, accruing the way the decision says (the
    rulebook's followup.vite_per when it says nothing) until rättelse."""
    if not diarienummer or not diarienummer.strip():
        raise InputError.single(None, "ett beslut om vite behöver ett diarienummer")
    if per is not None and per not in PER:
        raise InputError.single(None, f"--per ska vara {', '.join(PER)} (fick {per})")
    return submit(ledger, hsa_id, "vite", day,
                   {"rules": rule_ids, "belopp": belopp, "diarienummer": diarienummer,
                    "per": per, "note": note})


def record_refusal(ledger: Ledger, hsa_id: str, rule_id: str | None, day: dt.date,
                   personer: int, diarienummer: str | None = None,
                   note: str | None = None) -> list[Change]:
    """The day the unit turned persons away against the listningsregler: listningsvite runs
    from it (003 l.870–872), not from the decision date."""
    if personer < 1:
        raise InputError.single(None, f"--personer ska vara minst 1 (fick {personer})")
    return submit(ledger, hsa_id, "nekad_listning", day,
                   {"rule": rule_id, "personer": personer, "diarienummer": diarienummer,
                    "note": note})


def record_invoice(ledger: Ledger, hsa_id: str, rule_id: str, day: dt.date, belopp: int,
                   diarienummer: str, note: str | None = None) -> list[Change]:
    """The vite actually decided and invoiced, kept beside the one kravkoll computes."""
    if belopp <= 0:
        raise InputError.single(None, f"--belopp ska vara ett positivt antal kronor (fick {belopp})")
    return submit(ledger, hsa_id, "fakturerat", day,
                   {"rule": rule_id, "belopp": belopp, "diarienummer": diarienummer, "note": note})


def _target_input(ledger: Ledger, hsa_id: str, rule_id: str, event_id: int) -> dict:
    """The journal input behind history number `event_id` and the kind of event it is (the
    number is the replay's and may change when an earlier input is registered later; the
    input does not). A legacy unit's events are named by their number only."""
    with ledger.read():
        if replay.is_legacy(ledger, hsa_id):
            return {"target": None}
        derived = replay.state(ledger, hsa_id)
        _, e = target_event(derived, hsa_id, rule_id, event_id)
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
    return submit(ledger, hsa_id, "korrigering", day,
                   {"rule": rule_id, "event": event_id, **target, "changes": changes,
                    "reason": reason.strip()})


def withdraw(ledger: Ledger, hsa_id: str, rule_id: str, event_id: int, reason: str,
             day: dt.date) -> list[Change]:
    """An entry made by mistake is withdrawn by a new event with a reason; it stays in the
    history, marked withdrawn, and counts no more. A withdrawn föreläggande or vite: the demand
    is as if it had never been decided (the journal is replayed without it)."""
    if not reason or not reason.strip():
        raise InputError.single(None, "en återkallelse behöver ett skäl (--reason)")
    target = _target_input(ledger, hsa_id, rule_id, event_id)
    return submit(ledger, hsa_id, "aterkallelse", day,
                   {"rule": rule_id, "event": event_id, **target, "reason": reason.strip()})
