"""The durable_rules adapter: exactly one outcome per rule, and no engine trap goes unnoticed."""

import copy
import threading

import pytest

from engine.evaluate.compile import compile_rulebook, outcome_conditions
from engine.evaluate.evaluation import load_submission
from engine.evaluate.facts import build_facts
from engine.evaluate.rete import EngineError, RuleEngine

from .support import EXAMPLE


def rule(books, rule_id):
    book = next(b for b in books if b.model.id == "jamtland-halsoval-2023")
    return book.model, book.model.rule(rule_id)


def test_a_compiled_rulebook_gives_one_outcome_per_rule(books):
    book = next(b for b in books if b.model.id == "jamtland-halsoval-2023")
    facts = build_facts(book.model, load_submission(str(EXAMPLE)).model)
    engine = RuleEngine("t1", compile_rulebook(book.model))
    outcomes = engine.evaluate([f.fact for f in facts])
    assert set(outcomes) == {r.id for r in book.model.rules}
    # the same facts again (a fresh state each time) give the same outcomes
    assert engine.evaluate([f.fact for f in facts]) == outcomes


def test_compiling_does_not_mutate_its_input(books):
    book = next(b for b in books if b.model.id == "jamtland-halsoval-2023")
    compiled = compile_rulebook(book.model)
    before = copy.deepcopy(compiled)
    RuleEngine("t2", compiled)
    assert compiled == before  # durable_rules deletes 'run' from what it is given


def test_overlapping_conditions_are_an_error_not_a_silent_outcome():
    compiled = {
        "R__pass": ("R", "pass", {"all": [{"m": {"$and": [{"rule": "R"}, {"$gt": {"diff": 0}}]}}]}),
        "R__fail": ("R", "fail", {"all": [{"m": {"$and": [{"rule": "R"}, {"$gt": {"diff": -5}}]}}]}),
    }
    with pytest.raises(EngineError, match="matchade två regler"):
        RuleEngine("t3", compiled).evaluate([{"rule": "R", "diff": 1.0}])


def test_a_fact_no_rule_matches_is_an_error():
    compiled = {"R__pass": ("R", "pass", {"all": [{"m": {"$and": [{"rule": "R"}, {"$gt": {"diff": 0}}]}}]})}
    with pytest.raises(EngineError):
        RuleEngine("t4", compiled).evaluate([{"rule": "R", "diff": -1.0}])


def test_no_threads_are_left_behind(books):
    before = threading.active_count()
    book = next(b for b in books if b.model.id == "jamtland-halsoval-2023")
    for i in range(5):
        RuleEngine(f"t5_{i}", compile_rulebook(book.model))
    assert threading.active_count() == before


def test_every_rule_has_exclusive_conditions_for_each_outcome(books):
    for book in books:
        for r in book.model.rules:
            conditions = outcome_conditions(r)
            assert {"not_applicable", "missing", "pass", "fail"} <= set(conditions)
