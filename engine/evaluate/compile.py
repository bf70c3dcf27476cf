"""Compile a rulebook into durable_rules ruleset definitions (plain data, no engine import).

For each rulebook rule there is one engine rule per outcome it can have, and the conditions are
built so that exactly one of them matches the rule's fact (facts.py builds the facts). Values are
never tested for absence alone (that hangs durable_rules): a fact always carries `scope` and
`state`, and a missing value is `state: missing`.
"""

from __future__ import annotations

from engine.model.rulebook import Rule, Rulebook, When

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


def outcome_conditions(rule: Rule) -> dict[str, list[list[dict]]]:
    """outcome -> its alternatives, each a list of conditions (all must hold) on the rule's fact
    beyond its id. Every alternative becomes an engine rule of its own, and for any fact exactly
    one alternative of one outcome holds."""
    live = [{"scope": "in"}, {"state": "ok"}]
    out: dict[str, list[list[dict]]] = {
        "not_applicable": [[{"scope": "out"}]],
        "missing": [[{"scope": "in"}, {"state": "missing"}]],
    }
    c = rule.check
    if c.compare:
        main, neg = _cmp_zero(c.compare.op, "diff"), _cmp_zero(NEGATION[c.compare.op], "diff")
        out["pass"] = [live + [main]]
        if c.compare.partial_op:
            pop = c.compare.partial_op
            out["partial"] = [live + [neg, _cmp_zero(pop, "pdiff")]]
            out["fail"] = [live + [neg, _cmp_zero(NEGATION[pop], "pdiff")]]
        else:
            out["fail"] = [live + [neg]]
    elif c.answer:
        a = c.answer
        out["pass"] = [live + [_one_of("answer", a.pass_)]]
        if a.partial:
            out["partial"] = [live + [_one_of("answer", a.partial)]]
        out["fail"] = [live + _none_of("answer", a.pass_ + a.partial)]
    elif c.all_answers:
        out["pass"] = [live + [{"n_fail": 0}]]
        out["partial"] = [live + [{"$gt": {"n_fail": 0}}, {"$gt": {"n_pass": 0}}]]
        out["fail"] = [live + [{"n_pass": 0}]]
    elif c.required_when:
        rw = c.required_when
        if rw.when.any or rw.when.all:
            # each way the condition's parts can be decided: holds, does not hold or unknown
            out["pass"], out["fail"] = [], []
            for tests, value in _decided(rw.when, rw.when.leaves(), "t"):
                if value == YES:
                    out["pass"].append(live + tests + [{"present": "yes"}])
                    out["fail"].append(live + tests + [{"present": "no"}])
                else:
                    out["not_applicable" if value == NO else "missing"].append(live + tests)
            return out
        if rw.when.compare:
            holds = [_cmp_zero(rw.when.compare.op, "tdiff")]
            not_holds = [_cmp_zero(NEGATION[rw.when.compare.op], "tdiff")]
        else:
            holds = [_one_of("tanswer", rw.when.answer_in.in_)]
            not_holds = _none_of("tanswer", rw.when.answer_in.in_)
        out["not_applicable"].append(live + not_holds)
        out["pass"] = [live + holds + [{"present": "yes"}]]
        out["fail"] = [live + holds + [{"present": "no"}]]
    else:
        # any/all: the fact's state is always ok; each part carries its own (facts.py)
        out["missing"], out["pass"], out["fail"] = [], [], []
        for tests, value in _decided(c, c.leaves(), "c"):
            out[{YES: "pass", NO: "fail", UNKNOWN: "missing"}[value]].append([{"scope": "in"}] + tests)
    return out


# --- any/all: three-valued, written for durable_rules ---------------------------------------------
#
# durable_rules fires a rule once for every alternative of an $or that holds, and refuses a
# condition with more than about fifteen nested $and/$or (ERR_EXPRESSION_LIMIT_EXCEEDED, 113). So
# an any/all is not written as one condition per outcome: its parts are decided one after the
# other, depth first (a decision tree), and every branch that settles the outcome becomes an engine
# rule of its own, a flat chain of tests. The branches exclude each other and cover every fact.
#
# A part is met (YES), not met (NO) or unknown (UNKNOWN, its value missing). `any` is met when one
# part is, not met when every part is not, else unknown; `all` the other way round. The branches
# grow with the parts, so the rulebook model bounds them (rulebook.MAX_PARTS).

YES, NO, UNKNOWN = "yes", "no", "unknown"


def _possible(node, status: dict[int, str], numbers) -> set[str]:
    """The values the check or condition can still take when the parts in `status` (by their
    depth-first number) are decided and the rest are not."""
    parts = node.any or node.all
    if not parts:
        j = next(numbers)
        return {status[j]} if j in status else {YES, NO, UNKNOWN}
    each = [_possible(p, status, numbers) for p in parts]
    decisive, other = (YES, NO) if node.any else (NO, YES)
    out = set()
    if any(decisive in e for e in each):
        out.add(decisive)
    if all(other in e for e in each):
        out.add(other)
    if all(e & {other, UNKNOWN} for e in each) and any(UNKNOWN in e for e in each):
        out.add(UNKNOWN)
    return out


def _decided(node, leaves: list, prefix: str) -> list[tuple[list[dict], str]]:
    """(tests on the parts' keys, value) for every branch of the decision tree: the parts
    decided in order until the value is settled."""
    out: list[tuple[list[dict], str]] = []

    def walk(status: dict[int, str], tests: list[dict]) -> None:
        values = _possible(node, status, iter(range(len(leaves))))
        if len(values) == 1:
            out.append((tests, values.pop()))
            return
        j = len(status)
        for value in (YES, NO, UNKNOWN):
            for alternative in _part_tests(leaves[j], f"{prefix}{j}_", value):
                walk({**status, j: value}, tests + alternative)

    walk({}, [])
    return out


def _part_tests(leaf, key: str, value: str) -> list[list[dict]]:
    """The ways one part (a comparison or an answer) is met, not met or unknown, each a chain
    of plain tests: an answer among several values is a branch per value, not an $or (durable
    fails on $or in these chains: error 107 at creation, 303 when facts are asserted)."""
    if value == UNKNOWN:
        return [[{key + "state": "missing"}]]
    ok = {key + "state": "ok"}
    if leaf.compare is not None:
        op = leaf.compare.op if value == YES else NEGATION[leaf.compare.op]
        return [[ok, _cmp_zero(op, key + "diff")]]
    accepted = leaf.answer_in.in_ if isinstance(leaf, When) else leaf.answer.pass_
    if value == YES:
        return [[ok, {key + "answer": v}] for v in dict.fromkeys(accepted)]
    return [[ok] + _none_of(key + "answer", accepted)]


def compile_rulebook(rulebook: Rulebook) -> dict[str, tuple[str, str, dict]]:
    """engine rule name -> (rulebook rule id, outcome, durable condition). An outcome with
    several alternatives has an engine rule for each (`R__pass`, `R__pass__2` …)."""
    compiled = {}
    for rule in rulebook.rules:
        for outcome, alternatives in outcome_conditions(rule).items():
            for k, conditions in enumerate(alternatives, start=1):
                name = f"{rule.id}__{outcome}" + (f"__{k}" if k > 1 else "")
                compiled[name] = (rule.id, outcome,
                                  {"all": [{"m": {"$and": [{"rule": rule.id}] + conditions}}]})
    return compiled
