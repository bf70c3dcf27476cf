"""`kravkoll lint`: what a rulebook author is told before a rulebook is merged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.gate.lint import lint

from .support import RULEBOOKS, copy_layers, run_cli, write_whole

JAMTLAND = RULEBOOKS / "jamtland"
BOOK_2021 = JAMTLAND / "halsoval-2021.yaml"
BOOK_2023 = JAMTLAND / "halsoval-2023.yaml"


@pytest.fixture
def tmp_path(tmp_path: Path) -> Path:
    """Each test's folder is a region folder with the national layers beside it, as in
    rulebooks/: halsoval-2021.yaml includes ../nationellt/malnivaer.yaml."""
    folder = tmp_path / "jamtland"
    folder.mkdir()
    return copy_layers(folder)


def copy_book(tmp_path: Path, source: Path = BOOK_2023, name: str | None = None) -> Path:
    target = tmp_path / (name or source.name)
    return write_whole(source, target)


def edit(path: Path, old: str, new: str, after: str = "") -> int:
    """Replace the first `old` after `after`; return the line number of the edit."""
    text = path.read_text(encoding="utf-8")
    i = text.index(old, text.index(after) if after else 0)
    path.write_text(text[:i] + new + text[i + len(old):], encoding="utf-8")
    return text.count("\n", 0, i) + 1


def messages(path: Path) -> list[str]:
    return [m.render() for m in lint([str(path)]).messages]


def test_the_project_rulebooks_have_no_lint_errors():
    proc = run_cli("lint", "rulebooks")
    out = proc.stdout.decode()
    assert proc.returncode == 0, out + proc.stderr.decode()
    assert "0 fel" in out or "Inga fel" in out
    assert "[glapp]" not in out  # 2021, 2022 and 2023 follow each other without a gap


def test_a_planted_unknown_field_path_is_an_error_at_its_line(tmp_path):
    book = copy_book(tmp_path)
    line = edit(book, "field: kvalitet.medrave", "field: kvalitet.medravee")
    proc = run_cli("lint", str(book))
    out = proc.stdout.decode()
    assert proc.returncode == 1, out + proc.stderr.decode()
    assert (f"{book}:{line}: fält 'rules[13].check.answer.field': fel: regel JHV-KVA-04: fältet "
            "'kvalitet.medravee' finns inte i årsbokslutets format [referens]") in out
    assert "1 fel" in out


def test_an_answer_the_field_cannot_take_is_an_error(tmp_path):
    book = copy_book(tmp_path)
    line = edit(book, "pass: [ja]}", "pass: [yes]}", after="id: JHV-VER-01")
    out = messages(book)
    assert any(m.startswith(f"{book}:{line}:") and "'yes' är inget möjligt svar i fältet "
               "'verksamhet.jour_och_beredskap' (möjliga svar: ja, nej)" in m for m in out), out


def test_a_partial_answer_the_field_cannot_take_is_an_error(tmp_path):
    book = copy_book(tmp_path)
    edit(book, "partial: [delvis]", "partial: [delvis, ofta]", after="id: JHV-KVA-02")
    assert any("'ofta' är inget möjligt svar" in m and "[svarsvarde]" in m for m in messages(book))


def test_comparing_an_answer_field_as_a_number_is_an_error(tmp_path):
    book = copy_book(tmp_path)
    line = edit(book, "left: {field: kvalitet.di03l1_procent}",
                "left: {field: kvalitet.fast_lakarkontakt}")
    out = messages(book)
    assert any(m.startswith(f"{book}:{line}:") and "inget tal eller datum" in m for m in out), out


def test_an_answer_rule_on_a_number_field_is_an_error(tmp_path):
    book = copy_book(tmp_path)
    edit(book, "answer: {field: kvalitet.medrave,", "answer: {field: kvalitet.di03l1_procent,")
    assert any("'kvalitet.di03l1_procent' är inget svarsfält" in m for m in messages(book))


def test_a_placeholder_quote_is_an_error(tmp_path):
    book = copy_book(tmp_path)
    text = book.read_text(encoding="utf-8")
    start = text.index("id: JHV-KVA-04")
    q = text.index("quote:", start)
    end = text.index("\n", q)
    book.write_text(text[:q] + 'quote: "TODO"' + text[end:], encoding="utf-8")
    line = text.count("\n", 0, q) + 1
    out = messages(book)
    assert f"{book}:{line}: fält 'rules[13].source.quote': fel: regel JHV-KVA-04: källan saknar " \
           "ett ordagrant citat ur dokumentet [citat]" in out


def test_a_krav_whose_consequence_has_no_handlingsplan_or_sanction_is_an_error(tmp_path):
    book = copy_book(tmp_path)
    text = book.read_text(encoding="utf-8")
    start = text.index("id: JHV-LIS-01")
    c = text.index("    consequence:\n", start)
    book.write_text(text[:c] + "    consequence:\n      note: Följs upp i dialogen.\n",
                    encoding="utf-8")
    out = messages(book)
    assert any("kravets följd har varken handlingsplan" in m and "[foljd]" in m for m in out), out


def test_a_krav_without_consequence_is_an_error_with_its_line(tmp_path):
    book = copy_book(tmp_path)
    text = book.read_text(encoding="utf-8")
    start = text.index("id: JHV-LIS-01")
    c = text.index("    consequence:\n", start)
    book.write_text(text[:c], encoding="utf-8")
    report = lint([str(book)])
    (m,) = [m for m in report.errors if "consequence" in m.text]
    assert m.code == "schema" and m.line == text.count("\n", 0, start) + 1


def test_an_unused_parameter_is_a_warning_and_lint_still_passes(tmp_path):
    book = copy_book(tmp_path)
    text = book.read_text(encoding="utf-8")
    book.write_text(text.replace("  rattelse_days: {param: rattelse_dagar}", "  rattelse_days: 30"),
                    encoding="utf-8")
    report = lint([str(book)])
    assert report.errors == []
    unused = [m for m in report.warnings if m.code == "oanvand"]
    assert {m.path for m in unused} >= {"parameters.rattelse_dagar"}
    proc = run_cli("lint", str(book))
    assert proc.returncode == 0


def test_a_referenced_parameter_that_does_not_exist_is_an_error(tmp_path):
    book = copy_book(tmp_path)
    line = edit(book, "right: {param: di03l1_malniva}", "right: {param: di03l1_maliva}")
    out = messages(book)
    assert f"{book}:{line}: fält 'rules[14].check.compare.right.param': fel: regel JHV-MAL-01: " \
           "okänd parameter 'di03l1_maliva' [referens]" in out


def test_a_duplicate_rule_id_is_an_error(tmp_path):
    book = copy_book(tmp_path)
    line = edit(book, "id: JHV-BEM-02", "id: JHV-BEM-01")
    out = messages(book)
    assert any(m.startswith(f"{book}:{line}:") and "regel-id JHV-BEM-01 finns redan" in m
               for m in out), out


def test_broken_yaml_is_an_error_with_its_line_not_a_crash(tmp_path):
    book = copy_book(tmp_path)
    line = edit(book, "kind: krav\n", "kind: krav\n  kind: krav\n", after="id: JHV-INL-01")
    proc = run_cli("lint", str(book))
    assert proc.returncode == 1
    out = proc.stdout.decode()
    assert f"{book}:{line + 1}" in out and "[schema]" in out
    assert "Traceback" not in proc.stderr.decode()


# --- Across the rulebooks of a region -----------------------------------------------------------


def test_a_gap_between_validity_periods_is_an_error_unless_declared(tmp_path):
    copy_book(tmp_path, BOOK_2021)
    copy_book(tmp_path, BOOK_2023)
    report = lint([str(tmp_path)])
    (gap,) = [m for m in report.errors if m.code == "glapp"]
    assert gap.file == str(tmp_path / "halsoval-2023.yaml") and gap.path == "valid_from"
    assert "ingen regelbok för Region Jämtland Härjedalen gäller 2022-01-01–2022-12-31" in gap.text
    assert "allowed_gaps" in gap.text
    # declared (the project's own kravkoll.yaml no longer does: 2022 has a rulebook)
    (tmp_path / "kravkoll.yaml").write_text(
        "allowed_gaps:\n  - year: 2022\n    reason: Förfrågningsunderlaget för 2022 saknas.\n",
        encoding="utf-8")
    assert [m for m in lint([str(tmp_path)]).errors] == []


def test_a_declared_gap_that_is_no_gap_is_a_warning(tmp_path):
    copy_book(tmp_path, BOOK_2023)
    (tmp_path / "kravkoll.yaml").write_text(
        "allowed_gaps:\n  - year: 2019\n    reason: gammalt\n", encoding="utf-8")
    report = lint([str(tmp_path)])
    assert report.errors == []
    assert any(m.code == "glapp" and m.file.endswith("kravkoll.yaml") and m.line == 2
               for m in report.warnings)


def test_a_declared_gap_needs_a_reason(tmp_path):
    copy_book(tmp_path, BOOK_2023)
    (tmp_path / "kravkoll.yaml").write_text("allowed_gaps:\n  - year: 2022\n", encoding="utf-8")
    report = lint([str(tmp_path)])
    assert any(m.code == "installningar" and "reason" in m.path for m in report.errors)


def test_overlapping_validity_periods_are_an_error(tmp_path):
    copy_book(tmp_path, BOOK_2021)
    other = copy_book(tmp_path, BOOK_2023)
    edit(other, "valid_from: 2023-01-01", "valid_from: 2021-07-01")
    report = lint([str(tmp_path)])
    assert any(m.code == "overlapp" and m.file == str(other) for m in report.errors)


def test_a_rule_id_that_changes_kind_between_years_is_a_warning(tmp_path):
    copy_book(tmp_path, BOOK_2021)
    newer = copy_book(tmp_path, BOOK_2023)
    (tmp_path / "kravkoll.yaml").write_text(
        "allowed_gaps:\n  - year: 2022\n    reason: Förfrågningsunderlaget för 2022 saknas.\n",
        encoding="utf-8")
    line = edit(newer, "kind: riktlinje", "kind: malniva", after="id: JHV-KVA-03")
    report = lint([str(tmp_path)])
    assert report.errors == []
    (w,) = [m for m in report.warnings if m.code == "id"]
    assert w.file == str(newer) and w.line == line
    assert "regel JHV-KVA-03 var riktlinje i jamtland-halsoval-2021 men är malniva här" in w.text


def test_json_output_and_a_missing_path():
    proc = run_cli("lint", "rulebooks", "--format", "json")
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert data["summary"]["errors"] == 0
    assert all({"file", "line", "field", "severity", "code", "message"} <= set(m)
               for m in data["messages"])
    missing = run_cli("lint", "finns-inte/")
    assert missing.returncode == 2 and "finns inte" in missing.stderr.decode()


@pytest.mark.parametrize("name", ["halsoval-2021.yaml", "halsoval-2023.yaml"])
def test_every_message_names_file_line_and_field(name, tmp_path):
    book = copy_book(tmp_path, JAMTLAND / name)
    for m in lint([str(book)]).messages:
        assert m.render().startswith(f"{book}:{m.line}: fält '")
