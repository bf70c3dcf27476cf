"""A unit's follow-up derived from its journal, in domain order, whatever order it came in.

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

from . import demands
from .demands import Change
from .ledger import CheckRow, InputRow, Ledger, dumps

# Decisions on the same day, in the order a handläggare makes them.
KINDS = ("plan", "beslut", "forelaggande", "vite", "rattelse", "nekad_listning", "fakturerat",
         "korrigering", "aterkallelse")
LABELS = {"check": "årsbokslut", "plan": "handlingsplan", "beslut": "beslut om handlingsplan",
          "forelaggande": "föreläggande", "vite": "beslut om vite", "rattelse": "rättelse",
          "nekad_listning": "nekad listning", "fakturerat": "fakturerat vite",
          "korrigering": "korrigering", "aterkallelse": "återkallelse"}


class _Noop(Exception):
    """The input changes nothing: it was recorded before (rolled back, reported as such)."""

    def __init__(self, changes: list[Change]):
        self.changes = changes


def is_legacy(ledger: Ledger, hsa_id: str) -> bool:
    """A unit with demands stored the way kravkoll kept them before the journal."""
    return bool(ledger.demands(hsa_id)) and not ledger.inputs(hsa_id)


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


def rebuild(ledger: Ledger, hsa_id: str, new_id: int | None = None) -> tuple[Ledger, dict[int, list[Change]]]:
    """The unit's journal replayed into a ledger in memory; the changes each input made.
    An input that fails is the new one's fault (`new_id`): its own message, or one naming the
    earlier input it would make impossible."""
    scratch = Ledger.scratch(ledger.path)
    with scratch.write():
        changes = _replay(scratch, ledger, hsa_id, new_id)
    scratch.input_id = None
    return scratch, changes


def _replay(scratch: Ledger, ledger: Ledger, hsa_id: str, new_id: int | None) -> dict[int, list[Change]]:
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
                changes[inp.id] = demands.apply_check(scratch, checks[inp.check_id], inp.payload)
            else:
                changes[inp.id] = demands.APPLY[inp.kind](scratch, hsa_id, inp.date, inp.payload,
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


def state(ledger: Ledger, hsa_id: str | None = None) -> Ledger:
    """The ledger to read a unit from: its replayed journal, or the stored rows of a legacy
    unit. Without a unit: every unit replayed into one ledger, one after the other (for a look
    at the whole ledger; its numbers are a unit's own only for the first unit)."""
    if hsa_id is not None:
        if is_legacy(ledger, hsa_id) or not ledger.inputs(hsa_id):
            return ledger
        return rebuild(ledger, hsa_id)[0]
    journaled = ledger.journal_units()
    if not journaled or any(is_legacy(ledger, u) for u in units(ledger)):
        return ledger
    scratch = Ledger.scratch(ledger.path)
    with scratch.write():
        for unit in sorted(journaled):
            _replay(scratch, ledger, unit, None)
        for d in ledger.dispenser():
            if d.hsa_id not in journaled:
                scratch.copy_dispens(d)
    scratch.input_id = None
    return scratch


def units(ledger: Ledger, region: str | None = None) -> list[str]:
    """Every unit the ledger follows (with checks or demands), optionally of one region."""
    found = {c.hsa_id for c in ledger.checks() if region is None or c.region == region}
    found |= {d.hsa_id for d in ledger.demands(region=region)}
    return sorted(found)


def views(ledger: Ledger, day: dt.date, hsa_id: str | None = None,
          region: str | None = None) -> list:
    """Every demand of the unit (or of every unit, of one region) as it stood on `day`, each
    unit derived from its own journal (inside a read transaction)."""
    from .lifecycle import views as unit_views

    out = []
    for unit in [hsa_id] if hsa_id else units(ledger, region):
        derived = state(ledger, unit)
        out += unit_views(derived.demands(unit, region), derived.events(hsa_id=unit),
                          derived.plans(), derived.dispenser(unit), day)
    out.sort(key=lambda v: (v.demand.hsa_id, v.demand.rule_id, v.demand.period))
    return out


def submit(ledger: Ledger, hsa_id: str, kind: str, day: dt.date, payload: dict) -> list[Change]:
    """Record one input: appended to the journal and the unit replayed (inside one write
    transaction: refused as a whole when the replay refuses it). A legacy unit is moved in
    place, as before the journal."""
    try:
        with ledger.write():
            if is_legacy(ledger, hsa_id):
                return demands.APPLY[kind](ledger, hsa_id, day, payload)
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
