"""`kravkoll diff`: what a rulebook edit does to the units, as a reviewer reads it in a PR."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from engine.gate.impact import diff, rulebook_from_text, submission_files
from engine.model.library import load_rulebook

from .support import DELETE, RULEBOOKS, example_data, rulebook_text, run_cli, with_changes, write_whole, write_yaml

BOOK_2023 = RULEBOOKS / "jamtland" / "halsoval-2023.yaml"
BOOK_2021 = RULEBOOKS / "jamtland" / "halsoval-2021.yaml"

# Five units, by their share of distriktssköterskor (of 10,0 sjuksköterskor).
UNITS = {"norrby": 4.0, "soderby": 4.6, "vasterby": 5.0, "osterby": 5.5, "mellanby": 6.0}


def unit_data(name: str, share: float, year: int = 2023) -> dict:
    data = with_changes(example_data(), {
        "enhet.namn": f"Hälsocentralen {name.capitalize()}",
        "enhet.hsa_id": f"SE2321000207-E{sum(map(ord, name)):011d}",
        "bemanning.sjukskoterskor_arsarbetare.distriktsskoterskor": share,
        "bemanning.handlingsplaner": DELETE,
    })
    if year != 2023:
        data.update(formular=f"arsbokslut-{year}", period=year, inlamnad=f"{year + 1}-02-20")
    return data


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("inlamnade")
    for name, share in UNITS.items():
        write_yaml(folder / f"{name}.yaml", unit_data(name, share))
    return folder


def edited(tmp_path: Path, old: str, new: str, after: str) -> Path:
    text = rulebook_text(BOOK_2023)
    i = text.index(old, text.index(after))
    target = tmp_path / "halsoval-2023.yaml"
    target.write_text(text[:i] + new + text[i + len(old):], encoding="utf-8")
    return target


def test_a_lowered_threshold_reports_exactly_the_units_that_change(corpus, tmp_path):
    # 50 % → 45 %: units at 46 % and 50 % now meet the krav; 40 % still does not, 55 % and
    # 60 % already did.
    new = edited(tmp_path, "value: 50", "value: 45", after="andel_distriktsskoterskor_min:")
    proc = run_cli("diff", str(BOOK_2023), str(new), str(corpus), "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    changed = {Path(u["path"]).stem: {c["rule"]: (c["old"], c["new"]) for c in u["changes"]}
               for u in data["units"] if u["changes"]}
    assert changed == {
        "soderby": {"JHV-BEM-03": ("fail", "pass"), "JHV-BEM-04": ("fail", "not_applicable")},
        "vasterby": {"JHV-BEM-03": ("fail", "pass"), "JHV-BEM-04": ("fail", "not_applicable")},
    }
    assert data["summary"]["units"] == 5 and data["summary"]["changed"] == 2
    assert data["edits"] == ["parametern andel_distriktsskoterskor_min: 50 → 45"]
    assert {(r["rule"], r["old"], r["new"], r["units"]) for r in data["summary"]["per_rule"]} == {
        ("JHV-BEM-03", "fail", "pass", 2), ("JHV-BEM-04", "fail", "not_applicable", 2)}


def test_markdown_summary_for_a_pull_request(corpus, tmp_path):
    new = edited(tmp_path, "value: 50", "value: 45", after="andel_distriktsskoterskor_min:")
    proc = run_cli("diff", str(BOOK_2023), str(new), str(corpus), "--format", "markdown")
    out = proc.stdout.decode()
    assert "**2 av 5 enheter får ändrat utfall på minst en regel" in out
    assert "- parametern andel_distriktsskoterskor_min: 50 → 45" in out
    assert "| JHV-BEM-03 | ej uppfyllt | uppfyllt | 2 |" in out
    assert "| Hälsocentralen Vasterby |" in out and "| Hälsocentralen Norrby |" not in out


def test_the_terminal_report_and_fail_on_change(corpus, tmp_path):
    new = edited(tmp_path, "value: 50", "value: 55", after="andel_distriktsskoterskor_min:")
    proc = run_cli("diff", str(BOOK_2023), str(new), str(corpus), "--fail-on-change")
    out = proc.stdout.decode()
    assert proc.returncode == 1, out + proc.stderr.decode()
    # 55 % met "mer än 50" but not "mer än 55"
    assert "Hälsocentralen Osterby" in out and "JHV-BEM-03: uppfyllt → ej uppfyllt" in out
    assert "1 av 5 enheter får ändrat utfall" in out


def test_an_edit_that_changes_nothing(corpus):
    impact = diff(load_rulebook(BOOK_2023), load_rulebook(BOOK_2023), submission_files(str(corpus)))
    assert impact.changed == [] and impact.edits == [] and len(impact.units) == 5


def test_rules_added_between_rulebooks_and_submissions_of_another_form(corpus, tmp_path):
    # The 2021 rulebook as old, 2023's as new, applied to the 2023 units: the
    # informationssäkerhet rules are new. A 2021 submission is skipped: 2023's rulebook does
    # not read its form.
    folder = tmp_path / "blandat"
    shutil.copytree(corpus, folder)
    write_yaml(folder / "gammal.yaml", unit_data("gammal", 6.0, year=2021))
    text = BOOK_2021.read_text(encoding="utf-8").replace("forms: [arsbokslut-2021]",
                                                         "forms: [arsbokslut-2021, arsbokslut-2023]")
    # named beside the real 2021 rulebook: its include (../nationellt/) is read from there
    old = rulebook_from_text(text, str(BOOK_2021.parent / "halsoval-2021-med-2023-formular.yaml"))
    impact = diff(old, load_rulebook(BOOK_2023), submission_files(str(folder)))
    assert [Path(p).name for p, _ in impact.skipped] == ["gammal.yaml"]
    assert "formuläret arsbokslut-2021 läses inte av jamtland-halsoval-2023" in impact.skipped[0][1]
    added = {c.rule_id for u in impact.units for c in u.changes if c.old == "—"}
    assert added == {f"JHV-INF-0{i}" for i in range(1, 8)} | {
        "JHV-MAL-07", "JHV-MAL-08", "JHV-KVA-05", "JHV-KVA-06", "JHV-KVA-07", "JHV-EKO-01",
        "JHV-EKO-02"}
    assert any(e.startswith("ny regel JHV-INF-01") for e in impact.edits)


@pytest.mark.skipif(shutil.which("git") is None, reason="git saknas")
def test_base_revision_from_git(corpus, tmp_path):
    repo = tmp_path / "repo"
    (repo / "jamtland").mkdir(parents=True)
    book = repo / "jamtland" / "halsoval-2023.yaml"
    write_whole(BOOK_2023, book)

    def git(*args):
        subprocess.run(["git", "-c", "user.email=ci@example.invalid", "-c", "user.name=ci", *args],
                       cwd=repo, check=True, capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "regelbok")
    text = book.read_text(encoding="utf-8")
    i = text.index("value: 65", text.index("di03l1_malniva:"))
    book.write_text(text[:i] + "value: 60" + text[i + 9:], encoding="utf-8")
    proc = run_cli("diff", "--base", "HEAD", str(book), str(corpus), "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    assert data["old"]["path"] == f"HEAD:{book}"
    assert data["edits"] == ["parametern di03l1_malniva: 65 → 60"]
    # the example's Di03L1 is 61,8 %: every unit now reaches the målnivå
    assert {(c["rule"], c["old"], c["new"]) for u in data["units"] for c in u["changes"]} == {
        ("JHV-MAL-01", "fail", "pass")}
    assert data["summary"]["changed"] == 5
    bad = run_cli("diff", "--base", "finns-inte", str(book), str(corpus))
    assert bad.returncode == 2
    assert "--base: 'finns-inte' är ingen git-version här" in bad.stderr.decode()


def test_wrong_arguments_are_explained():
    proc = run_cli("diff", str(BOOK_2023), "submissions")
    assert proc.returncode == 2
    assert "ange GAMMAL_REGELBOK NY_REGELBOK MAPP_MED_ÅRSBOKSLUT" in proc.stderr.decode()
