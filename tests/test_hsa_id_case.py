"""An HSA-id typed with its suffix in lower case is the same unit as in capitals."""

from __future__ import annotations

import json

from .support import EXAMPLE, run_cli, variant

UPPER = "SE2321000207-E00000000042"  # the shared example's unit


def test_lower_case_suffix_is_read_as_the_issued_capitals(tmp_path):
    lower = variant(tmp_path, {"enhet.hsa_id": "SE2321000207-e00000000042"})
    out = run_cli("check", str(lower), "--format", "json")
    assert out.returncode in (0, 1), out.stderr.decode()
    assert json.loads(out.stdout)["submission"]["unit"]["hsa_id"] == UPPER


def test_one_unit_in_the_kravliggare_whichever_case_was_typed(tmp_path):
    ledger = tmp_path / "krav.db"
    lower = variant(tmp_path, {"enhet.hsa_id": "SE2321000207-e00000000042"})
    for path in (EXAMPLE, lower):
        done = run_cli("demands", "register", str(path), "--ledger", str(ledger), "--as-of", "2024-03-15")
        assert done.returncode in (0, 1), done.stderr.decode()
    listed = run_cli("demands", "list", "SE2321000207-e00000000042", "--ledger", str(ledger),
                     "--as-of", "2024-03-15", "--format", "json")
    assert listed.returncode in (0, 1), listed.stderr.decode()
    units = {d["hsa_id"] for d in json.loads(listed.stdout)["demands"]}
    assert units == {UPPER}
