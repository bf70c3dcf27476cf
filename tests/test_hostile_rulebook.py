"""Hostile rulebooks: very large ones, ill-typed ones, and region names that only look alike.

1. Size: durable_rules hangs for ever on a ruleset where more than 512 distinct tests hang from
   one node; every compiled rule starts with its rule id, so a rulebook of ~520 rules used to
   hang every check. A user checks that a 1 000-rule rulebook is checked in seconds.
2. Types: a rule that compares a date with a number, answers on a number field, counts days
   with a date, or holds a non-finite or negative amount is refused when the rulebook is read
   (exit 2, file, line, rule id and field) and `kravkoll lint` reports it as an error.
3. Names: a region, vårdval or form written with decomposed ä, a no-break or zero-width space,
   or other letter case is the same name.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from .support import EXAMPLE, ROOT, RULEBOOKS, run_cli

JAMTLAND = RULEBOOKS / "jamtland"
BOOK_2023 = "halsoval-2023.yaml"


def copy_folder(tmp_path: Path) -> Path:
    target = tmp_path / "regelbocker"
    shutil.copytree(JAMTLAND, target)
    return target


# --- 1. Size ------------------------------------------------------------------------------------


def repeated_id(ids: list[str], i: int) -> str:
    """The id of the i-th rule of a repeated rulebook: the originals first, then copies."""
    return ids[i] if i < len(ids) else f"{ids[i % len(ids)]}-Z{i}"


def many_rules(folder: Path, n: int) -> Path:
    """The 2023 rulebook with its rules repeated under new ids until there are n (the copies'
    plan_for still names an original, which stays)."""
    path = folder / BOOK_2023
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    base = data["rules"]
    ids = [r["id"] for r in base]
    data["rules"] = [dict(copy.deepcopy(base[i % len(base)]), id=repeated_id(ids, i))
                     for i in range(n)]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("n", [600, 1000])
def test_a_rulebook_of_many_rules_is_checked_in_seconds(tmp_path, n):
    folder = many_rules(copy_folder(tmp_path), n)
    proc = run_cli("check", str(EXAMPLE), "--rulebooks", str(folder.parent), "--format", "json",
                   timeout=120)  # before the fix: no answer at all (100 % CPU for ever)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    findings = json.loads(proc.stdout)["findings"]
    ids = [r["id"] for r in yaml.safe_load((JAMTLAND / BOOK_2023).read_text("utf-8"))["rules"]]
    assert sorted(f["rule_id"] for f in findings) == sorted(repeated_id(ids, i) for i in range(n))


def outcomes(folder: Path) -> dict[str, str]:
    proc = run_cli("check", str(EXAMPLE), "--rulebooks", str(folder), "--format", "json",
                   timeout=120)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return {f["rule_id"]: f["outcome"] for f in json.loads(proc.stdout)["findings"]}


def test_each_repeated_rule_gets_the_outcome_of_its_original(tmp_path):
    """Spreading a rulebook over several rulesets must not change any outcome."""
    original = outcomes(JAMTLAND)
    big = outcomes(many_rules(copy_folder(tmp_path), 700).parent)
    assert len(big) == 700
    for rule_id, outcome in big.items():
        assert outcome == original[re.sub(r"-Z\d+$", "", rule_id)], rule_id


ENGINE_SCRIPT = textwrap.dedent("""
    import sys
    from engine.evaluate.rete import EngineError, TransitionEngine
    shape = sys.argv[1]
    if shape == "root":  # 600 rules, each starting with its own test
        table = {f"r{i}": {"all": [{"m": {"$and": [{"key": f"k{i}"}, {"x": 1}]}}]}
                 for i in range(600)}
    else:  # one rule whose $or lists 600 values
        table = {"r": {"all": [{"m": {"$and": [{"x": 1},
                                               {"$or": [{"key": f"k{i}"} for i in range(600)]}]}}]}}
    try:
        TransitionEngine("stor", table)
    except EngineError as exc:
        print(exc)
        sys.exit(0)
    sys.exit(1)
""")


@pytest.mark.parametrize("shape", ["root", "or"])
def test_a_table_durable_rules_would_hang_on_is_refused(shape):
    """Whatever builds a table (a future compile, the demand lifecycle), the engine says no
    instead of hanging the command."""
    proc = subprocess.run([sys.executable, "-c", ENGINE_SCRIPT, shape], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "för stor regeltabell" in proc.stdout
