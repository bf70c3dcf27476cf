"""The one module that talks to durable_rules. Nothing else imports it.

Its traps (reference/durable-rules-traps.md) are handled here:
- No `Host`: each Host starts two timer threads that never stop, and its background dispatcher
  may run actions on another thread. We drive `Ruleset` objects directly and synchronously.
- `Ruleset()` deletes `run` from the definition it is given: it gets a fresh dict every time.
- An exception inside an action is stored in the state, not raised: we run no Python actions at
  all, and read the matches from the engine's action queue instead (see TransitionEngine).
- A fact no rule matches, or the same fact twice in one state, is refused by the engine: both
  become EngineError naming the rulebook; each run uses a
  fresh state id (sid) and deletes the state afterwards, except after a rejected assert, where
  delete_state corrupts the engine's memory (a segfault later on, reproduced here).
- Every compiled rule of a rulebook rule must fire exactly once for its fact; anything else means
  the compiled conditions are not exclusive, and is an EngineError, never a silent outcome.
- Size: the engine keeps the tests under one node of its network in a table of 512 slots
  (NEXT_BUCKET_LENGTH in rules.h) searched with linear probing that never stops when the table is
  full (findAlpha in rete.c): the 513th distinct test under one node makes `create_ruleset`
  spin forever. Every compiled rule starts with `rule == <id>`, so a rulebook of about 520 rules
  hung every check. RuleEngine therefore spreads a rulebook over several rulesets of at most
  RULES_PER_RULESET rules each, and TransitionEngine refuses (EngineError) any table that could
  fill a node, instead of hanging.

TransitionEngine holds these mechanics; RuleEngine (rulebooks) and lifecycle.py (demands) use it.
"""

from __future__ import annotations

import itertools
import json
import threading

import durable_rules_engine as _engine
import orjson
from durable import engine as _durable

from .factkey import KNOWN_MAX, keys_of

_names = itertools.count()
# Result codes of durable_rules_engine.assert_facts (as durable/engine.py reads them).
_NOT_HANDLED, _OBSERVED, _QUEUED = 1, 2, 3
_lock = threading.Lock()


class EngineError(RuntimeError):
    """The rule engine did not give exactly one outcome per rule (a defect, not bad input)."""


# Rulebook rules per durable_rules ruleset: each adds one `rule == <id>` test under the root of
# the network (at most 512 fit, see the module docstring) and about four actions (at most 4096).
RULES_PER_RULESET = 128
ACTIONS_PER_RULESET = 2048  # engine rules per ruleset, well under _MAX_ACTIONS
# durable_rules' own limits (rules.h, rete.c): tests under one node, rules ending at one node,
# actions in one ruleset. Past the first the engine hangs; past the others it fails.
_NODE_SLOTS, _BETA_SLOTS, _MAX_ACTIONS = 512, 256, 4096


class RuleEngine:
    """A compiled rulebook: for each rule's fact, the one outcome whose conditions it meets.

    A thin layer over TransitionEngine: each fact is keyed by its rule id, and the engine rule
    that matched ("JHV-BEM-03__fail") names the outcome. The rules are spread over rulesets of
    at most RULES_PER_RULESET rulebook rules, each fact going to the ruleset that holds its rule.
    """

    def __init__(self, label: str, compiled: dict[str, tuple[str, str, dict]]):
        self.label = label
        self._outcomes = {name: outcome for name, (_rule_id, outcome, _c) in compiled.items()}
        by_rule: dict[str, dict[str, dict]] = {}
        for name, (rule_id, _outcome, condition) in compiled.items():
            by_rule.setdefault(rule_id, {})[name] = condition
        self._part_of: dict[str, int] = {}
        self._parts: list[TransitionEngine] = []
        for part in _chunks(by_rule):
            table = {name: c for rule_id in part for name, c in by_rule[rule_id].items()}
            self._part_of.update(dict.fromkeys(part, len(self._parts)))
            self._parts.append(TransitionEngine(label, table))
        self._known: dict[tuple, str] = {}  # fact_key -> outcome, see factkey.py

    def evaluate(self, facts: list[dict]) -> dict[str, str]:
        """facts (each with a unique 'rule') -> {rule id: outcome}. A fact with the values of
        one decided before by this engine gets that outcome without asking durable_rules.
        Facts given as factkey.KeyedFacts bring their keys, made once for both evaluators."""
        part_of, known_before = self._part_of, self._known
        # Two facts for one rule are refused by durable_rules: then nothing is taken as known.
        remember = len({f["rule"] for f in facts}) == len(facts)
        keys = keys_of(facts) if remember else [None] * len(facts)
        known: dict[str, str] = {}
        asked: dict[str, tuple | None] = {}
        groups: list[list[dict]] | None = None
        for f, key in zip(facts, keys):
            rule_id = f["rule"]
            part = part_of.get(rule_id)
            if part is None:
                raise EngineError(f"{self.label}: ingen regel för {rule_id}")
            if key is not None:
                outcome = known_before.get(key)
                if outcome is not None:
                    known[rule_id] = outcome
                    continue
            asked[rule_id] = key
            if groups is None:
                groups = [[] for _ in self._parts]
            groups[part].append(dict(f, key=rule_id))
        if groups is None:  # every fact known: durable_rules is not reached
            return known
        matched: dict[str, str] = {}
        for engine, group in zip(self._parts, groups):
            matched.update(engine.evaluate(group))
        if len(known_before) > KNOWN_MAX:
            known_before.clear()
        for rule_id, name in matched.items():
            known[rule_id] = self._outcomes[name]
            if asked.get(rule_id) is not None:
                known_before[asked[rule_id]] = known[rule_id]
        return known


def _chunks(by_rule: dict[str, dict]) -> list[list[str]]:
    """Rule ids in rulesets of at most RULES_PER_RULESET rules and ACTIONS_PER_RULESET engine
    rules (an any/all rule has one engine rule per way of deciding its parts)."""
    out: list[list[str]] = [[]]
    actions = 0
    for rule_id, names in by_rule.items():
        if out[-1] and (len(out[-1]) == RULES_PER_RULESET
                        or actions + len(names) > ACTIONS_PER_RULESET):
            out.append([])
            actions = 0
        out[-1].append(rule_id)
        actions += len(names)
    return [part for part in out if part]


class TransitionEngine:
    """A table of rules loaded into durable_rules: each fact must match exactly one.

    A fact carries a unique 'key' and explicit, non-null fields; `evaluate` returns {key: name
    of the rule that matched}. Used for rulebooks (RuleEngine, above) and for the demand
    lifecycle (lifecycle.py).

    Matching happens in durable_rules' C engine. The matches are read straight from its action
    queue (start_action_for_state / complete_and_start_action), without durable's Python action
    layer: that layer costs a Closure, a JSON dump of the state and a callback per match (half
    the time of a check), and it is where exceptions used to be swallowed. With no Python
    action to run, there is nothing to swallow.

    The state of a rejected assert (a fact no rule matches, or the same fact twice) is never
    deleted: `delete_state` on it crashes the process (a segmentation fault, reproduced here).
    That state is left to leak; sids are never reused.
    """

    def __init__(self, label: str, compiled: dict[str, dict]):
        self.label = label
        # durable_rules deletes "run" from what it is given, and wants one: a fresh dict each.
        definition = {name: dict(condition, run=_never_called) for name, condition in compiled.items()}
        _check_size(label, compiled)
        with _lock:
            self._ruleset = _durable.Ruleset(f"kravkoll_{label}_{next(_names)}", None, definition)
        self._handle = self._ruleset._handle
        self._sids = itertools.count()

    def evaluate(self, facts: list[dict]) -> dict[str, str]:
        """facts (each with a unique 'key') -> {key: name of the one rule that matched}."""
        if not facts:
            return {}
        keys = [f["key"] for f in facts]
        if len(set(keys)) != len(keys):
            raise EngineError(f"{self.label}: samma nyckel på två fakta")
        fired: list[tuple[str, str]] = []
        with _lock:
            sid = f"t{next(self._sids)}"
            batch = _batch_json([dict(f, sid=sid) for f in facts])
            code, state = _engine.assert_facts(self._handle, batch)
            if code == _NOT_HANDLED:  # no delete_state: see the class docstring
                raise EngineError(f"{self.label}: ingen regel matchade ett faktum")
            if code == _OBSERVED:
                raise EngineError(f"{self.label}: samma faktum två gånger")
            if code == _QUEUED:  # as durable's own Python layer reads this code
                state = 0
            try:
                queued = _engine.start_action_for_state(self._handle, state)
                message = queued[1] if queued else None
                while message:
                    for name, bound in _decode(message).items():
                        fired.append((bound["m"]["key"], name))
                    message = _engine.complete_and_start_action(self._handle, state)
            finally:
                _engine.delete_state(self._handle, sid)
        matched: dict[str, str] = {}
        for key, name in fired:
            if key in matched:
                raise EngineError(f"{self.label}: faktum {key} matchade två regler "
                                  f"({matched[key]} och {name})")
            matched[key] = name
        absent = [k for k in keys if k not in matched]
        if absent:
            raise EngineError(f"{self.label}: ingen regel för {', '.join(absent)}")
        return matched


def _decode(message: str) -> dict:
    """A match from the action queue ({"name": {"m": fact}}), read with orjson: json.loads
    was a third of the Python time of a batch no memory answered. orjson refuses what
    json.loads reads (an integer past 64 bits, NaN): such a message is read by json.loads."""
    try:
        return orjson.loads(message)
    except orjson.JSONDecodeError:
        return json.loads(message)


def _batch_json(facts: list[dict]) -> str:
    """Flat facts as JSON that durable_rules reads right.

    Its parser takes a number without a "." for an integer and stops at the "e": Python writes
    0.00001 as 1e-05, and durable_rules then dropped that fact and every later one of the batch
    (with no earlier fact it read an undefined state offset: a segmentation fault). Python uses
    that notation only outside 1e-4 <= |x| < 1e16; such a float is written with a fraction
    (1.0e-05), the rest as json.dumps writes them. Infinity and NaN are refused.
    """
    for f in facts:  # (a loop, not _exponent_only per value: this runs for every batch)
        for v in f.values():
            if type(v) is float and v != 0 and not 1e-4 <= abs(v) < 1e16:
                return "[" + ",".join(_fact_json(one) for one in facts) + "]"
    try:
        # orjson writes every other float as repr does, as json.dumps does (compared on 900 000
        # floats), and texts alike; only without the spaces, which the engine's parser skips.
        # A tenth of json.dumps' time, asked for every batch no memory answered.
        return orjson.dumps(facts).decode()
    except orjson.JSONEncodeError:  # what orjson refuses (an integer past 64 bits, a lone
        return json.dumps(facts, ensure_ascii=False)  # surrogate) is written as before


def _exponent_only(value) -> bool:
    return type(value) is float and value != 0 and not 1e-4 <= abs(value) < 1e16


def _fact_json(fact: dict) -> str:
    parts = []
    for name, value in fact.items():
        if _exponent_only(value):
            if value != value or value in (float("inf"), float("-inf")):
                raise EngineError(f"{fact.get('key', '')}: {name} är inte ett ändligt tal")
            mantissa, e, exponent = repr(value).partition("e")
            text = (mantissa if "." in mantissa else mantissa + ".0") + e + exponent
        else:
            text = json.dumps(value, ensure_ascii=False)
        parts.append(json.dumps(name, ensure_ascii=False) + ":" + text)
    return "{" + ",".join(parts) + "}"


def _check_size(label: str, compiled: dict[str, dict]) -> None:
    """Refuse a table that could reach durable_rules' limits, before the engine hangs on it.

    The network is modelled as a trie over each rule's chain of tests (the members of its
    top-level $and, in order): durable_rules shares a node between rules whose chains agree so
    far. A composite test ($or, nested $and) is counted as all of its leaves under the node it
    hangs from, which overestimates, never underestimates, the tests under that node.
    """
    nodes: dict[tuple[int, str], int] = {}  # (parent node, test) -> node; 0 is the root
    children: dict[int, dict[str, int]] = {}  # node -> {test: its leaves}
    ending: dict[int, int] = {}  # node -> rules whose chain ends there
    for condition in compiled.values():
        for pattern in condition.get("all", []) + condition.get("any", []):
            for test in pattern.values():
                node = 0
                for step in test["$and"] if set(test) == {"$and"} else [test]:
                    key = repr(step)  # the same test written alike; another order only overcounts
                    children.setdefault(node, {})[key] = _leaves(step)
                    node = nodes.setdefault((node, key), len(nodes) + 1)
                ending[node] = ending.get(node, 0) + 1
    widest = max((sum(c.values()) for c in children.values()), default=0)
    shared = max(ending.values(), default=0)
    if len(compiled) >= _MAX_ACTIONS or widest > _NODE_SLOTS or shared > _BETA_SLOTS:
        raise EngineError(f"{label}: för stor regeltabell för durable_rules ({len(compiled)} "
                          f"regler, upp till {widest} villkor under en nod, {shared} regler med "
                          "samma villkor)")


def _leaves(test: dict) -> int:
    """How many simple tests a condition holds ($or and $and counted through)."""
    total = 0
    for key, value in test.items():
        total += sum(_leaves(t) for t in value) if key in ("$or", "$and") else 1
    return total


def _never_called(c) -> None:  # pragma: no cover - matches are read from the queue instead
    raise EngineError("durable_rules körde en åtgärd som inte ska köras")
