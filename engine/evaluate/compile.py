"""Compile a rulebook into durable_rules ruleset definitions (plain data, no engine import).

For each rulebook rule there is one engine rule per outcome it can have, and the conditions are
built so that exactly one of them matches the rule's fact (facts.py builds the facts). Values are
never tested for absence alone (that hangs durable_rules): a fact always carries `scope` and
`state`, and a missing value is `state: missing`.
"""

from __future__ import annotations

from engine.model.rulebook import Rule, Rulebook

_DURABLE_OP = {">": "$gt", ">=": "$gte", "<": "$lt", "<=": "$lte", "!=": "$neq"}
NEGATION = {">": "<=", ">=": "<", "<": ">=", "<=": ">", "==": "!=", "!=": "=="}


def _cmp_zero(op: str, key: str) -> dict:
    """`key op 0` in durable_rules' JSON grammar."""
    if op == "==":
        return {key: 0}
    return {_DURABLE_OP[op]: {key: 0}}


def _one_of(key: str, values: list[str]) -> dict:
    return {"$or": [{key: v} for v in values]}


def _none_of(key: str, values: list[str]) -> list[dict]:
    return [{"$neq": {key: v}} for v in values]


def outcome_conditions(rule: Rule) -> dict[str, list[dict]]:
    """outcome -> list of conditions (all must hold) on the rule's fact, beyond its id."""
    live = [{"scope": "in"}, {"state": "ok"}]
    out: dict[str, list[dict]] = {
        "not_applicable": [{"scope": "out"}],
        "missing": [{"scope": "in"}, {"state": "missing"}],
    }
    c = rule.check
    if c.compare:
        main, neg = _cmp_zero(c.compare.op, "diff"), _cmp_zero(NEGATION[c.compare.op], "diff")
        out["pass"] = live + [main]
        if c.compare.partial_op:
            pop = c.compare.partial_op
            out["partial"] = live + [neg, _cmp_zero(pop, "pdiff")]
            out["fail"] = live + [neg, _cmp_zero(NEGATION[pop], "pdiff")]
        else:
            out["fail"] = live + [neg]
    elif c.answer:
        a = c.answer
        out["pass"] = live + [_one_of("answer", a.pass_)]
        if a.partial:
            out["partial"] = live + [_one_of("answer", a.partial)]
        out["fail"] = live + _none_of("answer", a.pass_ + a.partial)
    elif c.all_answers:
        out["pass"] = live + [{"n_fail": 0}]
        out["partial"] = live + [{"$gt": {"n_fail": 0}}, {"$gt": {"n_pass": 0}}]
        out["fail"] = live + [{"n_pass": 0}]
    else:
        rw = c.required_when
        if rw.when.compare:
            holds = [_cmp_zero(rw.when.compare.op, "tdiff")]
            not_holds = [_cmp_zero(NEGATION[rw.when.compare.op], "tdiff")]
        else:
            holds = [_one_of("tanswer", rw.when.answer_in.in_)]
            not_holds = _none_of("tanswer", rw.when.answer_in.in_)
        out["not_applicable"] = [{"$or": [{"scope": "out"},
                                          {"$and": live + not_holds}]}]
        out["pass"] = live + holds + [{"present": "yes"}]
        out["fail"] = live + holds + [{"present": "no"}]
    return out


def compile_rulebook(rulebook: Rulebook) -> dict[str, tuple[str, str, dict]]:
    """engine rule name -> (rulebook rule id, outcome, durable condition)."""
    compiled = {}
    for rule in rulebook.rules:
        for outcome, conditions in outcome_conditions(rule).items():
            name = f"{rule.id}__{outcome}"
            compiled[name] = (rule.id, outcome,
                              {"all": [{"m": {"$and": [{"rule": rule.id}] + conditions}}]})
    return compiled
