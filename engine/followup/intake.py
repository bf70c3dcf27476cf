"""From a checked submission to what the journal keeps of it: the findings after the dispenser,
and for each shortfall the kind of demand and the rulebook's terms (copied, so that the ledger
reads the same years later whatever happens to the rulebook files). Pure: nothing is written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from engine.evaluate.evaluation import CheckResult
from engine.evaluate.findings import SHORTFALLS, Finding
from engine.model.rulebook import Rulebook, Sanction

from .ledger import DispensRow


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


# The kinds of demand: a handlingsplan asked for; a plan the submission states, followed up;
# a report to complete (an answer missing); a handling delivered late (förseningsvite, nothing
# to correct); any other brist.
KINDS = ("handlingsplan", "uppfoljning", "komplettering", "forsening", "brist")
# The kravliggare's table knows the first three kinds (ledger.py); the two kinds added since
# are stored as `brist` and named in the demand's terms (lifecycle.kind_of reads them).
STORED = {"komplettering": "brist", "forsening": "brist"}


def demand_kind(finding: Finding, plan_text: str | None, late_handling: bool = False) -> str:
    """- A missing answer is not a brist on the substance (003 l.852–854 speaks of incomplete
      information): the unit is asked to complete the report, a handling with a last day
      (`komplettering`), never for a handlingsplan.
    - A handling delivered late (`late_handling`: the rule's consequence is the förseningsvite
      "för varje handling", 003 l.863–868) cannot be put right afterwards: `forsening`, with no
      föreläggande or vite after it.
    - A rule with plan_for asks for another krav's plan: followed up as a brist."""
    if finding.outcome == "missing" and finding.kind == "krav" and not (
            finding.consequence and finding.consequence.get("plan_for")):
        return "komplettering"
    if late_handling:
        return "forsening"
    has_plan = bool(finding.consequence and finding.consequence.get("handlingsplan"))
    if not has_plan:
        return "brist"
    return "uppfoljning" if plan_text else "handlingsplan"


def is_late_handling(rulebook: Rulebook, rule_id: str) -> bool:
    """The rule's consequence is only the förseningsvite for a late handling (no plan)."""
    rule, followup = rulebook.rule(rule_id), rulebook.followup
    c = rule.consequence if rule else None
    return bool(c and followup and c.handlingsplan_days is None and not c.plan_for
                and followup.late_plan_sanction in c.sanctions)


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
            if kind in ("handlingsplan", "komplettering") and followup else None)
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
        "handlingsplan_days": (hp.get("days") if kind != "komplettering" else
                               rulebook.days(rule.consequence.handlingsplan_days)
                               if rule.consequence else None),
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
        # what each time and day rests on (design.md: no krona and no right without decided
        # text or a decision the region has recorded): avtalstext, regionens beslut or förslag
        "basis": _bases(rulebook, rule, finding),
    }


def _bases(rulebook: Rulebook, rule, finding: Finding) -> dict:
    followup, c = rulebook.followup, rule.consequence
    return {
        "handlingsplan_days": rulebook.basis_record(c.handlingsplan_days) if c else None,
        "rattelse_days": rulebook.basis_record(followup.rattelse_days) if followup else None,
        "uppsagning_days": rulebook.basis_record(followup.uppsagning_days) if followup else None,
        # the last day a late handling was held to (the check's own, with its basis)
        "deadline": (finding.consequence or {}).get("deadline"),
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


def finding_json(f: Finding) -> dict:
    d = f.to_dict()
    if not isinstance(d["observed"], (str, int, float, bool, type(None))):
        d["observed"] = str(d["observed"])
    return d


def finding_from_json(d: dict) -> Finding:
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
            kind = demand_kind(f, plan_text, is_late_handling(book.model, f.rule_id))
            shortfalls[f.rule_id] = {"plan_text": plan_text, "kind": STORED.get(kind, kind),
                                     "terms": dict(terms(book.model, f, kind, book.sha256),
                                                   kind=kind)}
    return {"findings": [finding_json(f) for f in findings], "shortfalls": shortfalls}
