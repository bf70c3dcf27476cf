"""An indicator without a sourced level is reported as a value for the dialogue, not as pass or
fail (issue 20; design.md: no krona and no right without a decided basis).

Seed 002 l.1245–1250 recommends NPE indicators in three dimensions and gives no level; the
Västerbotten rulebook proposes 75 % (npe_malniva, an assumption). Until the region records a
decision, VHV-UPF-01 reports the unit's values with the proposed level marked as a proposal.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from engine.evaluate.evaluation import check, load_submission
from engine.model.library import load_library
from engine.report import junit, sarif

from .support import RULEBOOKS, ROOT, decided

UNIT = ROOT / "rulebooks" / "vasterbotten" / "tests" / "underlag" / "hc-2024.yaml"  # NPE 71/86/78 %


@pytest.fixture(scope="module")
def books():
    return load_library(RULEBOOKS)


def _finding(books, rule_id="VHV-UPF-01"):
    result = check(load_submission(str(UNIT)), books)
    return result, next(f for f in result.findings if f.rule_id == rule_id)


def test_a_proposed_level_gives_the_value_not_a_verdict(books):
    _result, f = _finding(books)
    assert f.outcome == "observation"  # 71 % is below the proposed 75 %, and still no "fail"
    assert "71,0 %" in f.observed_text
    assert f.expected.endswith("(regelbokens förslag, inget beslut)")
    assert "bedöms inte som uppfyllt eller ej uppfyllt" in f.explanation
    assert not f.is_shortfall and f.consequence["handlingsplan"] is None


def test_once_the_region_has_decided_the_level_the_indicator_is_judged(books):
    mutated = [decided(b, "npe_malniva", "2024-01-15", "RS/5/2024")
               if b.model.id == "vasterbotten-halsoval-2024" else b for b in books]
    _result, f = _finding(mutated)
    assert f.outcome == "fail"  # 71 % < 75 %, now against a decided level
    assert "förslag" not in f.expected


def test_a_sourced_level_is_judged_as_before(books):
    # Socialstyrelsen's målnivå (004 l.956–958, "<10%"): HbA1c 12 % is not met
    _result, f = _finding(books, "VHV-MED-02")
    assert f.outcome == "fail"


def test_machines_read_an_observation_as_neither_pass_nor_fail(books):
    result, _f = _finding(books)
    log = json.loads(sarif.render_check([result]))
    (res,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "VHV-UPF-01"]
    assert (res["kind"], res["level"]) == ("review", "none")  # SARIF 2.1.0: a person judges it
    suites = ET.fromstring(junit.render_check([result]))
    (case,) = [c for c in suites.iter("testcase") if c.get("name").startswith("VHV-UPF-01 ")]
    assert case.find("failure") is None
    assert case.find("skipped").get("message").startswith("Värde för dialogen: ")


def test_the_leadership_summary_counts_values_apart_from_verdicts():
    """Västerbotten's example: the NPE indicator is reported as values, not as a målnivå that
    0 of 1 units meet."""
    from .support import run_cli

    proc = run_cli("check", "submissions/examples/2024/skogsberg.yaml", "--format", "ledning")
    assert proc.returncode in (0, 1), proc.stderr.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", proc.stdout.decode()).split())
    assert ("En indikator redovisas som värden för dialogen, eftersom nivån bara är ett förslag "
            "som regionen inte har beslutat.") in text
    assert "Patientupplevd kvalitet i NPE:s tre dimensioner målnivå 1 värden, nivån är ett förslag –" in text
