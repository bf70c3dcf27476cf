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
from engine.model.submission import read_path

from .expressions import Evaluator, difference, show
from .memo import ByIdentity


@dataclass
class Evidence:
    observed: object
    observed_text: str
    expected: str
    derivation: str | None = None
    fields: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    path: str | None = None  # the field the finding points at
    diff: object = None  # left − right of a comparison (days for dates), as computed


@dataclass
class RuleFact:
    rule: Rule
    fact: dict
    evidence: Evidence


def in_scope(rule: Rule, submission: BaseModel) -> bool:
    return scope_holds(rule.scope, submission)


def scope_holds(scope: Scope, submission: BaseModel) -> bool:
    """Every part of the scope holds: each attribute has an accepted value (a list attribute,
    such as tilläggsuppdrag, one of them), any/all of the sub-scopes."""
    for path, accepted in _conditions(scope):
        value = read_path(submission, path)
        values = value if isinstance(value, (list, tuple)) else [value]
        if not any(v in accepted for v in values):
            return False
    if scope.any and not any(scope_holds(s, submission) for s in scope.any):
        return False
    if scope.all and not all(scope_holds(s, submission) for s in scope.all):
        return False
    return True


_scope_parts = ByIdentity()


def _conditions(scope: Scope) -> list[tuple[str, list[str]]]:
    """scope.conditions(), made once per scope (it is asked for every rule of every unit)."""
    return _scope_parts.get((scope,), scope.conditions)


def build_facts(rulebook: Rulebook, submission: BaseModel,
                previous: BaseModel | None = None) -> list[RuleFact]:
    ev = Evaluator(rulebook, submission, previous)
    return [_fact(rule, submission, ev) for rule in rulebook.rules]


def _fact(rule: Rule, submission: BaseModel, ev: Evaluator) -> RuleFact:
    fact = {"rule": rule.id, "scope": "in" if in_scope(rule, submission) else "out", "state": "ok"}
    c = rule.check
    if c.compare:
        evidence = _compare(c.compare, ev, fact, "")
    elif c.answer:
        evidence = _answer(c.answer.field, c.answer.pass_ + c.answer.partial, submission, fact)
        fact["answer"] = evidence.observed if evidence.observed is not None else ""
        evidence.expected = " eller ".join(c.answer.pass_)
    elif c.all_answers:
        evidence = _all_answers(c.all_answers.fields, c.all_answers.pass_, submission, fact)
    elif c.required_when:
        evidence = _required_when(c.required_when, submission, ev, fact)
    else:
        # any/all: each part carries its own state; the rule engine combines them
        return RuleFact(rule, fact, _combined(c, submission, ev, fact))
    if evidence.missing:
        fact["state"] = "missing"
    return RuleFact(rule, fact, evidence)


def _combined(check: Check, submission: BaseModel, ev: Evaluator, fact: dict) -> Evidence:
    parts = []
    for j, leaf in enumerate(check.leaves()):
        key = f"c{j}_"
        if leaf.compare:
            e = _compare(leaf.compare, ev, fact, key)
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


def _compare(cmp: Compare, ev: Evaluator, fact: dict, prefix: str) -> Evidence:
    left, right = ev.eval(cmp.left), ev.eval(cmp.right)
    diff = difference(left, right)
    # The rules read only how the difference stands to 0 (compile.py): its sign is what they
    # are given, so that units with other numbers but the same outcome give the same fact
    # (asked of durable_rules once: evaluation.evaluate). The difference itself is evidence.
    fact[prefix + "diff"] = _sign(diff)
    expected = f"{OP_WORDS[cmp.op]} {right.text}"
    missing = left.missing + right.missing
    if diff is None and not missing:
        missing = ["värdena går inte att jämföra"]
    if cmp.partial_op is not None:
        pright = ev.eval(cmp.partial_right)
        fact[prefix + "pdiff"] = _sign(difference(left, pright))
        expected += f" (delvis: {OP_WORDS[cmp.partial_op]} {pright.text})"
    fields = left.fields + [f for f in right.fields if f not in left.fields]
    return Evidence(
        observed=_plain(left.value),
        observed_text=show(left.value, left.unit) if left.known else "uppgift saknas",
        expected=expected,
        derivation=left.derivation,
        fields=fields,
        missing=missing,
        path=fields[0] if fields else None,
        diff=diff,
    )


def _sign(diff) -> float:
    """1.0, 0.0 or -1.0 as the difference stands to 0 (0.0 when unknown: the state says so)."""
    if diff is None or diff == 0:
        return 0.0
    return 1.0 if diff > 0 else -1.0


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


def _required_when(rw, submission: BaseModel, ev: Evaluator, fact: dict) -> Evidence:
    target = read_path(submission, rw.field)
    present = target is not None and (not isinstance(target, str) or target.strip() != "")
    fact["present"] = "yes" if present else "no"
    if rw.when.any or rw.when.all:
        texts, fields, missing = [], [], []
        for j, leaf in enumerate(rw.when.leaves()):
            if leaf.compare:
                trig = _compare(leaf.compare, ev, fact, f"t{j}_")
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
        trig = _compare(rw.when.compare, ev, fact, "t")
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
