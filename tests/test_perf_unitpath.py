"""The per-unit path made cheaper (issue 22) decides and writes exactly what it did before.

What a user would check: a number reads the same in every report (format_number's quick
paths give the general path's text), the rule engine is given the values of each fact as they
are (the batch written with orjson reads back as the facts), a fact with a value the
cross-check cannot compare is still refused, and each fact's key is made once per check while
both evaluators still answer for every fact. The goldens (test_perf_golden.py) hold the bytes
of whole reports; these hold the edges a corpus does not reach.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.evaluate import crosscheck, evaluation, factkey
from engine.evaluate.crosscheck import Interpreter
from engine.evaluate.evaluation import check, load_submission
from engine.evaluate.rete import _batch_json
from engine.read.numbers import format_number
from tests.support import EXAMPLE


# --- format_number: the quick paths and the general one -----------------------------------------

@pytest.mark.parametrize("value, decimals, text", [
    (0, None, "0"),
    (-7, None, "-7"),
    (133599, None, "133 599"),
    (-1234567, None, "-1 234 567"),
    (2 ** 53 - 1, None, "9 007 199 254 740 991"),  # the last int a float holds exactly
    (64.0, None, "64,0"),
    (-0.0, None, "-0,0"),
    (63.3, None, "63,3"),
    (0.34, None, "0,34"),  # as written: two decimals kept
    (8.15, None, "8,15"),
    (1234.5678, None, "1 234,5678"),
    (1.23456, None, "1,2346"),  # at most four decimals
    (0.5, None, "0,5"),
    (1e-05, None, "0,00"),  # written with an exponent: two decimals below 1
    (1e16, None, "10 000 000 000 000 000,0"),
    (64, 1, "64,0"),
    (63.25, 1, "63,2"),  # round half to even, as Python's format
    (1234.5, 0, "1 234"),
    (0.333333, 2, "0,33"),
    (True, None, "ja"),
    (False, None, "nej"),
    (None, None, "–"),
])
def test_numbers_read_as_swedes_write_them(value, decimals, text):
    assert format_number(value, decimals) == text


def test_an_int_beyond_a_float_is_written_as_before_through_a_float():
    # ',.0f' passes an int through float: 2**53 + 1 has always been written as 2**53
    assert format_number(2 ** 53 + 1) == format_number(float(2 ** 53)).removesuffix(",0")


# --- the batch durable_rules reads --------------------------------------------------------------

values = (st.text(max_size=20).filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s))
          | st.integers(-2 ** 63, 2 ** 63 - 1) | st.booleans()
          | st.floats(allow_nan=False, allow_infinity=False))
facts = st.lists(st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), values,
                                 min_size=1, max_size=6), min_size=1, max_size=5)


@settings(max_examples=200, deadline=None)
@given(facts)
def test_the_batch_reads_back_as_the_facts_with_their_types(batch):
    read = json.loads(_batch_json(batch))
    assert read == batch
    assert [[type(v) for v in f.values()] for f in read] == \
        [[type(v) for v in f.values()] for f in batch]


def test_a_float_python_writes_with_an_exponent_gets_a_fraction():
    # durable_rules reads 1e-05 as 1 and drops the rest of the batch (rete._batch_json)
    text = _batch_json([{"rule": "R", "diff": 1e-05}, {"rule": "S", "diff": 1.0}])
    assert "1.0e-05" in text and "1e-05" not in text
    assert json.loads(text) == [{"rule": "R", "diff": 1e-05}, {"rule": "S", "diff": 1.0}]


def test_what_orjson_refuses_is_written_as_before():
    big = [{"rule": "R", "n": 2 ** 70, "answer": "å"}]  # past 64 bits
    assert _batch_json(big) == json.dumps(big, ensure_ascii=False)


# --- the cross-check ---------------------------------------------------------------------------

def test_a_value_of_no_kind_in_a_tested_field_is_still_refused():
    rules = {"R__pass": {"all": [{"m": {"$and": [{"rule": "R"}, {"$gt": {"diff": 0}}]}}]},
             "R__text": {"all": [{"m": {"$and": [{"rule": "R"}, {"answer": "ja"}]}}]}}
    interpreter = Interpreter(rules, "rule")
    assert interpreter.matching({"rule": "R", "diff": 1.0, "answer": "nej"}) == ["R__pass"]
    assert interpreter.matching({"rule": "R", "diff": 1, "answer": "ja"}) == ["R__pass", "R__text"]
    assert interpreter.matching({"rule": "R", "diff": True, "answer": 1}) == []  # other kinds
    assert interpreter.matching({"rule": "R"}) == []  # absent: no test holds
    for wrong in ({"rule": "R", "diff": None}, {"rule": "R", "diff": 1.0, "answer": ["ja"]}):
        with pytest.raises(ValueError):
            interpreter.matching(wrong)


def test_each_fact_is_keyed_once_and_both_evaluators_answer_for_it(monkeypatch, books):
    book = next(b for b in books if b.model.id == "jamtland-halsoval-2023")
    sub = load_submission(str(EXAMPLE))
    monkeypatch.setattr(evaluation, "_engines", {})
    monkeypatch.setattr(evaluation, "_checks", {})
    keyed: list[dict] = []
    real_key = factkey.fact_key
    monkeypatch.setattr(factkey, "fact_key", lambda f: keyed.append(f) or real_key(f))
    verified: list[dict] = []
    real_verify = crosscheck.RulebookCheck.verify

    def verify(self, batch, outcomes):
        verified.extend(batch)
        return real_verify(self, batch, outcomes)

    monkeypatch.setattr(crosscheck.RulebookCheck, "verify", verify)
    for _ in range(2):  # the second time every answer comes from the memories
        findings = check(sub, [book]).findings
    assert len(keyed) == 2 * len(findings)  # once per fact and check, not once per evaluator
    assert len(verified) == 2 * len(findings)
