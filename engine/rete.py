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
    """A compiled rulebook loaded into durable_rules, evaluated one fact set at a time."""

    def __init__(self, label: str, compiled: dict[str, tuple[str, str, dict]]):
        self.label = label
        self._fired: list[tuple[str, str, str]] = []
        self._errors: list[str] = []
        definition = {}
        for name, (rule_id, outcome, condition) in compiled.items():
            rule = dict(condition)
            rule["run"] = self._action(rule_id, outcome)
            definition[name] = rule
        with _lock:
            self._ruleset = _durable.Ruleset(f"kravkoll_{label}_{next(_names)}", None, definition)
        self._sids = itertools.count()

    def _action(self, rule_id: str, outcome: str):
        def record(c):
            try:
                self._fired.append((c.m._d["sid"], rule_id, outcome))
            except Exception as exc:  # never lost: surfaced by evaluate()
                self._errors.append(f"{rule_id}/{outcome}: {exc!r}")
        return record

    def evaluate(self, facts: list[dict]) -> dict[str, str]:
        """facts (each with a unique 'rule') -> {rule id: outcome}."""
        with _lock:
            sid = f"s{next(self._sids)}"
            batch = [dict(f, sid=sid) for f in facts]
            self._fired.clear()
            self._errors.clear()
            errors: list = []
            try:
                handle = self._ruleset.assert_facts(batch)
            except _durable.MessageNotHandledException as exc:
                # No delete_state here: deleting the state of a rejected assert corrupts
                # durable_rules' memory (seen as a later segfault). The state is left to leak.
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
            fired = [(r, o) for s, r, o in self._fired if s == sid]
        outcomes: dict[str, str] = {}
        for rule_id, outcome in fired:
            if rule_id in outcomes:
                raise EngineError(f"{self.label}: regeln {rule_id} gav två utfall "
                                  f"({outcomes[rule_id]} och {outcome})")
            outcomes[rule_id] = outcome
        absent = [f["rule"] for f in facts if f["rule"] not in outcomes]
        if absent:
            raise EngineError(f"{self.label}: inget utfall för {', '.join(absent)}")
        return outcomes
