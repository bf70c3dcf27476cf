"""`kravkoll` as a separate process, the way a handläggare and CI run it."""

import json
import re

import pytest

from .support import EXAMPLE, ROOT, run_cli, variant

EXAMPLE_ARG = str(EXAMPLE.relative_to(ROOT))
ANSI = re.compile(r"\x1b\[")


def flat(raw: bytes) -> str:
    """Output with line wrapping and box borders folded away, for phrase checks."""
    text = raw.decode().replace("│", " ")
    return " ".join(text.split())


@pytest.fixture(scope="module")
def report():
    return run_cli("check", EXAMPLE_ARG)


@pytest.fixture(scope="module")
def json_run():
    return run_cli("check", EXAMPLE_ARG, "--format", "json")


def test_example_exits_1_because_krav_fall_short(report):
    assert report.returncode == 1, report.stderr.decode()
    assert report.stderr == b""


def test_the_report_is_swedish_and_names_unit_rulebook_and_verdict(report):
    out = flat(report.stdout)
    assert "Hälsocentralen Exempelbyn" in out
    assert "SE2321000207-E00000000042" in out
    assert "jamtland-halsoval-2023 version 2023.1" in out
    assert "1 av 12 krav uppfylls inte helt" in out
    assert "JHV-BEM-03" in out and "EJ UPPFYLLT" in out
    # evidence: observed against threshold, the computation and the file line
    assert "46,0 % = 4,6 / 10,0 × 100; krav: mer än 50,0 %" in out
    assert "rad 70, bemanning.sjukskoterskor_arsarbetare.distriktsskoterskor" in out
    # where it is written and what follows
    assert "»Uppfylls kravet på mer än 50% distriktssköterskor" in out
    assert "Handlingsplan inom 60 dagar från beslut" in out


def test_report_in_a_pipe_has_no_colour_codes_and_fits_80_columns(report):
    out = report.stdout.decode()
    assert not ANSI.search(out)
    assert max(len(line) for line in out.splitlines()) <= 80


def test_json_has_the_documented_shape(json_run):
    assert json_run.returncode == 1
    data = json.loads(json_run.stdout)
    assert data["engine"]["name"] == "kravkoll"
    assert set(data["rulebook"]) >= {"id", "version", "valid_from", "valid_to", "sha256"}
    assert data["submission"]["unit"] == {"name": "Hälsocentralen Exempelbyn",
                                          "hsa_id": "SE2321000207-E00000000042", "regi": "extern"}
    assert data["submission"]["period"] == 2023
    assert data["as_of"] == "2024-02-23"
    assert data["verdict"] == "fail"
    assert sum(data["counts"].values()) == len(data["findings"]) == 37
    f = next(f for f in data["findings"] if f["rule_id"] == "JHV-BEM-03")
    assert f["outcome"] == "fail" and f["kind"] == "krav" and f["question"] == "2.3.3"
    assert f["observed"] == 46 and "50" in f["expected"]
    assert f["location"] == {"path": "bemanning.sjukskoterskor_arsarbetare.distriktsskoterskor", "line": 70}
    assert f["source"]["quote"].startswith("Uppfylls kravet på mer än 50% distriktssköterskor")
    assert f["consequence"]["handlingsplan"]["days"] == 60


def test_json_is_byte_identical_across_runs(json_run):
    again = run_cli("check", EXAMPLE_ARG, "--format", "json")
    assert again.stdout == json_run.stdout


def test_sha256_names_the_submission_content(json_run):
    import hashlib

    data = json.loads(json_run.stdout)
    assert data["submission"]["sha256"] == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()


def test_exit_0_when_every_krav_is_met(tmp_path):
    good = variant(tmp_path, {
        "bemanning.sjukskoterskor_arsarbetare.distriktsskoterskor": 6.0,
        "informationssakerhet.reservrutiner_kritiska_it_stod": "ja",
        "informationssakerhet.e_utbildning_genomford_procent": 100,
    })
    run = run_cli("check", str(good))
    assert run.returncode == 0, run.stdout.decode()
    assert "Alla 12 krav i regelboken uppfylls" in flat(run.stdout)


def test_as_of_is_printed_and_used(tmp_path):
    run = run_cli("check", EXAMPLE_ARG, "--format", "json", "--as-of", "2025-01-31")
    assert json.loads(run.stdout)["as_of"] == "2025-01-31"


@pytest.mark.parametrize("args,expected", [
    (("check", "finns-inte.yaml"), "finns-inte.yaml: filen finns inte"),
    (("check",), "Argument saknas: 'SUBMISSION'"),
    (("check", EXAMPLE_ARG, "--format", "xml"), "'xml' är inte något av"),
    (("check", EXAMPLE_ARG, "--as-of", "igår"), "'igår' är inget datum"),
    (("explain", "JHV-BEM-3"), "menade du JHV-BEM-03?"),
])
def test_usage_and_input_errors_exit_2_with_one_swedish_message(args, expected):
    run = run_cli(*args)
    err = run.stderr.decode()
    assert run.returncode == 2
    assert expected in err
    assert "Traceback" not in err and run.stdout == b""


def test_bad_submission_names_file_line_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace("hembesok: 810", "hembesok: -810"),
                   encoding="utf-8")
    run = run_cli("check", str(bad))
    assert run.returncode == 2
    assert f"{bad}:42:13: fält 'verksamhet.hembesok': får inte vara negativt" in run.stderr.decode()


def test_period_without_rulebook_is_bad_input(tmp_path):
    run = run_cli("check", str(variant(tmp_path, {"period": 2020})))  # 2021–2023 have rulebooks
    assert run.returncode == 2
    assert "ingen regelbok för Region Jämtland Härjedalen gäller för hela perioden 2020" in run.stderr.decode()


def test_unit_from_another_region_is_bad_input(tmp_path):
    run = run_cli("check", str(variant(tmp_path, {"enhet.region": "Region Gotland"})))
    assert run.returncode == 2
    assert "ingen regelbok för regionen 'Region Gotland'" in run.stderr.decode()


def test_a_unit_of_a_region_whose_rulebook_is_of_another_year_is_bad_input(tmp_path):
    # Västerbotten has a rulebook for 2024 only; the example is Jämtland's 2023 årsbokslut
    run = run_cli("check", str(variant(tmp_path, {"enhet.region": "Region Västerbotten"})))
    assert run.returncode == 2
    assert "ingen regelbok för Region Västerbotten gäller för hela perioden 2023" in run.stderr.decode()


def test_output_file_is_written_and_never_overwritten_without_force(tmp_path):
    target = tmp_path / "rapport.json"
    first = run_cli("check", EXAMPLE_ARG, "--format", "json", "--output", str(target))
    assert first.returncode == 1 and json.loads(target.read_text())["verdict"] == "fail"
    target.write_text("handläggarens anteckning")
    second = run_cli("check", EXAMPLE_ARG, "--format", "json", "--output", str(target))
    assert second.returncode == 2 and "filen finns redan" in second.stderr.decode()
    assert target.read_text() == "handläggarens anteckning"
    third = run_cli("check", EXAMPLE_ARG, "--format", "json", "--output", str(target), "--force")
    assert third.returncode == 1 and json.loads(target.read_text())["verdict"] == "fail"


def test_explain_shows_rule_source_condition_and_consequence():
    run = run_cli("explain", "JHV-BEM-03")
    out = flat(run.stdout)
    assert run.returncode == 0
    assert "Mer än hälften av sjuksköterskorna är distriktssköterskor" in out
    assert "Uppfylls kravet på mer än 50% distriktssköterskor" in out
    assert "mer än" in out and "Handlingsplan inom 60 dagar" in out
    assert "upp till 50 000 kr per brist" in out


def test_explain_says_a_source_is_a_proposal():
    out = flat(run_cli("explain", "JHV-INF-03").stdout)
    assert "[förslag]" in out and "enheter i extern regi" in out


def test_schema_is_json_schema_that_accepts_the_example():
    import jsonschema
    import yaml

    run = run_cli("schema")
    assert run.returncode == 0
    schema = json.loads(run.stdout)
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["inlamnad"] = str(data["inlamnad"])
    jsonschema.validate(data, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(dict(data, okand_nyckel=1), schema)


def test_an_untested_python_is_refused_with_what_to_do(monkeypatch, capsys):
    import sys

    from engine.cli import main as cli

    monkeypatch.setattr(sys, "version_info", (3, 14, 0, "final", 0))
    assert cli.main(["check", EXAMPLE_ARG]) == 2
    err = capsys.readouterr().err
    assert "Python 3.14.0 stöds inte" in err
    assert "3.11, 3.12 och 3.13" in err and "venv" in err


@pytest.mark.parametrize("version", [(3, 11, 7), (3, 12, 1), (3, 13, 0)])
def test_the_supported_pythons_are_let_through(monkeypatch, version):
    import sys

    from engine.cli import main as cli

    monkeypatch.setattr(sys, "version_info", (*version, "final", 0))
    assert cli._python_supported()


def test_the_package_declares_the_pythons_the_command_accepts():
    """pip and `kravkoll` agree: requires-python admits exactly the versions main() lets through."""
    import tomllib

    from packaging.specifiers import SpecifierSet

    from engine.cli import main as cli

    from .support import ROOT

    spec = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    admitted = {(3, minor) for minor in range(6, 20) if f"3.{minor}.0" in spec}
    assert admitted == set(cli.SUPPORTED) == {(3, 11), (3, 12), (3, 13)}
