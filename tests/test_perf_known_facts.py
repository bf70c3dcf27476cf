"""durable_rules and its cross-check are asked once per distinct fact: a rule's outcome depends
on its fact's values alone, and most units of a county give a rule the same values.

What a user would check: a county check gives every unit the same outcomes as checking it
alone (the golden outputs show the bytes), while identical facts are not decided twice; facts
that only look alike in Python (1, 1.0, True) are decided separately; the cross-check still
compares every answer the engine gives."""

from __future__ import annotations

import pytest

from engine.evaluate import crosscheck, evaluation, rete
from engine.evaluate.compile import compile_rulebook
from engine.evaluate.facts import build_facts
from engine.evaluate.evaluation import check, load_submission
from engine.evaluate.factkey import fact_key
from engine.evaluate.rete import EngineError, RuleEngine
from tests.support import EXAMPLE


@pytest.fixture
def jamtland(books):
    return next(b for b in books if b.model.id == "jamtland-halsoval-2023")


def _counting(monkeypatch):
    asked: list[dict] = []
    real = rete.TransitionEngine.evaluate

    def counted(self, facts):
        asked.extend(facts)
        return real(self, facts)

    monkeypatch.setattr(rete.TransitionEngine, "evaluate", counted)
    return asked


def test_identical_facts_are_decided_once(monkeypatch, jamtland):
    engine = RuleEngine("prov", compile_rulebook(jamtland.model))
    facts = [rf.fact for rf in build_facts(jamtland.model, load_submission(str(EXAMPLE)).model)]
    asked = _counting(monkeypatch)
    first = engine.evaluate(facts)
    assert len(asked) == len(facts)
    again = engine.evaluate([dict(f) for f in facts])
    assert again == first
    assert len(asked) == len(facts), "the same facts were asked again"


def test_values_equal_in_python_but_not_in_a_rule_are_separate_keys():
    keys = {fact_key({"rule": "R", "value": v}) for v in (1, 1.0, True)}
    assert len(keys) == 3
    assert fact_key({"rule": "R", "values": [1, 2]}) is None  # not a key: always asked


def test_two_facts_for_one_rule_are_still_refused(jamtland):
    engine = RuleEngine("prov", compile_rulebook(jamtland.model))
    facts = [rf.fact for rf in build_facts(jamtland.model, load_submission(str(EXAMPLE)).model)]
    engine.evaluate(facts)  # every fact now known
    with pytest.raises(EngineError):
        engine.evaluate(facts + [facts[0]])


def test_a_wrong_answer_for_a_known_fact_is_still_caught(monkeypatch, jamtland):
    sub = load_submission(str(EXAMPLE))
    monkeypatch.setattr(evaluation, "_engines", {})
    monkeypatch.setattr(evaluation, "_checks", {})
    truth = {f.rule_id: f.outcome for f in check(sub, [jamtland]).findings}
    rule_id = next(r for r, o in truth.items() if o == "pass")
    real = RuleEngine.evaluate
    monkeypatch.setattr(RuleEngine, "evaluate",
                        lambda self, facts: dict(real(self, facts), **{rule_id: "fail"}))
    with pytest.raises(crosscheck.Disagreement):
        check(sub, [jamtland])
