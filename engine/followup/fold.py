"""The fold: a unit's follow-up derived from its journal, in domain order, whatever order it came in.

The ledger keeps an append-only journal (`inputs`): each checked submission and each thing the
beställarenhet recorded (a plan received, a decision on it, föreläggande, vite, rättelse, a
refusal to list, an invoice, a correction, a withdrawal), each with its own date. A unit's
demands, plans and events are not kept as they were first written: they are rebuilt by
replaying the unit's journal into an empty ledger in memory, in domain order:

- by date (a check's date is its beslutsdag); on the same date the checks first, in the order
  of period, inlämningsdag and the content's sha256 (assumption samma_inlamnad), then the
  decisions in the order of their kind (KINDS), then by their content; entries that change no
  status (ANNOTATIONS) after all the rest, in the same order;
- a decision later withdrawn (aterkallelse of a föreläggande or vite) is replayed as a record
  only: the demand is as if it had never been decided, and the history shows it, withdrawn.

So registering a forgotten earlier year after a later one gives what registering them in date
order gives, event numbers included (they are the replay's, per unit). A new input that would
make an input already recorded impossible (a withdrawn föreläggande under a vite still in
force) is refused with the reason, and nothing is written.

Units written before the journal existed (a version-1 ledger) cannot be replayed: they keep
their stored state and the rules they were written under (`is_legacy`).
"""

from __future__ import annotations

import datetime as dt

from engine.errors import InputError

from .changes import Change
from .fold_check import apply_check
from .fold_decisions import (apply_decision, apply_forelaggande, apply_plan, apply_rattelse,
                             apply_vite)
from .fold_register import apply_correction, apply_invoice, apply_refusal, apply_withdrawal
from .ledger import CheckRow, InputRow, Ledger, dumps
from .unit_state import UnitState

# Decisions on the same day, in the order a handläggare makes them.
KINDS = ("plan", "beslut", "forelaggande", "vite", "rattelse", "nekad_listning", "fakturerat",
         "korrigering", "aterkallelse")
LABELS = {"check": "årsbokslut", "plan": "handlingsplan", "beslut": "beslut om handlingsplan",
          "forelaggande": "föreläggande", "vite": "beslut om vite", "rattelse": "rättelse",
          "nekad_listning": "nekad listning", "fakturerat": "fakturerat vite",
          "korrigering": "korrigering", "aterkallelse": "återkallelse"}


APPLY = {"plan": apply_plan, "beslut": apply_decision, "forelaggande": apply_forelaggande,
         "vite": apply_vite, "rattelse": apply_rattelse, "nekad_listning": apply_refusal,
         "fakturerat": apply_invoice, "korrigering": apply_correction,
         "aterkallelse": apply_withdrawal}


# Entries of the register that change no status (a refusal to list, an invoice), and the
# corrections and withdrawals of them: dated facts about a demand that exists, so replayed
# after everything that makes and moves demands (a refusal dated before the check that found
# it still belongs to the demand the check made).
ANNOTATIONS = ("nekad_listning", "fakturerat")


def _annotation(inp: InputRow) -> bool:
    if inp.kind in ("korrigering", "aterkallelse"):
        return inp.payload.get("kind") in ANNOTATIONS
    return inp.kind in ANNOTATIONS


def order_key(inp: InputRow, checks: dict[int, CheckRow]) -> tuple:
    phase = 1 if _annotation(inp) else 0
    if inp.kind == "check":
        c = checks[inp.check_id]
        return (phase, inp.date, 0, c.period, c.inlamnad or dt.date.min, c.submission_sha256, "", 0)
    return (phase, inp.date, 1, KINDS.index(inp.kind), dt.date.min, "", dumps(inp.payload), inp.id)


def rebuild(ledger: Ledger, hsa_id: str,
            new_id: int | None = None) -> tuple[UnitState, dict[int, list[Change]]]:
    """The unit's journal folded into its demands, events and plans, held in memory (no
    database: unit_state.UnitState); the changes each input made. An input that fails is the
    new one's fault (`new_id`): its own message, or one naming the earlier input it would make
    impossible."""
    scratch = UnitState(ledger.path)
    with scratch.write():
        changes = replay_into(scratch, ledger, hsa_id, new_id)
    scratch.input_id = None
    return scratch, changes


def replay_into(scratch: UnitState, ledger: Ledger, hsa_id: str,
                new_id: int | None) -> dict[int, list[Change]]:
    inputs = ledger.inputs(hsa_id)
    checks = {c.id: c for c in ledger.checks(hsa_id)}
    withdrawn = {i.payload.get("target") for i in inputs if i.kind == "aterkallelse"}
    changes: dict[int, list[Change]] = {}
    for c in checks.values():
        scratch.copy_check(c)
    for d in ledger.dispenser(hsa_id):
        scratch.copy_dispens(d)
    for inp in sorted(inputs, key=lambda i: order_key(i, checks)):
        scratch.input_id = inp.id
        try:
            if inp.kind == "check":
                changes[inp.id] = apply_check(scratch, checks[inp.check_id], inp.payload)
            else:
                changes[inp.id] = APPLY[inp.kind](scratch, hsa_id, inp.date, inp.payload,
                                                         withdrawn=inp.id in withdrawn)
        except InputError as exc:
            if new_id is None or inp.id == new_id:
                raise
            what = f"{LABELS[inp.kind]} {inp.date}"
            raise InputError.single(None, f"det här kan inte registreras: det redan "
                                    f"registrerade ({what}) skulle bli ogiltigt: "
                                    f"{_message(exc)}; återkalla eller korrigera det "
                                    "först") from None
    return changes


def _message(exc: InputError) -> str:
    return "; ".join(p.message for p in exc.problems)
