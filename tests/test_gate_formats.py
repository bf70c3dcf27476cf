"""SARIF and JUnit output of `check` and `test`, validated against the official schemas."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from .support import EXAMPLE, ROOT, SHARED, rulebook_text, run_cli

SARIF_SCHEMA = SHARED / "reference" / "sarif-schema-2.1.0.json"
JUNIT_XSD = SHARED / "reference" / "junit.xsd"
EXAMPLE_ARG = str(EXAMPLE.relative_to(ROOT))

# The official schemas live in ../shared/reference, beside the project, not in it: a clone on its
# own skips the tests that validate against them.
needs_sarif_schema = pytest.mark.skipif(
    not SARIF_SCHEMA.is_file(), reason="../shared/reference/sarif-schema-2.1.0.json finns inte här")


def sarif_errors(data: dict) -> list[str]:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return [e.message for e in cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(data)]


@pytest.fixture(scope="module")
def junit_schema():
    if not JUNIT_XSD.is_file():
        pytest.skip("../shared/reference/junit.xsd finns inte här")
    return xmlschema.XMLSchema(str(JUNIT_XSD))


def line_of(path: Path, text: str) -> int:
    return next(i for i, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in t)


@pytest.fixture(scope="module")
def check_sarif():
    proc = run_cli("check", EXAMPLE_ARG, "--format", "sarif")
    assert proc.returncode == 1, proc.stderr.decode()  # the example falls short of three krav
    return proc.stdout


@pytest.fixture(scope="module")
def check_junit():
    proc = run_cli("check", EXAMPLE_ARG, "--format", "junit")
    assert proc.returncode == 1, proc.stderr.decode()
    return proc.stdout


@needs_sarif_schema
def test_check_sarif_validates_against_the_sarif_2_1_0_schema(check_sarif):
    data = json.loads(check_sarif)
    assert data["version"] == "2.1.0"
    assert sarif_errors(data) == []


def test_check_sarif_points_at_the_submission_line_with_rule_metadata(check_sarif, books):
    (run,) = json.loads(check_sarif)["runs"]
    rules = run["tool"]["driver"]["rules"]
    results = {r["ruleId"]: r for r in run["results"]}
    book = next(b for b in books if b.model.id == "jamtland-halsoval-2023")
    assert [r["id"] for r in rules] == [r.id for r in book.model.rules]
    assert len(results) == len(run["results"]) == len(rules)  # one result per rule
    bem = results["JHV-BEM-03"]
    assert (bem["kind"], bem["level"]) == ("fail", "error")
    loc = bem["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == EXAMPLE_ARG
    assert loc["physicalLocation"]["region"]["startLine"] == line_of(EXAMPLE, "distriktsskoterskor: 4.6")
    assert loc["logicalLocations"][0]["fullyQualifiedName"] == \
        "bemanning.sjukskoterskor_arsarbetare.distriktsskoterskor"
    meta = rules[bem["ruleIndex"]]
    assert meta["id"] == "JHV-BEM-03"
    assert meta["shortDescription"]["text"] == "Mer än hälften av sjuksköterskorna är distriktssköterskor"
    assert meta["properties"]["kind"] == "krav" and meta["properties"]["source"]["section"] == "2.3.3"
    assert "Uppfylls kravet på mer än 50% distriktssköterskor" in meta["fullDescription"]["text"]
    # level from kind and outcome: a målnivå missed is a note; a pass or n/a has level none
    assert (results["JHV-MAL-01"]["kind"], results["JHV-MAL-01"]["level"]) == ("fail", "note")
    assert (results["JHV-VER-02"]["kind"], results["JHV-VER-02"]["level"]) == ("fail", "warning")
    assert (results["JHV-BEM-01"]["kind"], results["JHV-BEM-01"]["level"]) == ("pass", "none")
    assert (results["JHV-BEM-02"]["kind"], results["JHV-BEM-02"]["level"]) == ("notApplicable", "none")


def test_check_sarif_fingerprints_are_stable_and_unique(check_sarif, tmp_path):
    (run,) = json.loads(check_sarif)["runs"]
    prints = [r["partialFingerprints"]["kravkoll/v1"] for r in run["results"]]
    assert len(set(prints)) == len(prints)
    # the same finding in a copy of the file elsewhere keeps its fingerprint
    copy = tmp_path / "kopia.yaml"
    copy.write_bytes(EXAMPLE.read_bytes())
    again = json.loads(run_cli("check", str(copy), "--format", "sarif").stdout)["runs"][0]
    assert [r["partialFingerprints"]["kravkoll/v1"] for r in again["results"]] == prints


def test_check_junit_validates_against_the_junit_xsd(check_junit, junit_schema):
    assert list(junit_schema.iter_errors(check_junit.decode())) == []


def test_check_junit_has_one_testcase_per_rule_and_failures_with_evidence(check_junit, junit_schema,
                                                                         books):
    data = junit_schema.to_dict(check_junit.decode())
    (suite,) = data["testsuite"]
    assert suite["@name"] == "Hälsocentralen Exempelbyn 2023"
    assert suite["@timestamp"] == "2024-02-23T00:00:00"  # the as-of date, never the clock
    cases = {c["@name"].split()[0]: c for c in suite["testcase"]}
    book = next(b for b in books if b.model.id == "jamtland-halsoval-2023")
    assert len(cases) == suite["@tests"] == len(book.model.rules)
    failure = cases["JHV-BEM-03"]["failure"]
    assert failure["@message"] == "Krav ej uppfyllt: 46,0 %, krävs mer än 50,0 %"
    assert "Uträkning: 4,6 / 10,0 × 100 = 46,0 %" in failure["$"]
    assert f"I årsbokslutet: {EXAMPLE_ARG}:{line_of(EXAMPLE, 'distriktsskoterskor: 4.6')}" in failure["$"]
    assert "»Uppfylls kravet på mer än 50% distriktssköterskor" in failure["$"]
    assert "skipped" in cases["JHV-BEM-02"] and "failure" not in cases["JHV-BEM-01"]


@needs_sarif_schema
def test_test_sarif_and_junit_validate_and_are_byte_identical_between_runs(junit_schema):
    first = run_cli("test", "rulebooks", "--coverage", "--format", "sarif")
    second = run_cli("test", "rulebooks", "--coverage", "--format", "sarif")
    assert first.returncode == 0, first.stderr.decode()
    assert first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert sarif_errors(data) == []
    results = data["runs"][0]["results"]
    assert results and all(r["kind"] == "pass" for r in results)
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("rulebooks/jamtland/tests/")
    junit = run_cli("test", "rulebooks", "--coverage", "--format", "junit")
    assert junit.returncode == 0
    assert list(junit_schema.iter_errors(junit.stdout.decode())) == []


@needs_sarif_schema
def test_a_failing_case_in_sarif_and_junit(tmp_path, junit_schema):
    region = tmp_path / "region"
    (region / "tests").mkdir(parents=True)
    (region / "halsoval-2023.yaml").write_bytes(rulebook_text(ROOT / "rulebooks/jamtland/halsoval-2023.yaml").encode())
    # the example lives outside tmp: the base is named by its absolute path
    (region / "tests" / "fall.yaml").write_text(
        f"base: {EXAMPLE}\ncases:\n  - name: fel väntat utfall\n    expect: {{JHV-BEM-03: pass}}\n",
        encoding="utf-8")
    sarif = run_cli("test", str(region), "--format", "sarif")
    assert sarif.returncode == 1
    data = json.loads(sarif.stdout)
    assert sarif_errors(data) == []
    (result,) = data["runs"][0]["results"]
    assert (result["kind"], result["level"]) == ("fail", "error")
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    assert "väntat pass, fick fail" in result["message"]["text"]
    junit = run_cli("test", str(region), "--format", "junit", "-o", str(tmp_path / "t.xml"))
    assert junit.returncode == 1 and junit.stdout == b""
    xml = (tmp_path / "t.xml").read_text(encoding="utf-8")
    assert list(junit_schema.iter_errors(xml)) == []
    assert "JHV-BEM-03: väntat uppfyllt (pass), fick ej uppfyllt (fail)" in xml


@needs_sarif_schema
def test_a_folder_check_in_sarif_and_junit_names_the_file_that_could_not_be_read(tmp_path,
                                                                                junit_schema):
    folder = tmp_path / "inlamnade"
    folder.mkdir()
    # two units (the same unit and year twice in a folder is itself an input error, issue 19)
    (folder / "a.yaml").write_bytes(EXAMPLE.read_bytes())
    (folder / "b.yaml").write_bytes(EXAMPLE.read_bytes().replace(b"E00000000042", b"E00000000043"))
    (folder / "trasig.yaml").write_text("formular: arsbokslut-2023\n", encoding="utf-8")
    sarif = run_cli("check", str(folder), "--format", "sarif")
    assert sarif.returncode == 2  # one file could not be read; the others are still reported
    data = json.loads(sarif.stdout)
    assert sarif_errors(data) == []
    (run,) = data["runs"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {(folder / "a.yaml").as_uri(), (folder / "b.yaml").as_uri()}
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert "trasig.yaml" in note["message"]["text"] and "enhet" in note["message"]["text"]
    junit = run_cli("check", str(folder), "--format", "junit")
    assert junit.returncode == 2
    assert list(junit_schema.iter_errors(junit.stdout.decode())) == []
    data = junit_schema.to_dict(junit.stdout.decode())
    assert [s["@errors"] for s in data["testsuite"]] == [0, 0, 1]
