"""A second, independent evaluator that checks every answer durable_rules gives.

durable_rules (rete.py) decides which outcome a rule gets and which transition a demand takes.
This module decides the same compiled data again in a few lines of plain Python, and `verify`
raises Disagreement when the two answers differ: the command then stops with exit 3 and names
the rule, the fact and both answers. A wrong answer from either side is never passed on.

It shares no code with rete.py and imports nothing of durable_rules, so a defect of one side
cannot hide in the other. It understands exactly the part of durable_rules' JSON grammar that
compile.py and lifecycle.py write, and refuses anything else when it is built:

    rule        {"all": [{"m": test}]}
    test        {"$and": [test, ...]}       every test holds
                {"$or": [test, ...]}        at least one test holds
                {name: value}               the fact's field `name` equals value
                {op: {name: value}}         op is $gt, $gte, $lt, $lte or $neq

What a field test means:
- a fact without the field: the test does not hold (whatever the operator);
- numbers (int, float) compare with numbers as numbers, so -0.0 == 0; only numbers are ordered;
- texts compare with texts, equal or not; a bool equals only the same bool;
- a number never equals a text. durable_rules turns the number into text first and may call
  5 and "5" equal; facts never mix them, and if a rulebook makes them (an `answer` check on a
  number field) the two evaluators differ and the run stops: it is not guessed.
- any other value (null, a list) in a fact or a condition is refused (ValueError).

Each condition is turned into a Python function once (`predicate`); `Interpreter.matching`
gives every rule whose function holds for a fact, and the checks below require exactly one,
the same as durable_rules'.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable

from .factkey import KNOWN_MAX, keys_of

ORDERING = {"$gt": operator.gt, "$gte": operator.ge, "$lt": operator.lt, "$lte": operator.le}
COMPARISONS = (*ORDERING, "$neq")


class Disagreement(RuntimeError):
    """durable_rules and the interpreter gave different answers for one fact (a defect)."""

    def __init__(self, subject: str, fact: dict, engine_answer: str, check_answer: str):
        self.subject, self.fact = subject, fact
        self.engine_answer, self.check_answer = engine_answer, check_answer
        shown = json.dumps(fact, ensure_ascii=False, default=str)
        super().__init__(f"internt fel: regelmotorn och kontrolltolken är oeniga om {subject} för "
                         f"fakta {shown}: durable_rules sa {engine_answer}, kontrolltolken "
                         f"{check_answer}")

    def __reduce__(self):  # a worker process sends it to the parent whole
        return (Disagreement, (self.subject, self.fact, self.engine_answer, self.check_answer))


# --- the interpreter ----------------------------------------------------------------------------

_KINDS = {bool: "bool", int: "number", float: "number", str: "text"}  # by exact type


def _kind(value) -> str:
    kind = _KINDS.get(type(value))
    if kind is None:
        raise ValueError(f"ett värde som kontrolltolken inte kan jämföra: {value!r}")
    return kind


def predicate(test, where: str = "villkor") -> Callable[[dict], bool]:
    """The test (grammar above) as a function of a fact; anything outside the grammar is
    refused here, once, with ValueError."""
    if not isinstance(test, dict) or len(test) != 1:
        raise ValueError(f"{where}: ett villkor ska vara en mappning med en nyckel: {test!r}")
    (key, arg), = test.items()
    if key in ("$and", "$or"):
        if not isinstance(arg, list) or not arg:
            raise ValueError(f"{where}: {key} ska ha en lista med villkor")
        parts = [predicate(t, where) for t in arg]
        return _every(parts) if key == "$and" else _some(parts)
    if key in COMPARISONS:
        if not isinstance(arg, dict) or len(arg) != 1:
            raise ValueError(f"{where}: {key} ska ha ett fält och ett värde")
        (name, value), = arg.items()
    elif key.startswith("$"):
        raise ValueError(f"{where}: operatorn {key} förstår kontrolltolken inte")
    else:
        name, value = key, arg
    if name.startswith("$"):
        raise ValueError(f"{where}: okänt fält {name}")
    return _field_test(key if key in COMPARISONS else "==", name, value)


def _every(parts: list) -> Callable[[dict], bool]:
    def test(fact: dict) -> bool:
        for part in parts:
            if not part(fact):
                return False
        return True
    return test


def _some(parts: list) -> Callable[[dict], bool]:
    def test(fact: dict) -> bool:
        for part in parts:
            if part(fact):
                return True
        return False
    return test


def _field_test(op: str, name: str, value) -> Callable[[dict], bool]:
    kind = _kind(value)
    same = frozenset(t for t, k in _KINDS.items() if k == kind)  # the types of that kind

    def equal(fact: dict) -> bool:  # present, of the same kind, and equal
        if name not in fact:
            return False
        got = fact[name]
        if type(got) in same:
            return got == value
        _kind(got)  # a value of no kind is refused (ValueError), as everywhere
        return False

    if op == "==":
        return equal
    if op == "$neq":
        return lambda fact: name in fact and not equal(fact)
    order = ORDERING[op]
    if kind != "number":
        return lambda fact: False  # only numbers are ordered

    def ordered(fact: dict) -> bool:
        if name not in fact:
            return False
        got = fact[name]
        if type(got) in _NUMBERS:
            return order(got, value)
        _kind(got)
        return False

    return ordered


_NUMBERS = frozenset(t for t, k in _KINDS.items() if k == "number")


def holds(test: dict, fact: dict) -> bool:
    """Whether the test holds for the fact (one call of `predicate`, for tests and diagnosis)."""
    return predicate(test)(fact)


def _test_of(name: str, rule) -> dict:
    """The one message test of a compiled rule: {"all": [{"m": test}]}."""
    if (not isinstance(rule, dict) or list(rule) != ["all"] or len(rule["all"]) != 1
            or list(rule["all"][0]) != ["m"]):
        raise ValueError(f"{name}: kontrolltolken förstår bara {{'all': [{{'m': villkor}}]}}")
    return rule["all"][0]["m"]


class Interpreter:
    """Which compiled rules hold for a fact, decided by their `predicate` alone.

    `index_on` names a field (e.g. "rule") that most rules test for equality at the top of
    their condition; such a rule is only tried for facts with that value. This only skips rules
    that cannot hold: a rule without such a test is tried for every fact.
    """

    def __init__(self, rules: dict[str, dict], index_on: str):
        self.index_on = index_on
        self.tests = {name: _test_of(name, rule) for name, rule in rules.items()}
        self._holds = {name: predicate(test, name) for name, test in self.tests.items()}
        self._position = {name: i for i, name in enumerate(self.tests)}
        self._by_value: dict[object, list[str]] = {}
        self._everywhere: list[str] = []
        for name, test in self.tests.items():
            pinned = _pinned_value(test, index_on)
            if pinned is _NOTHING:
                self._everywhere.append(name)
            else:
                self._by_value.setdefault((_kind(pinned), pinned), []).append(name)

    def matching(self, fact: dict) -> list[str]:
        """Names of every rule whose test holds for the fact, in the order given."""
        pinned: list[str] = []
        if self.index_on in fact:
            value = fact[self.index_on]
            pinned = self._by_value.get((_kind(value), value), [])
        holds = self._holds
        if not self._everywhere:  # the rules of one value are in the order given already
            return [n for n in pinned if holds[n](fact)]
        names = self._everywhere + pinned
        return sorted((n for n in names if holds[n](fact)), key=self._position.get)


_NOTHING = object()


def _pinned_value(test: dict, field: str):
    """The value the test requires `field` to equal, if it requires one at its top level."""
    (key, arg), = test.items()
    if key == field:
        return arg
    if key == "$and":
        for t in arg:
            (k, a), = t.items()
            if k == field:
                return a
    return _NOTHING


# --- checking durable_rules' answers ------------------------------------------------------------

def _said(names: list[str], label) -> str:
    if not names:
        return "ingen regel"
    return " och ".join(label(n) for n in names)


class RulebookCheck:
    """Checks RuleEngine's outcomes for a compiled rulebook (compile.compile_rulebook)."""

    def __init__(self, compiled: dict[str, tuple[str, str, dict]]):
        self.meaning = {name: (rule_id, outcome) for name, (rule_id, outcome, _c) in compiled.items()}
        self.interpreter = Interpreter({name: c for name, (_r, _o, c) in compiled.items()}, "rule")
        self._known: dict[tuple, list[str]] = {}  # fact_key -> matching names, see factkey.py

    def verify(self, facts: list[dict], outcomes: dict[str, str]) -> None:
        """facts as given to RuleEngine.evaluate; outcomes its answer {rule id: outcome}. The
        interpreter is asked once per distinct fact; every answer of the engine is compared.
        Facts given as factkey.KeyedFacts bring their keys, made once for both evaluators."""
        keys = keys_of(facts)
        known, meaning = self._known, self.meaning
        for fact, key in zip(facts, keys):
            rule_id = fact["rule"]
            names = known.get(key) if key is not None else None
            if names is None:
                names = self.interpreter.matching(fact)
                if key is not None:
                    if len(known) > KNOWN_MAX:
                        known.clear()
                    known[key] = names
            said = outcomes.get(rule_id, "inget utfall")
            if len(names) != 1 or meaning[names[0]] != (rule_id, said):
                raise Disagreement(f"regel {rule_id}", fact, said,
                                   _said(names, lambda n: self._label(n, rule_id)))

    def _label(self, name: str, rule_id: str) -> str:
        owner, outcome = self.meaning[name]
        return outcome if owner == rule_id else f"{outcome} (regel {owner})"


class TransitionCheck:
    """Checks TransitionEngine's choice for each fact of a table compiled to conditions (the
    demand lifecycle: lifecycle.compile_lifecycle)."""

    def __init__(self, compiled: dict[str, dict], index_on: str = "event"):
        self.interpreter = Interpreter(compiled, index_on)

    def verify(self, facts: list[dict], matched: dict[str, str], subject: str) -> None:
        """facts each with a unique 'key'; matched TransitionEngine's answer {key: rule name}.
        `subject` names what the rules are, e.g. "livscykeln"."""
        for fact in facts:
            names = self.interpreter.matching(fact)
            said = matched.get(fact["key"], "ingen regel")
            if names != [said]:
                raise Disagreement(f"regel {said} ({subject})", fact, said, _said(names, str))
