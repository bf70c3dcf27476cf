"""`kravkoll test`: the rulebooks' own test cases, as a rulebook author and CI use them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.gate.casefiles import discover, load_case_file
from engine.gate.rulebook_tests import run, run_folder
from engine.model.library import LoadedRulebook, load_library
from engine.model.rulebook_refs import rule_exprs

from .support import RULEBOOKS, copy_layers, run_cli, write_whole
from .support import copy_region as copy_jamtland

JAMTLAND = RULEBOOKS / "jamtland"


@pytest.fixture(scope="module")
def project_run():
    return run([str(RULEBOOKS)], coverage=True)


def copy_region(tmp_path: Path) -> Path:
    """A copy of the Jämtland folder (rulebooks, cases, base submissions, settings), with the
    national layers its rulebooks include beside it."""
    return copy_jamtland(tmp_path / "jamtland")


def region_folder(result, name: str):
    """The result of one region folder of a run over rulebooks/."""
    (folder,) = [f for f in result.folders if Path(f.folder).name == name]
    return folder


def edit(path: Path, old: str, new: str, after: str = "") -> None:
    """Replace the first `old` after the text `after` in a file."""
    text = path.read_text(encoding="utf-8")
    start = text.index(after) if after else 0
    i = text.index(old, start)
    path.write_text(text[:i] + new + text[i + len(old):], encoding="utf-8")


# --- The project's own cases -------------------------------------------------------------------


REGION_BOOKS = {"jamtland": {"jamtland-halsoval-2021", "jamtland-halsoval-2022", "jamtland-halsoval-2023"},
                "vasterbotten": {"vasterbotten-halsoval-2024"}}


def test_the_project_cases_pass_and_cover_every_rule_of_every_rulebook(project_run):
    assert project_run.ok
    assert not project_run.failed
    assert sorted(Path(f.folder).name for f in project_run.folders) == sorted(REGION_BOOKS)
    for name, ids in REGION_BOOKS.items():
        folder = region_folder(project_run, name)
        books = {b.model.id: b for b in folder.books}
        assert set(books) == ids
        uncovered = [(c.book.model.id, c.rule.id) for c in folder.coverage if not c.covered]
        assert uncovered == []
        assert len(folder.coverage) == sum(len(b.model.rules) for b in books.values())
        assert folder.percent == 100.0 and folder.threshold == 100


def test_the_cases_run_against_the_rulebook_in_force_for_each_year(project_run):
    used = {c.result.rulebook.model.id for c in project_run.cases}
    assert used == set().union(*REGION_BOOKS.values())
    # a case file with several bases runs each case once per base
    bem = [c for c in project_run.cases if c.variant.file.endswith("bemanning.yaml")]
    assert {Path(c.variant.base).name for c in bem} == {"hc-2021.yaml", "hc-2022.yaml", "hc-2023.yaml"}


def test_exactly_50_percent_is_a_boundary_case_that_fails(project_run):
    cases = {c.variant.name: c for c in project_run.cases}
    exact = cases["exakt 50 procent distriktssköterskor är inte mer än 50 [hc-2023]"]
    (chk,) = [c for c in exact.checks if c.rule_id == "JHV-BEM-03"]
    assert chk.actual == "fail" and chk.finding.observed == 50


def test_cli_runs_the_project_cases_with_coverage(books):
    proc = run_cli("test", "rulebooks", "--coverage")
    out = proc.stdout.decode()
    assert proc.returncode == 0, out + proc.stderr.decode()
    assert "Alla fall gav väntat utfall" in out
    for name in REGION_BOOKS:  # each region folder has its own coverage and threshold
        n = sum(len(b.model.rules) for b in books if Path(b.path).parent.name == name)
        assert f"Täckning: {n} av {n} regler (100,0 %), gräns 100 % (rulebooks/{name}/" in out


# --- The cases are real: editing a threshold makes some case fail ----------------------------


def _mutated(book: LoadedRulebook, name: str, value) -> LoadedRulebook:
    params = dict(book.model.parameters)
    params[name] = params[name].model_copy(update={"value": value})
    model = book.model.model_copy(update={"parameters": params})
    digest = hashlib.sha256(f"{book.sha256}:{name}={value}".encode()).hexdigest()
    return LoadedRulebook(model, book.path, digest, book.doc)


def _threshold_params(book: LoadedRulebook) -> dict[str, set[str]]:
    """Parameters a rule's condition compares with (not handlingsplan days) -> those rules.
    A level that is only the rulebook's proposal, read by indicators alone, is left out: such
    an indicator reports its value (observation) whatever the level, so moving it changes no
    outcome (design.md: an indicator without a sourced level is not pass or fail)."""
    from engine.evaluate.findings import OBSERVED_KINDS
    from engine.model.rulebook_basis import level_basis

    out: dict[str, set[str]] = {}
    for e, path in rule_exprs(book.model):
        if e.param and path[0] == "rules" and "check" in path:
            out.setdefault(e.param, set()).add(book.model.rules[path[1]].id)
    observed = {r.id for r in book.model.rules
                if r.kind in OBSERVED_KINDS and level_basis(book.model, r) == "forslag"}
    return {name: rules for name, rules in out.items() if not rules <= observed}


@pytest.mark.parametrize("region", sorted(REGION_BOOKS))
def test_moving_any_threshold_of_any_rulebook_by_one_makes_a_case_fail(region):
    (folder,) = [f for f in discover([str(RULEBOOKS)]) if Path(f.folder).name == region]
    books = load_library(folder.folder)
    files = [load_case_file(p) for p in folder.case_files]
    undetected = []
    for i, book in enumerate(books):
        params = _threshold_params(book)
        assert params, book.model.id
        year = book.model.valid_from.year
        for name, rules in sorted(params.items()):
            # only the cases this rulebook judges that expect an outcome of a rule reading the
            # parameter: no other case can change (this keeps the test fast)
            mine = [dataclasses.replace(f, variants=tuple(
                v for v in f.variants if v.submission.model.period == year
                and any(e.rule_id in rules for e in v.expect))) for f in files]
            value = book.model.parameters[name].value
            for step in (-1, 1):
                moved = value + dt.timedelta(days=step) if isinstance(value, dt.date) else value + step
                mutated = [_mutated(b, name, moved) if j == i else b for j, b in enumerate(books)]
                result = run_folder(folder, mutated, mine)
                if not any(not c.ok for c in result.cases):
                    undetected.append(f"{book.model.id}: {name} {value} → {moved}")
    assert undetected == []


def test_making_more_than_into_at_least_makes_a_case_fail():
    (folder,) = [f for f in discover([str(RULEBOOKS)]) if Path(f.folder).name == "jamtland"]
    books = load_library(folder.folder)
    book = next(b for b in books if b.model.id.endswith("2023"))
    rules = [r.model_copy(update={"check": r.check.model_copy(update={
        "compare": r.check.compare.model_copy(update={"op": ">="})})})
        if r.id == "JHV-BEM-03" else r for r in book.model.rules]
    model = book.model.model_copy(update={"rules": rules})
    mutated = LoadedRulebook(model, book.path, "0" * 63 + "1", book.doc)
    result = run_folder(folder, [mutated if b is book else b for b in books])
    failed = {c.variant.name for c in result.cases if not c.ok}
    assert "exakt 50 procent distriktssköterskor är inte mer än 50 [hc-2023]" in failed


def test_a_threshold_edited_in_the_file_fails_with_expected_against_actual(tmp_path):
    region = copy_region(tmp_path)
    edit(region / "halsoval-2023.yaml", "value: 50", "value: 45", after="andel_distriktsskoterskor_min:")
    proc = run_cli("test", str(region))
    out = proc.stdout.decode()
    assert proc.returncode == 1, out + proc.stderr.decode()
    case_file = region / "tests" / "bemanning.yaml"
    text = case_file.read_text(encoding="utf-8").splitlines()
    line = next(i for i, t in enumerate(text, 1)
                if "exakt 50 procent distriktssköterskor" in t) + 2  # its expect line
    assert f"{case_file}:{line} JHV-BEM-03: väntat ej uppfyllt (fail), fick uppfyllt (pass)" in out
    # the evidence: the value, the computation and the condition as the rulebook now reads it
    assert "Värde: 50,0 % = 5,0 / 10,0 × 100; krav: mer än 45,0 %" in out
    assert "fall misslyckades" in out


# --- Coverage ------------------------------------------------------------------------------------


def test_coverage_below_the_folder_threshold_fails_and_names_the_uncovered_rules(tmp_path):
    region = copy_region(tmp_path)
    for f in (region / "tests").glob("*.yaml"):
        if f.name != "listning.yaml":
            f.unlink()
    proc = run_cli("test", str(region), "--coverage")
    out = proc.stdout.decode()
    assert proc.returncode == 1, out + proc.stderr.decode()
    assert "Alla fall gav väntat utfall" in out  # the cases pass; coverage is what fails
    assert "Täckningen är under gränsen." in out
    book = region / "halsoval-2023.yaml"
    line = next(i for i, t in enumerate(book.read_text(encoding="utf-8").splitlines(), 1)
                if "id: JHV-BEM-03" in t)
    assert f"{book}:{line}: JHV-BEM-03 saknar fall som ger uppfyllt (pass) och ej uppfyllt" in out
    assert "JHV-LIS-01 saknar" not in out
    # without --coverage the same cases pass
    assert run_cli("test", str(region)).returncode == 0


def test_a_rule_made_only_to_pass_is_not_covered(tmp_path):
    region = copy_region(tmp_path)
    (region / "tests" / "listning.yaml").write_text(
        "rule: JHV-LIS-01\nbase: [underlag/hc-2021.yaml, underlag/hc-2023.yaml]\ncases:\n"
        "  - name: ingen nekad listning\n    expect: {JHV-LIS-01: pass}\n", encoding="utf-8")
    result = run([str(region)], coverage=True)
    lacking = {(c.book.model.id, c.rule.id): c.lacking for c in result.folders[0].coverage
               if not c.covered}
    assert set(lacking) == {("jamtland-halsoval-2021", "JHV-LIS-01"),
                            ("jamtland-halsoval-2022", "JHV-LIS-01"),
                            ("jamtland-halsoval-2023", "JHV-LIS-01")}
    assert not result.ok


# --- Bad input: one message with file and line, exit 2 ----------------------------------------


def test_no_test_cases_found_is_an_error_not_a_pass(tmp_path):
    write_whole(JAMTLAND / "halsoval-2023.yaml", tmp_path / "halsoval-2023.yaml")
    proc = run_cli("test", str(tmp_path))
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert "inga testfall hittades" in err
    assert "Traceback" not in err


def _case_folder(tmp_path: Path, text: str) -> Path:
    region = tmp_path / "region"
    (region / "tests").mkdir(parents=True)
    write_whole(JAMTLAND / "halsoval-2023.yaml", copy_layers(region))
    shutil.copytree(JAMTLAND / "tests" / "underlag", region / "tests" / "underlag")
    (region / "tests" / "fall.yaml").write_text(text, encoding="utf-8")
    return region


def test_an_unknown_field_in_a_change_is_named_with_its_line_and_a_hint(tmp_path):
    region = _case_folder(tmp_path, (
        "base: underlag/hc-2023.yaml\n"
        "cases:\n"
        "  - name: stavfel\n"
        "    changes:\n"
        "      bemanning.sjukskoterskor_arsarbetare.distriktskoterskor: 5\n"
        "    expect: {JHV-BEM-03: fail}\n"))
    proc = run_cli("test", str(region))
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert f"{region / 'tests' / 'fall.yaml'}:5:" in err
    assert "finns inte i årsbokslutets format" in err
    assert "menade du bemanning.sjukskoterskor_arsarbetare.distriktsskoterskor?" in err
    assert "Traceback" not in err


def _error(region: Path) -> InputError:
    with pytest.raises(InputError) as info:
        run([str(region)])
    return info.value


def test_an_unknown_rule_id_in_a_case_is_named_with_its_line(tmp_path):
    region = _case_folder(tmp_path, (
        "base: underlag/hc-2023.yaml\n"
        "cases:\n"
        "  - name: okänd regel\n"
        "    expect:\n"
        "      JHV-BEM-03: pass\n"
        "      JHV-BEM-99: pass\n"))
    err = str(_error(region))
    assert "fall.yaml:6: fält 'cases[0].expect.JHV-BEM-99': regeln JHV-BEM-99 finns inte" in err


def test_a_rule_of_2023_expected_of_a_2021_submission_is_an_error(tmp_path):
    region = _case_folder(tmp_path, (
        "base: underlag/hc-2021.yaml\n"
        "cases:\n"
        "  - name: informationssäkerhet fanns inte 2021\n"
        "    expect: {JHV-INF-01: pass}\n"))
    shutil.copy(JAMTLAND / "halsoval-2021.yaml", region)
    err = str(_error(region))
    assert "JHV-INF-01 finns inte i regelboken jamtland-halsoval-2021" in err


def test_a_misspelt_outcome_or_key_is_named_with_its_line(tmp_path):
    region = _case_folder(tmp_path, (
        "base: underlag/hc-2023.yaml\n"
        "cases:\n"
        "  - name: fel\n"
        "    expect: {JHV-BEM-03: godkänd}\n"
        "    chnages: {}\n"))
    err = str(_error(region))
    assert "fall.yaml:4:" in err and "'godkänd' är inte ett tillåtet värde" in err
    assert "fall.yaml:5:" in err and "okänd nyckel 'chnages'" in err


def test_a_change_that_breaks_the_submission_points_at_the_change(tmp_path):
    region = _case_folder(tmp_path, (
        "base: underlag/hc-2023.yaml\n"
        "cases:\n"
        "  - name: fler distriktssköterskor än sjuksköterskor\n"
        "    changes:\n"
        "      bemanning.sjukskoterskor_arsarbetare.distriktsskoterskor: 11\n"
        "    expect: {JHV-BEM-03: pass}\n"))
    err = str(_error(region))
    assert "fall.yaml:5:" in err
    assert "årsbokslutet i fallet 'fler distriktssköterskor än sjuksköterskor'" in err
    assert "kan inte vara fler än totalt" in err


def test_a_missing_base_submission_is_named(tmp_path):
    region = _case_folder(tmp_path, "base: underlag/finns-inte.yaml\ncases:\n"
                                    "  - name: a\n    expect: {JHV-BEM-03: pass}\n")
    err = str(_error(region))
    assert "fall.yaml:1:" in err and "basårsbokslutet 'underlag/finns-inte.yaml' finns inte" in err


def test_a_case_may_give_a_whole_submission_inline(tmp_path):
    base = (JAMTLAND / "tests" / "underlag" / "hc-2023.yaml").read_text(encoding="utf-8")
    body = "\n".join("      " + line for line in base.splitlines() if line and not line.startswith("#"))
    region = _case_folder(tmp_path, (
        "cases:\n"
        "  - name: helt årsbokslut i fallet\n"
        "    expect: {JHV-BEM-03: pass, JHV-INF-01: pass}\n"
        "    submission:\n" + body + "\n"))
    result = run([str(region)])
    assert result.ok and len(result.cases) == 1


def test_case_file_values_are_read_as_people_write_them(tmp_path):
    region = _case_folder(tmp_path, (
        "base: underlag/hc-2023.yaml\n"
        "cases:\n"
        "  - name: decimalkomma och procenttecken\n"
        "    changes: {kvalitet.di03l1_procent: '64,9 %'}\n"
        "    expect: {JHV-MAL-01: fail}\n"))
    loaded = load_case_file(region / "tests" / "fall.yaml")
    assert loaded.variants[0].submission.model.kvalitet.di03l1_procent == 64.9
    assert run([str(region)]).ok


# --- Output formats -------------------------------------------------------------------------------


def test_json_output_names_every_case_and_the_coverage():
    proc = run_cli("test", "rulebooks", "--coverage", "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    assert data["summary"]["failed"] == 0 and data["summary"]["ok"] is True
    folders = {Path(f["folder"]).name: f for f in data["folders"]}
    assert set(folders) == set(REGION_BOOKS)
    for name, folder in folders.items():
        assert folder["coverage"]["percent"] == 100
        assert all(c["ok"] for c in folder["cases"])
        assert {c["rulebook"] for c in folder["cases"]} == REGION_BOOKS[name]
