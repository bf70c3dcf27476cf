"""What a rulebook may not say even when every name in it resolves: checked on load and by lint.

- beslut: a rule that carries a handlingsplan or a sanction (vite), or is a krav, rests on
  decided text. A proposal (status forslag) or a sammanställning alone cannot be demanded
  (seed 003 l.814–817: the region's lawyer found that not all proposals can be); the rule names
  the decided text in `decided`, reads the source explicitly as stating the krav
  (formular_aterger_krav, aterger_fu, with an assumption), or becomes `kind: forslag`.
- inlamning: a submission deadline (a parameter a rule compares `inlamnad` with) lies after the
  end of the period the rulebook applies to; a copied rulebook that keeps last year's date would
  make every unit late by a year.
- grund (design.md: no krona and no right without a decided basis): a handlingsplan or sanction
  does not rest only on an assumption. Refused: a rule with handlingsplan or vite whose level
  (a parameter it compares with, other than a submission deadline) is only the rulebook's
  proposal, and a sanction quoted from a proposal. Warned by lint, per parameter: a value
  kronor or rights would be computed from (a deadline of a rule with vite, the time for a
  handlingsplan when a late plan gives förseningsvite, the frist for rättelse, the days before
  the right to terminate) that is only a proposal: the region must decide it first.
"""

from __future__ import annotations

import datetime as dt

from engine.errors import Problem
from engine.read.yamlstrict import Document, dotted

from .rulebook import BASIS_LABELS, KIND_LABELS, UNDECIDED, Expr, Rule, Rulebook
from .rulebook_basis import level_params, rule_param_basis
from .rulebook_refs import rule_leaves


def undecided_rules(rulebook: Rulebook) -> list[tuple[str, tuple]]:
    out = []
    for i, rule in enumerate(rulebook.rules):
        c = rule.consequence
        demands = rule.kind == "krav" or (c is not None and (c.sanctions or c.handlingsplan_days))
        if not demands or rule.decided is not None:
            continue
        status = rulebook.source_status(rule.source)
        if status in UNDECIDED:
            what = "ett förslag" if status == "forslag" else "en sammanställning"
            out.append(((
                f"{rule.id} är {KIND_LABELS[rule.kind].lower()} med handlingsplan eller vite men "
                f"källan är {what} ({rule.source.document}), inte beslutad text; ange den beslutade "
                "texten under decided, läs källan uttryckligen som kravet (source.status "
                "formular_aterger_krav eller aterger_fu, med assumption) eller gör regeln till "
                "kind: forslag utan handlingsplan och vite"), ("rules", i, "source")))
    return out


def deadline_params(rulebook: Rulebook) -> dict[str, list[int]]:
    """Parameters a rule compares the submission date `inlamnad` with: name -> rule indexes.
    Every comparison counts: the check's, its any/all parts' and those of a required_when
    condition (rulebook_refs.rule_leaves opens them all), so wrapping the deadline in an `any` does
    not hide it. (A scope compares no values: it names unit attributes only.)"""
    out: dict[str, list[int]] = {}
    for i, rule in enumerate(rulebook.rules):
        for leaf, _path in rule_leaves(rule, i):
            cmp = leaf.compare
            if cmp is None:
                continue
            for a, b in ((cmp.left, cmp.right), (cmp.right, cmp.left)):
                if a.field == "inlamnad" and b.param and i not in out.get(b.param, []):
                    out.setdefault(b.param, []).append(i)
    return out


def early_deadlines(rulebook: Rulebook) -> list[tuple[str, tuple]]:
    out = []
    for name in deadline_params(rulebook):
        p = rulebook.parameters.get(name)
        if p is None:
            continue  # reported as an unknown parameter
        if not isinstance(p.value, dt.date) or p.value <= rulebook.valid_to:
            out.append(((
                f"sista inlämningsdag '{name}' ({p.value}) ska vara ett datum efter periodens slut "
                f"({rulebook.valid_to}): årsbokslutet lämnas när året är slut, och en tidigare dag "
                "gör varje enhet försenad"), ("parameters", name, "value")))
    return out


# --- grund: what kronor and rights rest on ---------------------------------------------------

def _demands(rule: Rule) -> bool:
    c = rule.consequence
    return c is not None and bool(c.sanctions or c.handlingsplan_days is not None)


def unfounded_sanctions(rulebook: Rulebook) -> list[tuple[str, tuple]]:
    """Errors: a handlingsplan or a sanction that rests only on an assumption."""
    out = []
    deadlines = deadline_params(rulebook)
    for i, rule in enumerate(rulebook.rules):
        if not _demands(rule):
            continue
        for name, path in level_params(rule, i):
            if name not in rulebook.parameters or i in deadlines.get(name, []):
                continue  # unknown (a referens error); a deadline is warned about below
            if rule_param_basis(rulebook, rule, name) == "forslag":
                p = rulebook.parameters[name]
                out.append(((
                    f"{rule.id} har handlingsplan eller vite, men nivån '{name}' ({p.value}) är bara "
                    "regelbokens förslag (assumption), utan källa eller beslut: ange källan "
                    "(source), regionens beslut (beslut: datum, diarienummer) eller gör regeln till "
                    "en riktlinje eller målnivå utan handlingsplan och vite"), path))
    used = {s for r in rulebook.rules if r.consequence for s in r.consequence.sanctions}
    if rulebook.followup is not None:
        f = rulebook.followup
        used |= {f.late_plan_sanction, f.rattelse_sanction, f.innehallande_sanction}
    for name, s in rulebook.sanctions.items():
        if name in used and rulebook.source_status(s.source) in UNDECIDED:
            out.append(((
                f"sanktionen '{name}' citeras ur ett förslag eller en sammanställning "
                f"({s.source.document}), inte ur beslutad text: ett vite kan inte vila på ett "
                "förslag; citera den beslutade texten (eller läs källan uttryckligen som den, "
                "source.status aterger_fu med assumption)"), ("sanctions", name, "source")))
    return out


def _uses(expr: Expr | None, name: str) -> bool:
    return expr is not None and expr.param == name


def money_values(rulebook: Rulebook) -> dict[str, list[str]]:
    """Parameter -> what kronor or rights are computed from it (in words, with rule ids)."""
    out: dict[str, list[str]] = {}
    f = rulebook.followup
    for name, rules in deadline_params(rulebook).items():
        ids = [rulebook.rules[i].id for i in rules if rulebook.rules[i].consequence is not None
               and rulebook.rules[i].consequence.sanctions]
        if ids:
            out.setdefault(name, []).append(f"förseningsvite för sen inlämning ({', '.join(ids)})")
    if f is not None and f.late_plan_sanction:
        for name in rulebook.parameters:
            ids = [r.id for r in rulebook.rules
                   if r.consequence is not None and _uses(r.consequence.handlingsplan_days, name)]
            if ids:
                out.setdefault(name, []).append(
                    f"förseningsvite för en sen handlingsplan ({', '.join(ids)})")
    if f is not None:
        if f.rattelse_days.param:
            out.setdefault(f.rattelse_days.param, []).append(
                "vite efter föreläggande och rätten att säga upp, när beslutet inte anger fristen")
        if f.uppsagning_days is not None and f.uppsagning_days.param:
            out.setdefault(f.uppsagning_days.param, []).append("rätten att säga upp avtalet")
    return out


def undecided_values(rulebook: Rulebook) -> list[tuple[str, tuple]]:
    """Warnings, one per parameter: kronor or rights would be computed from a proposal."""
    out = []
    for name, uses in money_values(rulebook).items():
        if name not in rulebook.parameters or rulebook.param_basis(name) != "forslag":
            continue
        p = rulebook.parameters[name]
        out.append(((
            f"'{name}' ({p.value}) är bara regelbokens {BASIS_LABELS['forslag']}, inget beslut, men "
            f"{'; '.join(uses)} skulle räknas från värdet. Regionen behöver besluta värdet "
            "(ange beslut: datum, diarienummer under parametern); till dess används det bara "
            "för påminnelser, och inga kronor eller rättigheter räknas från det"),
            ("parameters", name)))
    return out


def policy_problems(rulebook: Rulebook, doc: Document) -> list[Problem]:
    """(message, path in the rulebook) of each check, as problems at their lines."""
    out = []
    for message, path in (undecided_rules(rulebook) + early_deadlines(rulebook)
                          + unfounded_sanctions(rulebook)):
        line, col = doc.locate(path)
        out.append(Problem(message, dotted(path), line, col))
    return out
