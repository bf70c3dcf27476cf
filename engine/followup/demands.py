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

The pieces, in the order an input takes: intake.py (a checked submission → what the journal
keeps), journal.py (the journal of inputs, append-only), fold.py with fold_check, fold_decisions
and fold_register (a unit's inputs folded in domain order into demands and events, held in
memory by unit_state.py, no database inside; each step through the lifecycle: lifecycle.py),
owed.py and proposed.py (as of a date: what is owed and what is proposed; simulation.py computes
the same day by day and every view is checked against it), views.py and replay.py (what the
store and the reports read). This module
registers checks and keeps the dispenser; the names below are the follow-up's entry points.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from engine.errors import InputError
from engine.evaluate.evaluation import CheckResult
from engine.evaluate.findings import Finding, verdict

from .changes import Change
from . import replay
from .fold import APPLY, rebuild
from .fold_check import apply_check
from .intake import check_payload, dialogue_points, snapshot, terms, waive
from .journal import (correct, file_sha256, record_decision, record_forelaggande, record_invoice,
                      record_plan, record_rattelse, record_refusal, record_vite, withdraw)
from .ledger import DispensRow, Ledger

# The entry points the CLI and the web call, and the names tests read, where they were.
__all__ = ["APPLY", "Change", "Registration", "apply_check", "check_payload", "correct",
           "dialogue_points", "end_dispens", "file_sha256", "grant_dispens", "record_decision",
           "record_forelaggande", "record_invoice", "record_plan", "record_rattelse",
           "record_refusal", "record_vite", "register", "snapshot", "terms", "waive", "withdraw"]


@dataclass
class Registration:
    result: CheckResult
    decided: dt.date
    findings: list[Finding]  # after dispenser (waived)
    changes: list[Change]
    already: bool  # the submission was registered before: nothing changed
    check_id: int


def register(ledger: Ledger, result: CheckResult, decided: dt.date) -> Registration:
    """Record one checked submission: the check and its journal entry; the unit's demands are
    then derived from its journal in domain order (replay.py), so a forgotten earlier year
    registered after a later one gives what registering them in order gives."""
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
            changes = rebuild(ledger, unit.hsa_id, input_id)[1][input_id]
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
