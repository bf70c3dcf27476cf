"""Turn a submission into one fact per rule: the values the rule engine decides on.

Python reads fields and computes derived measures (with their derivations); the decision of which
outcome a rule gets is made by the compiled rules in the rule engine (see compile.py). A fact
never holds null: a value that cannot be known sets `state: missing` explicitly, because
durable_rules treats null as present.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from engine.model.rulebook import OP_WORDS, Check, Compare, Rule, Rulebook, Scope
from engine.model.submission import path_parts, read_parts, read_path

from .expressions import Evaluator, Value, compiled, difference, show
from .memo import ByIdentity


@dataclass(slots=True)
class Evidence:
    observed: object
    observed_text: str
    expected: str
    derivation: str | None = None
    fields: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    path: str | None = None  # the field the finding points at
    diff: object = None  # left − right of a comparison (days for dates), as computed


@dataclass(slots=True)
class RuleFact:
    rule: Rule
    fact: dict
    evidence: Evidence


def _scope_test(scope: Scope):
    """The scope as a function of a submission (whether every part of it holds: each attribute
    has an accepted value, a list attribute such as tilläggsuppdrag one of them; any/all of the
    sub-scopes), made once per rule's plan; a scope with no part is None (every unit is in
    it)."""
    conditions = [(path_parts(path), accepted) for path, accepted in scope.conditions()]
    any_of = [_scope_test(s) or _always for s in scope.any or ()]
    all_of = [_scope_test(s) or _always for s in scope.all or ()]
    if not conditions and not any_of and not all_of:
        return None

    def holds(submission: BaseModel) -> bool:
        for parts, accepted in conditions:
            value = read_parts(submission, parts)
            if isinstance(value, (list, tuple)):  # a list attribute: one of its values
                for v in value:
                    if v in accepted:
                        break
                else:
                    return False
            elif value not in accepted:
                return False
        if any_of and not any(t(submission) for t in any_of):
            return False
        if all_of and not all(t(submission) for t in all_of):
            return False
        return True

    return holds


def _always(_submission: BaseModel) -> bool:
    return True


class _Plan:
    """What building one rule's fact needs that is the same for every unit, made once per
    rulebook and rule: its scope as a function, the field paths it reads split, the words of
    its expectations and each comparison's expressions compiled (expressions.compiled)."""

    __slots__ = ("rule", "rule_id", "scope", "compares", "build", "compare", "path", "parts",
                 "expected", "absent")

    def __init__(self, rule: Rule, rulebook: Rulebook):
        self.rule, self.rule_id = rule, rule.id
        self.scope = _scope_test(rule.scope)
        c = rule.check
        self.compares = {id(cmp): _ComparePlan(cmp, rulebook) for cmp in _compares(c)}
        if c.compare:
            self.build = self._compare
            self.compare = self.compares[id(c.compare)]
        elif c.answer:
            self.build = self._answer
            self.path, self.parts = c.answer.field, path_parts(c.answer.field)
            self.expected = " eller ".join(c.answer.pass_)
            self.absent = f"{c.answer.field} saknas"
        else:
            self.build = self._other

    def fact(self, submission: BaseModel, ev: Evaluator) -> RuleFact:
        fact = {"rule": self.rule_id,
                "scope": "in" if self.scope is None or self.scope(submission) else "out",
                "state": "ok"}
        return self.build(submission, ev, fact)

    def _compare(self, submission: BaseModel, ev: Evaluator, fact: dict) -> RuleFact:
        evidence = _compare(self.compare, ev, fact, "")
        if evidence.missing:
            fact["state"] = "missing"
        return RuleFact(self.rule, fact, evidence)

    def _answer(self, submission: BaseModel, ev: Evaluator, fact: dict) -> RuleFact:
        value = read_parts(submission, self.parts)
        if value is None:
            evidence = Evidence(None, "uppgift saknas", self.expected, None, [self.path],
                                [self.absent], self.path)
            fact["answer"] = ""
            fact["state"] = "missing"
        else:
            evidence = Evidence(value, str(value), self.expected, None, [self.path], [],
                                self.path)
            fact["answer"] = value
        return RuleFact(self.rule, fact, evidence)

    def _other(self, submission: BaseModel, ev: Evaluator, fact: dict) -> RuleFact:
        c = self.rule.check
        if c.all_answers:
            evidence = _all_answers(c.all_answers.fields, c.all_answers.pass_, submission, fact)
        elif c.required_when:
            evidence = _required_when(c.required_when, submission, ev, fact, self.compares)
        else:
            # any/all: each part carries its own state; the rule engine combines them
            return RuleFact(self.rule, fact, _combined(c, submission, ev, fact, self.compares))
        if evidence.missing:
            fact["state"] = "missing"
        return RuleFact(self.rule, fact, evidence)


def _compares(check: Check) -> list[Compare]:
    """Every comparison a check makes, its condition's (required_when) included."""
    if check.required_when:
        when = check.required_when.when
        return [leaf.compare for leaf in when.leaves() if leaf.compare]
    return [leaf.compare for leaf in check.leaves() if leaf.compare]


class _ComparePlan:
    __slots__ = ("left", "right", "partial_right", "op_words", "partial_words")

    def __init__(self, cmp: Compare, rulebook: Rulebook):
        self.left, self.right = compiled(rulebook, cmp.left), compiled(rulebook, cmp.right)
        self.op_words = OP_WORDS[cmp.op] + " "
        self.partial_right = self.partial_words = None
        if cmp.partial_op is not None:
            self.partial_right = compiled(rulebook, cmp.partial_right)
            self.partial_words = f" (delvis: {OP_WORDS[cmp.partial_op]} "


_plans = ByIdentity()


def build_facts(rulebook: Rulebook, submission: BaseModel,
                previous: BaseModel | None = None) -> list[RuleFact]:
    ev = Evaluator(rulebook, submission, previous)
    plans = _plans.get((rulebook,), lambda: [_Plan(rule, rulebook) for rule in rulebook.rules])
    return [plan.fact(submission, ev) for plan in plans]


def _combined(check: Check, submission: BaseModel, ev: Evaluator, fact: dict,
              compares: dict[int, _ComparePlan]) -> Evidence:
    parts = []
    for j, leaf in enumerate(check.leaves()):
        key = f"c{j}_"
        if leaf.compare:
            e = _compare(compares[id(leaf.compare)], ev, fact, key)
        else:
            e = _answer(leaf.answer.field, leaf.answer.pass_, submission, fact)
            fact[key + "answer"] = e.observed if e.observed is not None else ""
            e.expected = " eller ".join(leaf.answer.pass_)
        fact[key + "state"] = "missing" if e.missing else "ok"
        name = e.fields[0].rsplit(".", 1)[-1] if e.fields else "värde"
        parts.append((name, e))
    joiner = "; ett av: " if check.any else "; alla: "
    fields = [f for _, e in parts for f in e.fields]
    return Evidence(
        observed={name: e.observed for name, e in parts},
        observed_text="; ".join(f"{name}: {e.observed_text}" for name, e in parts),
        expected=joiner[2:] + "; ".join(f"{name} {e.expected}" for name, e in parts),
        fields=list(dict.fromkeys(fields)),
        missing=[],  # a part may be unknown while another decides; the rule engine judges
        path=fields[0] if fields else None,
    )


def _compare(plan: _ComparePlan, ev: Evaluator, fact: dict, prefix: str) -> Evidence:
    left, right = plan.left(ev), plan.right(ev)
    diff = difference(left, right)
    # The rules read only how the difference stands to 0 (compile.py): its sign is what they
    # are given, so that units with other numbers but the same outcome give the same fact
    # (asked of durable_rules once: evaluation.evaluate). The difference itself is evidence.
    fact[prefix + "diff"] = _sign(diff)
    expected = plan.op_words + right.text
    missing = left.missing + right.missing
    if diff is None and not missing:
        missing = ["värdena går inte att jämföra"]
    if plan.partial_right is not None:
        pright = plan.partial_right(ev)
        fact[prefix + "pdiff"] = _sign(difference(left, pright))
        expected += plan.partial_words + pright.text + ")"
    fields = (left.fields + [f for f in right.fields if f not in left.fields] if right.fields
              else left.fields[:])  # (a new list either way)
    return Evidence(  # positional: observed, observed_text, expected, derivation, fields,
        _observed(left),  # missing, path, diff
        show(left.value, left.unit) if left.value is not None else "uppgift saknas",
        expected, left.derivation, fields, missing, fields[0] if fields else None, diff)


def _sign(diff) -> float:
    """1.0, 0.0 or -1.0 as the difference stands to 0 (0.0 when unknown: the state says so)."""
    if diff is None or diff == 0:
        return 0.0
    return 1.0 if diff > 0 else -1.0


def _observed(value: Value):
    """_plain(value.value), read from the number itself where it was read from a field."""
    raw = value.raw
    kind = type(raw)
    if kind is int and -_EXACT < raw < _EXACT:  # int → Decimal → float → int: the same
        return raw
    if kind is float and (raw == 0 or 1e-4 <= abs(raw) < 1e16):  # written without an exponent
        return round(raw, 6)
    return _plain(value.value)


_EXACT = 2 ** 53


def _plain(value):
    """Decimal → int/float for JSON; dates as ISO text."""
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    f = float(value)
    return int(f) if f.is_integer() and "." not in str(value) else round(f, 6)


def _answer(path: str, _known: list[str], submission: BaseModel, fact: dict) -> Evidence:
    value = read_path(submission, path)
    return Evidence(
        observed=value,
        observed_text=str(value) if value is not None else "uppgift saknas",
        expected="",
        fields=[path],
        missing=[] if value is not None else [f"{path} saknas"],
        path=path,
    )


def _all_answers(paths: list[str], passing: list[str], submission: BaseModel, fact: dict) -> Evidence:
    values = {p: read_path(submission, p) for p in paths}
    missing = [f"{p} saknas" for p, v in values.items() if v is None]
    n_pass = sum(1 for v in values.values() if v in passing)
    fact["n_pass"] = n_pass
    fact["n_fail"] = len(paths) - n_pass
    failing = [p for p, v in values.items() if v not in passing]
    shown = ", ".join(f"{p.rsplit('.', 1)[-1]}: {v if v is not None else 'saknas'}"
                      for p, v in values.items())
    return Evidence(
        observed={p.rsplit(".", 1)[-1]: v for p, v in values.items()},
        observed_text=f"{n_pass} av {len(paths)} ({shown})",
        expected=f"alla: {' eller '.join(passing)}",
        fields=list(paths),
        missing=missing,
        path=failing[0] if failing else paths[0],
    )


def _required_when(rw, submission: BaseModel, ev: Evaluator, fact: dict,
                   compares: dict[int, _ComparePlan]) -> Evidence:
    target = read_path(submission, rw.field)
    present = target is not None and (not isinstance(target, str) or target.strip() != "")
    fact["present"] = "yes" if present else "no"
    if rw.when.any or rw.when.all:
        texts, fields, missing = [], [], []
        for j, leaf in enumerate(rw.when.leaves()):
            if leaf.compare:
                trig = _compare(compares[id(leaf.compare)], ev, fact, f"t{j}_")
                texts.append(f"{trig.observed_text} är {trig.expected}")
                fields += trig.fields
                unknown = trig.missing
            else:
                value = read_path(submission, leaf.answer_in.field)
                fact[f"t{j}_answer"] = value if value is not None else ""
                texts.append(f"{leaf.answer_in.field} är {value if value is not None else 'okänt'}")
                fields.append(leaf.answer_in.field)
                unknown = [] if value is not None else [f"{leaf.answer_in.field} saknas"]
            # a part may be unknown while another decides; the rule engine judges (compile.py)
            fact[f"t{j}_state"] = "missing" if unknown else "ok"
        condition = (" eller " if rw.when.any else " och ").join(texts)
        path = fields[0] if fields else rw.field
    elif rw.when.compare:
        trig = _compare(compares[id(rw.when.compare)], ev, fact, "t")
        condition = f"{trig.observed_text} är {trig.expected}"
        fields, missing, path = trig.fields, trig.missing, trig.path
    else:
        value = read_path(submission, rw.when.answer_in.field)
        fact["tanswer"] = value if value is not None else ""
        condition = f"{rw.when.answer_in.field} är {value if value is not None else 'okänt'}"
        fields = [rw.when.answer_in.field]
        missing = [] if value is not None else [f"{rw.when.answer_in.field} saknas"]
        path = rw.when.answer_in.field
    text = _excerpt(target, 60) if present else "saknas"
    return Evidence(
        observed=target if present else None,
        observed_text=text,
        expected=f"ifyllt, eftersom {condition}",
        fields=fields + [rw.field],
        missing=missing,
        path=rw.field if present else path,
    )


def _excerpt(text, limit: int = 90) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
