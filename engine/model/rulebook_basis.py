"""What the levels a rule compares with rest on: decided text (kalla), a decision the region
has recorded (beslut) or only the rulebook's assumption (forslag). The evaluation reads it for
every rule (an indicator whose level is only proposed is a value for the dialogue), and the
rulebook checks (rulebook_policy, lint) refuse a sanction that rests on a proposal."""

from __future__ import annotations

from .rulebook import UNDECIDED, Basis, Rule, Rulebook
from .rulebook_refs import rule_leaves, walk_expr

_WEAKEST = {"forslag": 0, "beslut": 1, "kalla": 2}


def level_params(rule: Rule, i: int = 0) -> list[tuple[str, tuple]]:
    """(parameter, path of the comparison) of every parameter a rule compares a value with, in
    its check and in its condition (a level, a limit, a deadline), each once."""
    out: list[tuple[str, tuple]] = []
    for leaf, path in rule_leaves(rule, i):
        cmp = leaf.compare
        if cmp is None:
            continue
        for side in ("left", "right", "partial_right"):
            expr = getattr(cmp, side)
            if expr is None:
                continue
            for node, _p in walk_expr(expr, path + ("compare", side)):
                if node.param and node.param not in [n for n, _ in out]:
                    out.append((node.param, path + ("compare", side)))
    return out


def rule_param_basis(rulebook: Rulebook, rule: Rule, name: str) -> Basis:
    """What a parameter rests on where `rule` uses it: a value that is the rule's own word
    (from_rule_quote: "alla" → 100 %) rests on the rule's source; any other on its own."""
    param = rulebook.parameters[name]
    if param.from_rule_quote and param.beslut is None:
        decided = rule.decided is not None or rulebook.source_status(rule.source) not in UNDECIDED
        return "kalla" if decided else "forslag"
    return rulebook.param_basis(name)


def level_basis(rulebook: Rulebook, rule: Rule) -> Basis | None:
    """The weakest basis of the levels a rule compares with (None: it compares with none).
    A riktlinje or målnivå whose level is only a proposal reports its value for the dialogue,
    not pass or fail; a rule with handlingsplan or vite may not rest on one (lint, load)."""
    bases = [rule_param_basis(rulebook, rule, name) for name, _ in level_params(rule)
             if name in rulebook.parameters]
    return min(bases, key=_WEAKEST.__getitem__) if bases else None
