"""What a rulebook may not say even when every name in it resolves: checked on load and by lint.

- beslut: a rule that carries a handlingsplan or a sanction (vite), or is a krav, rests on
  decided text. A proposal (status forslag) or a sammanställning alone cannot be demanded
  (seed 003 l.814–817: the region's lawyer found that not all proposals can be); the rule names
  the decided text in `decided`, reads the source explicitly as stating the krav
  (formular_aterger_krav, aterger_fu, with an assumption), or becomes `kind: forslag`.
- inlamning: a submission deadline (a parameter a rule compares `inlamnad` with) lies after the
  end of the period the rulebook applies to; a copied rulebook that keeps last year's date would
  make every unit late by a year.
"""

from __future__ import annotations

import datetime as dt

from engine.errors import Problem
from engine.read.yamlstrict import Document, dotted

from .rulebook import KIND_LABELS, UNDECIDED, Rulebook
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


def policy_problems(rulebook: Rulebook, doc: Document) -> list[Problem]:
    """(message, path in the rulebook) of each check, as problems at their lines."""
    out = []
    for message, path in undecided_rules(rulebook) + early_deadlines(rulebook):
        line, col = doc.locate(path)
        out.append(Problem(message, dotted(path), line, col))
    return out
