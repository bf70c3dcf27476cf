"""The one module that talks to durable_rules. Nothing else imports it.

Its traps (reference/durable-rules-traps.md) are handled here:
- No `Host`: each Host starts two timer threads that never stop, and its background dispatcher
  may run actions on another thread. We drive `Ruleset` objects directly and synchronously.
- `Ruleset()` deletes `run` from the definition it is given: it gets a fresh dict every time.
- An exception inside an action is stored in the state, not raised: our actions record their
  own errors, and the state is checked after every run. Either way it becomes an EngineError.
- A fact no rule matches raises MessageNotHandledException; the same fact twice in one state
  raises MessageObservedException. Both become EngineError naming the rulebook; each run uses a
  fresh state id (sid) and deletes the state afterwards, except after a rejected assert, where
  delete_state corrupts the engine's memory (a segfault later on, reproduced here).
- Every compiled rule of a rulebook rule must fire exactly once for its fact; anything else means
  the compiled conditions are not exclusive, and is an EngineError, never a silent outcome.

TransitionEngine holds these mechanics; RuleEngine (rulebooks) and lifecycle.py (demands) use it.
"""

from __future__ import annotations

import itertools
import threading

from durable import engine as _durable

_names = itertools.count()
_lock = threading.Lock()


class EngineError(RuntimeError):
    """The rule engine did not give exactly one outcome per rule (a defect, not bad input)."""


class RuleEngine:
    """A compiled rulebook: for each rule's fact, the one outcome whose conditions it meets.

    A thin layer over TransitionEngine: each fact is keyed by its rule id, and the engine rule
    that matched ("JHV-BEM-03__fail") names the outcome.
    """

    def __init__(self, label: str, compiled: dict[str, tuple[str, str, dict]]):
        self._outcomes = {name: outcome for name, (_rule_id, outcome, _c) in compiled.items()}
        self._engine = TransitionEngine(label, {name: c for name, (_r, _o, c) in compiled.items()})

    def evaluate(self, facts: list[dict]) -> dict[str, str]:
        """facts (each with a unique 'rule') -> {rule id: outcome}."""
        matched = self._engine.evaluate([dict(f, key=f["rule"]) for f in facts])
        return {rule_id: self._outcomes[name] for rule_id, name in matched.items()}


class TransitionEngine:
    """A table of transition rules loaded into durable_rules: each fact must match exactly one.

    Used for the demand lifecycle (lifecycle.py): a fact describes one demand and one event
    (status, kind of event, outcome, days past a deadline …, never null) and carries a unique
    'key'; `evaluate` returns {key: name of the rule that matched}. The same discipline as
    RuleEngine: no Host, one Ruleset driven synchronously, a fresh sid per call and its state
    deleted afterwards, every error (no match, two matches, an exception in an action) raised
    as EngineError and never a silent default.

    As in RuleEngine, the state of a rejected assert (a fact no rule matches, or the same fact
    twice) is never deleted: `delete_state` on it crashes the process (a segmentation fault,
    reproduced here when the sid's first fact matched no rule at all). That state is left to
    leak; sids are never reused.
    """

    def __init__(self, label: str, compiled: dict[str, dict]):
        self.label = label
        self._fired: list[tuple[str, str, str]] = []
        self._errors: list[str] = []
        definition = {}
        for name, condition in compiled.items():
            rule = dict(condition)
            rule["run"] = self._action(name)
            definition[name] = rule
        with _lock:
            self._ruleset = _durable.Ruleset(f"kravkoll_{label}_{next(_names)}", None, definition)
        self._sids = itertools.count()

    def _action(self, name: str):
        def record(c):
            try:
                self._fired.append((c.m._d["sid"], c.m._d["key"], name))
            except Exception as exc:  # never lost: surfaced by evaluate()
                self._errors.append(f"{name}: {exc!r}")
        return record

    def evaluate(self, facts: list[dict]) -> dict[str, str]:
        """facts (each with a unique 'key') -> {key: name of the one rule that matched}."""
        if not facts:
            return {}
        keys = [f["key"] for f in facts]
        if len(set(keys)) != len(keys):
            raise EngineError(f"{self.label}: samma nyckel på två fakta")
        with _lock:
            sid = f"t{next(self._sids)}"
            batch = [dict(f, sid=sid) for f in facts]
            self._fired.clear()
            self._errors.clear()
            errors: list = []
            try:
                handle = self._ruleset.assert_facts(batch)
            except _durable.MessageNotHandledException as exc:
                # no delete_state: see the class docstring
                raise EngineError(f"{self.label}: ingen regel matchade ett faktum: {exc.message}") from None
            except _durable.MessageObservedException as exc:
                raise EngineError(f"{self.label}: samma faktum två gånger: {exc.message}") from None
            try:
                self._ruleset.do_actions(handle, lambda e, _state: errors.append(e))
                state = self._ruleset.get_state(sid)
            finally:
                self._ruleset.delete_state(sid)
            problems = [str(e) for e in errors if e] + self._errors
            if isinstance(state, dict) and state.get("exception"):
                problems.append(str(state["exception"]))
            if problems:
                raise EngineError(f"{self.label}: fel i regelmotorn: {'; '.join(problems)}")
            fired = [(k, n) for s, k, n in self._fired if s == sid]
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
