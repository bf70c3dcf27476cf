"""The demand lifecycle as rules: complete, exclusive, forward only, and run by durable_rules."""

import datetime as dt
import itertools

import pytest

from engine.evaluate.findings import OUTCOMES
from engine.evaluate.rete import EngineError, TransitionEngine
from engine.followup import lifecycle
from engine.followup.lifecycle import (
    DECISIONS,
    EVENTS,
    INVALID,
    NONE,
    RANK,
    RELATIONS,
    STATUSES,
    STAY,
    TRANSITIONS,
    Event,
    Standing,
)

DAYS = (-3, 0, 5)  # before, on and after a deadline


def every_fact():
    """Every combination of status and event the lifecycle can be asked about."""
    n = itertools.count()
    for status, event in itertools.product(STATUSES, EVENTS):
        outcomes = OUTCOMES if event == "finding" else (NONE,)
        relations = RELATIONS if event == "finding" else (NONE,)
        decisions = DECISIONS if event == "beslut" else (NONE,)
        for outcome, relation, decision, due, frist in itertools.product(
                outcomes, relations, decisions, DAYS, DAYS):
            yield {"key": str(next(n)), "event": event, "status": status, "outcome": outcome,
                   "relation": relation, "decision": decision, "days_past_due": due,
                   "days_past_frist": frist}


def matches(t, f) -> bool:
    """The transition's conditions read in plain Python (to check the table, not to run it)."""
    ok = f["event"] == t.event and f["status"] in t.statuses
    ok = ok and (not t.outcomes or f["outcome"] in t.outcomes)
    ok = ok and (not t.relations or f["relation"] in t.relations)
    ok = ok and (not t.decisions or f["decision"] in t.decisions)
    for flag, key in ((t.past_due, "days_past_due"), (t.past_frist, "days_past_frist")):
        if flag is not None:
            ok = ok and ((f[key] > 0) == flag)
    return ok


def test_exactly_one_transition_for_every_status_and_event():
    for f in every_fact():
        hits = [t.name for t in TRANSITIONS if matches(t, f)]
        assert len(hits) == 1, (f, hits)


def test_durable_rules_picks_the_same_transition_as_the_table():
    facts = list(every_fact())
    fired = lifecycle._rules().evaluate(facts)
    for f in facts:
        expected = next(t.name for t in TRANSITIONS if matches(t, f))
        assert fired[f["key"]] == expected, f


def test_every_transition_moves_forward_or_not_at_all():
    for t in TRANSITIONS:
        if t.then in (STAY, INVALID):
            continue
        for s in t.statuses:
            assert RANK[t.then] > RANK[s], (t.name, s, t.then)


def test_aatgardad_is_final():
    for t in TRANSITIONS:
        if "atgardad" in t.statuses:
            assert t.then in (STAY, INVALID), t.name


def test_every_condition_tests_a_value_not_only_absence():
    # an "attribute absent" condition alone hangs durable_rules
    for name, rule in lifecycle.compile_lifecycle().items():
        conds = rule["all"][0]["m"]["$and"]
        assert conds[0] == {"event": next(t.event for t in TRANSITIONS if t.name == name)}
        assert all("$nex" not in c and "$ex" not in c for c in conds)


def test_facts_never_hold_null():
    s = Standing("1", "kravd", 2023, None, None)
    for kind in EVENTS:
        f = lifecycle.fact(s, Event(kind, dt.date(2024, 1, 1), period=2024, outcome="fail",
                                    decision="godkand"))
        assert None not in f.values()


def test_steps_in_one_batch():
    due = dt.date(2024, 5, 14)
    items = [
        (Standing("a", "kravd", 2023, due, None), Event("tick", dt.date(2024, 5, 14))),
        (Standing("b", "kravd", 2023, due, None), Event("tick", dt.date(2024, 5, 15))),
        (Standing("c", "godkand", 2023, due, None),
         Event("finding", dt.date(2025, 3, 14), period=2024, outcome="fail")),
        (Standing("d", "godkand", 2023, due, None),
         Event("finding", dt.date(2025, 3, 14), period=2024, outcome="pass")),
        (Standing("e", "godkand", 2023, due, None),
         Event("finding", dt.date(2025, 3, 14), period=2023, outcome="fail")),
    ]
    a, b, c, d, e = lifecycle.step(items)
    assert (a.changed, b.after, b.date) == (False, "forsenad", dt.date(2024, 5, 15))
    # 003 l.856–859: the region "kan" förelägga; a brist again a later year is recorded (what a
    # proposal rests on) but moves nothing by itself
    assert (c.after, c.changed, c.transition) == ("godkand", False, "upprepad_brist")
    assert d.after == "atgardad"
    assert not e.changed  # the same period again (a re-run) changes nothing


def test_a_decided_foreleggande_takes_the_decisions_frist():
    (s,) = lifecycle.step([(Standing("x", "godkand", 2023, None, None),
                            Event("forelaggande", dt.date(2025, 3, 14), rattelse_days=21))])
    assert (s.after, s.frist) == ("forelaggande", dt.date(2025, 4, 4))  # 14 March + 21 days


def test_frist_passed_makes_vite_possible_not_decided():
    frist = dt.date(2025, 4, 13)
    (s,) = lifecycle.step([(Standing("x", "forelaggande", 2023, None, frist),
                            Event("tick", dt.date(2025, 5, 1)))])
    assert not s.changed  # l.859: "får regionen ta ut vite": a decision, not a date
    early, late = lifecycle.step([(Standing("x", "forelaggande", 2023, None, frist),
                                   Event("vite", dt.date(2025, 4, 13))),
                                  (Standing("y", "forelaggande", 2023, None, frist),
                                   Event("vite", dt.date(2025, 4, 14)))])
    assert early.invalid and "2025-04-13" in early.reason
    assert (late.after, late.date) == ("vite", dt.date(2025, 4, 14))


def test_an_event_that_makes_no_sense_is_invalid_with_a_swedish_reason():
    (s,) = lifecycle.step([(Standing("x", "godkand", 2023, None, None),
                            Event("plan", dt.date(2024, 7, 1), context={"file": "plan.pdf"}))])
    assert s.invalid and not s.changed
    assert "handlingsplan kan inte tas emot" in s.reason and "godkänd" in s.reason


def test_a_foreleggande_needs_a_frist():
    from engine.errors import InputError

    with pytest.raises(InputError, match="frist"):
        lifecycle.step([(Standing("x", "godkand", 2023, None, None),
                         Event("forelaggande", dt.date(2025, 3, 14)))])


def test_no_status_is_uppsagningsrisk():
    # 003 l.874–876: the right to terminate is the region's, shown beside the demand
    assert "uppsagningsrisk" not in STATUSES
    assert all(t.then != "uppsagningsrisk" for t in TRANSITIONS)


def test_transition_engine_reports_a_fact_no_rule_matches():
    engine = TransitionEngine("test_none", {"a": {"all": [{"m": {"$and": [{"event": "x"}]}}]}})
    for _ in range(20):  # and the engine stays usable (a rejected state is never deleted)
        with pytest.raises(EngineError, match="ingen regel"):
            engine.evaluate([{"key": "1", "event": "y"}])
        with pytest.raises(EngineError, match="ingen regel"):
            engine.evaluate([{"key": "1", "event": "x"}, {"key": "2", "event": "y"}])
        assert engine.evaluate([{"key": "2", "event": "x"}]) == {"2": "a"}


def test_transition_engine_reports_two_matches():
    engine = TransitionEngine("test_two", {
        "a": {"all": [{"m": {"$and": [{"event": "x"}]}}]},
        "b": {"all": [{"m": {"$and": [{"event": "x"}, {"status": "s"}]}}]},
    })
    with pytest.raises(EngineError, match="två regler"):
        engine.evaluate([{"key": "1", "event": "x", "status": "s"}])


def test_transition_engine_runs_the_same_fact_again_in_a_new_call():
    engine = TransitionEngine("test_again", {"a": {"all": [{"m": {"$and": [{"event": "x"}]}}]}})
    for _ in range(3):
        assert engine.evaluate([{"key": "1", "event": "x"}]) == {"1": "a"}
