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
from tests.support import EXAMPLE, decided


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


def test_units_with_other_numbers_but_the_same_outcome_give_the_same_fact(jamtland, tmp_path):
    """A comparison's rules read only how left − right stands to 0 (compile.py), so that is
    what the fact holds: two units with other staffing figures on the same side of the level
    are one fact, asked once. The finding still shows each unit's own figures."""
    from tests.support import variant

    a = load_submission(str(variant(tmp_path, {"bemanning.lakare_arsarbetare.specialister_allmanmedicin": 3.2}, "a.yaml")))
    b = load_submission(str(variant(tmp_path, {"bemanning.lakare_arsarbetare.specialister_allmanmedicin": 4.1}, "b.yaml")))
    fa = {rf.rule.id: rf for rf in build_facts(jamtland.model, a.model)}
    fb = {rf.rule.id: rf for rf in build_facts(jamtland.model, b.model)}
    assert fa["JHV-BEM-01"].fact == fb["JHV-BEM-01"].fact
    assert fa["JHV-BEM-01"].evidence.observed != fb["JHV-BEM-01"].evidence.observed
    assert fact_key(fa["JHV-BEM-01"].fact) == fact_key(fb["JHV-BEM-01"].fact)
    fa, fb = ({f.rule_id: f for f in check(s, [jamtland]).findings}["JHV-BEM-01"]
              for s in (a, b))
    assert fa.outcome == fb.outcome
    assert fa.observed_text != fb.observed_text


@pytest.mark.parametrize("inlamnad, late", [("2024-02-29", 0), ("2024-03-01", 1),
                                            ("2024-03-20", 20)])
def test_days_late_come_from_the_dates_not_from_the_fact(jamtland, tmp_path, inlamnad, late):
    """Förseningsvite counts the days past sista inlämningsdag (2024-02-29 in the 2023
    rulebook): the fact holds only the sign of the difference, the days are the evidence's."""
    sub = load_submission(str(variant_of(tmp_path, {"inlamnad": inlamnad})))
    # the deadline decided (a test's decision): only then are the days turned into kronor
    book = decided(jamtland, "sista_inlamningsdag")
    finding = {f.rule_id: f for f in check(sub, [book]).findings}["JHV-INL-01"]
    assert finding.outcome == ("pass" if late == 0 else "fail")
    accrued = (finding.consequence or {}).get("accrued") or []
    assert [a["days_late"] for a in accrued] == ([late] if late else [])
    # the shipped rulebook only assumes the last day: the days late are stated, no kronor
    # (issue 20, item 1)
    finding = {f.rule_id: f for f in check(sub, [jamtland]).findings}["JHV-INL-01"]
    assert not (finding.consequence or {}).get("accrued")
    text = (finding.consequence or {}).get("text") or ""
    assert (f"{late} dagar efter sista dagen 2024-02-29" in text) == bool(late)


def variant_of(tmp_path, changes):
    from tests.support import variant

    return variant(tmp_path, changes)
