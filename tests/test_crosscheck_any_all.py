"""Defects the cross-check properties found once they generated any/all (nested), `previous:`
comparisons and attribute scopes (tests/test_crosscheck.py), each decided by durable_rules,
checked by the interpreter and by the rule's words (`decide_all`).

What a user would check: a rule "kollektivavtal or equivalent regulation" whose two answers are
both missing is reported as missing (uppgift saknas), not as an internal error (exit 3); an any/all
of three or more parts, nested, is checked at all; a rule with more parts than the format allows
is refused when the rulebook is read, in Swedish.
"""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from engine.model.rulebook import MAX_PARTS, Rulebook

from .test_crosscheck import decide_all, source

UNIT = {"formular": "arsbokslut-2023", "period": 2023,
        "enhet": {"namn": "E", "hsa_id": "SE2321000207-E00000000001", "region": "T",
                  "regi": "extern"}}


def _book(*checks: dict) -> dict:
    return {"id": "egenskap", "title": "T", "region": "T", "vardval": "T", "version": "1",
            "valid_from": dt.date(2023, 1, 1), "valid_to": dt.date(2023, 12, 31),
            "forms": ["arsbokslut-2023"], "documents": {"avtal": {"title": "Avtal"}},
            "rules": [{"id": f"PROP-R-0{i}", "title": "R", "kind": "riktlinje", "area": "T",
                       "source": source(), "check": c} for i, c in enumerate(checks, start=1)]}


def _over(field: str, limit: float = 50) -> dict:
    return {"compare": {"left": {"field": field}, "op": ">", "right": {"value": limit}}}


def _unit(**sections) -> dict:
    return dict(UNIT, **sections)


@pytest.mark.parametrize("key", ["any", "all"])
def test_two_unknown_parts_give_missing_not_an_internal_error(key):
    # durable_rules fired the `missing` rule once per unknown part ("matchade två regler"): a
    # unit that left both answers out stopped `kravkoll check` with exit 3
    book = _book({key: [_over("kvalitet.di03l1_procent"), _over("bemanning.tackningsgrad_procent")]})
    assert decide_all(book, [_unit()]) == [{"PROP-R-01": "missing"}]


def test_two_met_parts_of_any_pass_once():
    book = _book({"any": [_over("kvalitet.di03l1_procent"), _over("bemanning.tackningsgrad_procent")]})
    unit = _unit(kvalitet={"di03l1_procent": 70}, bemanning={"tackningsgrad_procent": 90})
    assert decide_all(book, [unit]) == [{"PROP-R-01": "pass"}]


def test_a_nested_any_of_three_comparisons_is_decided():
    # durable_rules refused to build the ruleset (error 113: too many nested $and/$or)
    nested = {"any": [_over("kvalitet.di03l1_procent"),
                      {"all": [_over("bemanning.tackningsgrad_procent"),
                               {"answer": {"field": "verksamhet.jour_och_beredskap",
                                           "pass": ["ja", "nej"]}}]}]}
    book = _book(nested)
    units = [_unit(kvalitet={"di03l1_procent": 10}, bemanning={"tackningsgrad_procent": 90},
                   verksamhet={"jour_och_beredskap": "nej"}),
             _unit(kvalitet={"di03l1_procent": 10}, bemanning={"tackningsgrad_procent": 90}),
             _unit(kvalitet={"di03l1_procent": 10}, bemanning={"tackningsgrad_procent": 10})]
    assert decide_all(book, units) == [{"PROP-R-01": "pass"}, {"PROP-R-01": "missing"},
                                       {"PROP-R-01": "fail"}]


def test_a_required_when_with_a_nested_condition_is_decided():
    when = {"all": [{"answer_in": {"field": "verksamhet.jour_och_beredskap", "in": ["ja"]}},
                    {"any": [_over("kvalitet.di03l1_procent"), _over("bemanning.ko05l", 0.5)]},
                    {"any": [_over("bemanning.tackningsgrad_procent"),
                             _over("forutsattningar.antal_listade", 1000),
                             _over("verksamhet.vardkontakter", 1000)]}]}
    book = _book({"required_when": {"when": when, "field": "ekonomi.kommentar"}})
    base = dict(verksamhet={"jour_och_beredskap": "ja", "vardkontakter": 5000},
                kvalitet={"di03l1_procent": 80})
    units = [_unit(**base), _unit(**base, ekonomi={"kommentar": "Se bilaga."}),
             _unit(verksamhet={"jour_och_beredskap": "nej"})]
    assert decide_all(book, units) == [{"PROP-R-01": "fail"}, {"PROP-R-01": "pass"},
                                       {"PROP-R-01": "not_applicable"}]


def test_more_parts_than_the_format_allows_are_refused_in_swedish():
    fields = ["kvalitet.di03l1_procent", "bemanning.tackningsgrad_procent", "bemanning.ko05l",
              "verksamhet.vardkontakter", "kvalitet.hba1c_over_70_procent",
              "forutsattningar.antal_listade", "informationssakerhet.e_utbildning_genomford_procent",
              "listning.nekade_listningar_i_strid_med_reglerna", "kvalitet.di03l1_procent"]
    assert len(fields) == MAX_PARTS + 1
    with pytest.raises(ValidationError, match=f"kan kombinera högst {MAX_PARTS} jämförelser och "
                                              f"svar, inte {MAX_PARTS + 1}"):
        Rulebook.model_validate(_book({"any": [_over(f) for f in fields]}))
