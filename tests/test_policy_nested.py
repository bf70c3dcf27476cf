"""The deadline policy sees a submission deadline wherever a rule compares `inlamnad` with it:
inside `any`/`all` checks (nested) and inside a required_when condition's any/all.

What a user would check: a rulebook copied from last year whose late-submission rule is written
as an `any` (say, "on time, or with an agreed extension") is still refused when its deadline lies
on or before the period's end, by loading it and by `kravkoll lint`, at the parameter's line.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml

from engine.cli.main import main
from engine.errors import InputError
from engine.model.library import load_rulebook

ON_TIME = {"compare": {"left": {"field": "inlamnad"}, "op": "<=", "right": {"param": "frist"}}}
LISTED = {"compare": {"left": {"field": "forutsattningar.antal_listade"}, "op": ">",
                      "right": {"value": 0}}}
ANSWER = {"answer": {"field": "verksamhet.jour_och_beredskap", "pass": ["ja"]}}
CHECKS = {
    "any": {"any": [ON_TIME, ANSWER]},
    "all inside any": {"any": [ANSWER, {"all": [LISTED, ON_TIME]}]},
    "required_when any": {"required_when": {
        "when": {"any": [ON_TIME, {"answer_in": {"field": "verksamhet.jour_och_beredskap",
                                                 "in": ["nej"]}}]},
        "field": "ekonomi.kommentar"}},
}


def _rulebook(folder, check: dict, deadline: dt.date):
    source = {"document": "avtal", "section": "1", "quote": "Citat."}
    book = {"id": "nastlad-frist", "title": "Test", "region": "Test", "vardval": "Hälsoval",
            "version": "1", "valid_from": "2023-01-01", "valid_to": "2023-12-31",
            "forms": ["arsbokslut-2023"],
            "documents": {"avtal": {"title": "Avtal", "status": "beslutad"}},
            "parameters": {"frist": {"title": "Sista inlämningsdag", "value": deadline.isoformat(),
                                     "unit": "datum", "assumption": "test"}},
            "rules": [{"id": "TST-INL-01", "title": "Inlämning", "kind": "riktlinje",
                       "area": "Inlämning", "source": source, "check": check}]}
    path = folder / "test" / "regelbok.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(book, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_a_deadline_on_the_period_end_is_refused_inside_any_and_all(tmp_path, name):
    path = _rulebook(tmp_path, CHECKS[name], dt.date(2023, 12, 31))
    with pytest.raises(InputError) as exc:
        load_rulebook(path)
    problem = next(p for p in exc.value.problems if "sista inlämningsdag 'frist'" in p.message)
    assert "efter periodens slut (2023-12-31)" in problem.message
    assert problem.path == "parameters.frist.value" and problem.line is not None


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_lint_names_the_nested_early_deadline(tmp_path, capsys, name):
    _rulebook(tmp_path, CHECKS[name], dt.date(2023, 6, 30))
    code = main(["lint", str(tmp_path), "--format", "json"])
    out = capsys.readouterr().out
    assert code == 1
    codes = [m["code"] for m in json.loads(out)["messages"]]
    assert "inlamning" in codes


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_a_deadline_after_the_period_is_accepted_inside_any_and_all(tmp_path, name):
    loaded = load_rulebook(_rulebook(tmp_path, CHECKS[name], dt.date(2024, 2, 29)))
    assert loaded.model.parameters["frist"].value == dt.date(2024, 2, 29)
