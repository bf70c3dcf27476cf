"""Compile a rulebook into durable_rules ruleset definitions (plain data, no engine import).

For each rulebook rule there is one engine rule per outcome it can have, and the conditions are
built so that exactly one of them matches the rule's fact (facts.py builds the facts). Values are
never tested for absence alone (that hangs durable_rules): a fact always carries `scope` and
`state`, and a missing value is `state: missing`.
"""

from __future__ import annotations

from engine.model.rulebook import Check, Rule, Rulebook, When

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
    elif c.required_when:
        rw = c.required_when
        if rw.when.any or rw.when.all:
            h, n, unknown = _when(rw.when, iter(range(len(rw.when.leaves()))))
            holds, not_holds = [h], [n]
            out["missing"] = [{"scope": "in"}, {"$or": [{"state": "missing"}, unknown]}]
            live = live + [{"$neq": {"state": "missing"}}]  # parts unknown: see `unknown`
        elif rw.when.compare:
            holds = [_cmp_zero(rw.when.compare.op, "tdiff")]
            not_holds = [_cmp_zero(NEGATION[rw.when.compare.op], "tdiff")]
        else:
            holds = [_one_of("tanswer", rw.when.answer_in.in_)]
            not_holds = _none_of("tanswer", rw.when.answer_in.in_)
        out["not_applicable"] = [{"$or": [{"scope": "out"},
                                          {"$and": live + not_holds}]}]
        out["pass"] = live + holds + [{"present": "yes"}]
        out["fail"] = live + holds + [{"present": "no"}]
    else:
        met, unmet, unknown = _combined(c, iter(range(len(c.leaves()))))
        out["missing"] = [{"scope": "in"}, unknown]
        out["pass"] = [{"scope": "in"}, met]
        out["fail"] = [{"scope": "in"}, unmet]
    return out


def _and(parts: list[dict]) -> dict:
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _or(parts: list[dict]) -> dict:
    return parts[0] if len(parts) == 1 else {"$or": parts}


def _combined(check: Check, numbers) -> tuple[dict, dict, dict]:
    """(met, not met, unknown) of an any/all check as three exclusive conditions on the parts'
    keys (c<j>_…, numbered depth first as facts.py numbers them). Each part is met, not met or
    unknown; `any` is met when one part is, not met when every part is not, else unknown;
    `all` the other way round."""
    if check.any or check.all:
        return _any_or_all([_combined(p, numbers) for p in (check.any or check.all)],
                           bool(check.any))
    j = next(numbers)
    key, ok = f"c{j}_", {f"c{j}_state": "ok"}
    if check.compare:
        op = check.compare.op
        return (_and([ok, _cmp_zero(op, key + "diff")]),
                _and([ok, _cmp_zero(NEGATION[op], key + "diff")]), {key + "state": "missing"})
    passing = check.answer.pass_
    return (_and([ok, _one_of(key + "answer", passing)]),
            _and([ok] + _none_of(key + "answer", passing)), {key + "state": "missing"})


def _any_or_all(parts: list[tuple[dict, dict, dict]], is_any: bool) -> tuple[dict, dict, dict]:
    """(yes, no, unknown) of `any`/`all` over parts that are each (yes, no, unknown): `any` is yes
    when one part is, no when every part is; `all` the other way round; else unknown."""
    yes, no, unknown = ([p[k] for p in parts] for k in range(3))
    if is_any:
        return (_or(yes), _and(no),
                _and([_and([_or([n, u]) for n, u in zip(no, unknown)]), _or(unknown)]))
    return (_and(yes), _or(no),
            _and([_and([_or([y, u]) for y, u in zip(yes, unknown)]), _or(unknown)]))


def _when(when: When, numbers) -> tuple[dict, dict, dict]:
    """(holds, does not hold, unknown) of an any/all condition, on the keys t<j>_… facts.py
    sets: `any` holds when one part does, even if another is unknown; `all` does not hold when
    one part does not."""
    if when.any or when.all:
        return _any_or_all([_when(p, numbers) for p in (when.any or when.all)], bool(when.any))
    j = next(numbers)
    ok, unknown = {f"t{j}_state": "ok"}, {f"t{j}_state": "missing"}
    if when.compare:
        return (_and([ok, _cmp_zero(when.compare.op, f"t{j}_diff")]),
                _and([ok, _cmp_zero(NEGATION[when.compare.op], f"t{j}_diff")]), unknown)
    return (_and([ok, _one_of(f"t{j}_answer", when.answer_in.in_)]),
            _and([ok] + _none_of(f"t{j}_answer", when.answer_in.in_)), unknown)


def compile_rulebook(rulebook: Rulebook) -> dict[str, tuple[str, str, dict]]:
    """engine rule name -> (rulebook rule id, outcome, durable condition)."""
    compiled = {}
    for rule in rulebook.rules:
        for outcome, conditions in outcome_conditions(rule).items():
            name = f"{rule.id}__{outcome}"
            compiled[name] = (rule.id, outcome,
                              {"all": [{"m": {"$and": [{"rule": rule.id}] + conditions}}]})
    return compiled
