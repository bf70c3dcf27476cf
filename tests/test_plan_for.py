"""A krav that only asks the årsbokslut to state another krav's handlingsplan (plan_for) is
followed up with that plan: it demands no plan of its own and accrues no förseningsvite."""

import json

import pytest

from .support import DELETE, run_cli, variant


@pytest.mark.repeat(3)
def test_one_brist_one_plan_one_forseningsvite(tmp_path):
    # The example without its stated plan for distriktssköterskor: BEM-03 and BEM-04 both fall short.
    sub = variant(tmp_path, {"bemanning.handlingsplaner": DELETE})
    ledger = tmp_path / "kravliggare.sqlite"
    reg = run_cli("demands", "register", str(sub), "--ledger", str(ledger), "--as-of", "2024-03-15")
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
