"""Case files that name last year's årsbokslut (`previous`, `previous_changes`) are checked
like `changes`: a user who misspells a field in previous_changes, or gives previous_changes
with no previous year to change, is told at that line instead of a case that silently tests
something else."""

from __future__ import annotations

from .support import copy_region, run_cli

FIELD = "kontinuitet.listade_med_fast_lakarkontakt_procent"


def _region_with_case(tmp_path, text: str):
    region = copy_region(tmp_path / "vasterbotten", "vasterbotten")
    for other in (region / "tests").glob("*.yaml"):
        other.unlink()
    case_file = region / "tests" / "fall.yaml"
    case_file.write_text(text, encoding="utf-8")
    return region, case_file


def test_a_misspelt_field_in_previous_changes_is_named_at_its_line(tmp_path):
    region, case_file = _region_with_case(tmp_path, (
        "base: underlag/hc-2024.yaml\n"
        "previous: underlag/hc-2023.yaml\n"
        "cases:\n"
        "  - name: stavfel i föregående år\n"
        "    previous_changes:\n"
        f"      {FIELD[:-1]}: 50\n"
        "    expect: {VHV-KON-01: pass}\n"))
    proc = run_cli("test", str(region))
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert f"{case_file}:6:" in err  # the key's line, not the line of `previous:`
    assert f"fältet '{FIELD[:-1]}' finns inte i årsbokslutets format (menade du {FIELD}?)" in err
    assert "Traceback" not in err


def test_previous_changes_without_a_previous_year_is_an_error(tmp_path):
    region, case_file = _region_with_case(tmp_path, (
        "base: underlag/hc-2024.yaml\n"
        "cases:\n"
        "  - name: ändrar ett år som inte finns\n"
        "    previous_changes:\n"
        f"      {FIELD}: 50\n"
        "    expect: {VHV-KON-01: missing}\n"))
    proc = run_cli("test", str(region))
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert f"{case_file}:4:" in err and "varken fallet eller filen anger previous" in err


def test_previous_changes_with_the_previous_year_given_in_the_case_is_used(tmp_path):
    region, _ = _region_with_case(tmp_path, (
        "base: underlag/hc-2024.yaml\n"
        "cases:\n"
        "  - name: föregående år i fallet, andelen sjönk från 70\n"
        "    previous: underlag/hc-2023.yaml\n"
        "    previous_changes:\n"
        f"      {FIELD}: 70\n"
        "    expect: {VHV-KON-01: fail}\n"))
    proc = run_cli("test", str(region))
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
