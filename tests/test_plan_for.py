"""A krav that only asks the årsbokslut to state another krav's handlingsplan (plan_for) is
followed up with that plan: it demands no plan of its own and accrues no förseningsvite."""

import json

import pytest

from .support import DELETE, run_cli, variant


@pytest.mark.repeat(3)
def test_one_brist_one_plan_one_forseningsvite(tmp_path):
    # The example without its stated plan for distriktssköterskor: BEM-03 and BEM-04 both fall short.
    # The region has decided the time for a handlingsplan (scenario_rulebooks: Parameter.beslut);
    # with only the rulebook's assumption no förseningsvite is computed (issue 20, item 5).
    from .test_ledger_helpers import scenario_rulebooks

    sub = variant(tmp_path, {"bemanning.handlingsplaner": DELETE})
    ledger = tmp_path / "kravliggare.sqlite"
    rb = ["--rulebooks", str(scenario_rulebooks(tmp_path / "rulebooks"))]
    reg = run_cli("demands", "register", str(sub), *rb, "--ledger", str(ledger), "--as-of",
                  "2024-03-15")
    assert reg.returncode == 0, reg.stderr.decode()
    listing = run_cli("demands", "list", "--ledger", str(ledger), "--as-of", "2024-06-01",
                      "--format", "json")
    demands = {d["rule_id"]: d for d in json.loads(listing.stdout)["demands"]}
    # due 2024-03-15 + 60 days = 2024-05-14; 18 days late on 2024-06-01 = 3 begun weeks × 5 000 kr
    assert demands["JHV-BEM-03"]["kind"] == "handlingsplan"
    assert demands["JHV-BEM-03"]["vite_kr"] == 15000
    assert demands["JHV-BEM-04"]["kind"] == "brist"
    assert demands["JHV-BEM-04"]["vite_kr"] == 0


def test_explain_names_the_plan_it_belongs_to():
    out = " ".join(run_cli("explain", "JHV-BEM-04").stdout.decode().split())
    assert "Ingen egen handlingsplan: planen är den som krävs för JHV-BEM-03" in out


@pytest.mark.repeat(3)
def test_a_plan_for_rule_never_escalates_on_its_own(tmp_path):
    # One brist, one plan, one vite (issue 11): BEM-04 asks for BEM-03's plan; a year later
    # both still fall short, and only BEM-03 gets a proposal; a föreläggande for BEM-04 is refused.
    from .test_ledger_helpers import HSA, SUB_2024, scenario_rulebooks

    import yaml

    from .support import with_changes, write_yaml

    sub = variant(tmp_path, {"bemanning.handlingsplaner": DELETE})
    data_2024 = yaml.safe_load(SUB_2024.read_text(encoding="utf-8"))
    sub_2024 = write_yaml(tmp_path / "2024.yaml",
                          with_changes(data_2024, {"bemanning.handlingsplaner": DELETE}))
    rb = ["--rulebooks", str(scenario_rulebooks(tmp_path / "rulebooks"))]
    led = ["--ledger", str(tmp_path / "kravliggare.sqlite")]
    for path, day in ((sub, "2024-03-15"), (sub_2024, "2025-03-14")):
        proc = run_cli("demands", "register", str(path), *rb, *led, "--as-of", day)
        assert proc.returncode == 0, proc.stderr.decode()
    listing = run_cli("demands", "list", *led, "--as-of", "2025-03-14", "--format", "json")
    demands = {d["rule_id"]: d for d in json.loads(listing.stdout)["demands"]}
    assert demands["JHV-BEM-03"]["proposals"]
    assert demands["JHV-BEM-04"]["proposals"] == [] and demands["JHV-BEM-04"]["plan_for"] == "JHV-BEM-03"
    proc = run_cli("demands", "forelaggande", HSA, "JHV-BEM-04", "--date", "2025-03-20",
                   "--diarienummer", "RS/1/25", *led)
    assert proc.returncode == 2 and "en brist, en plan, ett vite" in proc.stderr.decode()
