"""Helpers for the ledger tests: the rulebooks and submissions of the scenario across years.

There is no rulebook for 2024 or 2025 yet: the tests derive them from the 2023 rulebook (same
rules and ids, period, form and last submission day moved a year on), so that the scenario
follows the shared example's unit through three years.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from engine.evaluate.evaluation import check, load_submission
from engine.followup import demands
from engine.followup.ledger import Ledger
from engine.model.library import load_library

from .support import (
    rulebook_text,
    DELETE,
    EXAMPLE,
    ROOT,
    RULEBOOKS,
    example_data,
    run_cli,
    with_changes,
    write_yaml,
)

DATA = ROOT / "tests" / "data"
HSA = "SE2321000207-E00000000042"
SUB_2024 = DATA / "exempelbyn-2024.yaml"
SUB_2025 = DATA / "exempelbyn-2025.yaml"


def with_decided_infosak(text: str) -> str:
    """The 2023 rulebook as if the decided förfrågningsunderlag (ärende RS/60/2021) had made the
    informationssäkerhet proposals krav: in the real rulebook they are dialogue points (seed 003
    l.769–817), so a scenario that follows a krav of theirs up the ladder names a decided text."""
    import re

    text = text.replace("documents:\n", "documents:\n  fu_2022:\n    title: Förfrågningsunderlag 2022 "
                        "(antagen beslutad text, bara för testerna)\n", 1)
    start, end = text.index("  - id: JHV-INF-01"), text.index("  # --- Listning")
    block = text[start:end].replace("    kind: forslag\n", "    kind: krav\n")
    block = re.sub(r"(    check:\n(?:      .*\n)+)", r"\1    consequence:\n"
                   r"      handlingsplan_days: {param: handlingsplan_dagar}\n"
                   r"      sanctions: [vite_brist]\n    decided:\n      document: fu_2022\n"
                   r"      section: Informationssäkerhet\n      quote: Leverantören ska uppfylla kravet.\n",
                   block)
    return text[:start] + block + text[end:]


# The region's decisions the scenario's ledger computes money and rights from (design.md: no
# krona and no right without decided text or a decision the region has recorded). The shipped
# rulebooks only assume these values (förslag); tests of the proposals use those.
REGION_DECISIONS = {"handlingsplan_dagar": "RS/2023/101", "rattelse_dagar": "RS/2023/102",
                    "sista_inlamningsdag": "RS/2023/103"}


def with_region_decisions(text: str) -> str:
    """The rulebook as if the region had decided its times and last day (Parameter.beslut)."""
    for name, dnr in REGION_DECISIONS.items():
        start = text.index(f"  {name}:\n")
        unit = text.index("    unit: ", start)
        end = text.index("\n", unit) + 1
        text = (text[:end] + f"    beslut: {{datum: 2023-01-15, diarienummer: {dnr}, "
                f"beslutat_av: Hälsovalsenheten}}\n" + text[end:])
    return text


def derived_rulebook_text(year: int) -> str:
    text = with_region_decisions(with_decided_infosak(
        rulebook_text(RULEBOOKS / "jamtland" / "halsoval-2023.yaml")))
    last_feb = dt.date(year + 1, 3, 1) - dt.timedelta(days=1)
    swaps = [
        ("id: jamtland-halsoval-2023", f"id: jamtland-halsoval-{year}"),
        ("title: Förfrågningsunderlag Hälsoval Region Jämtland Härjedalen 2023",
         f"title: Förfrågningsunderlag Hälsoval Region Jämtland Härjedalen {year} (test)"),
        ('version: "2023.1"', f'version: "{year}.1"'),
        ("valid_from: 2023-01-01", f"valid_from: {year}-01-01"),
        ("valid_to: 2023-12-31", f"valid_to: {year}-12-31"),
        ("forms: [arsbokslut-2023]", f"forms: [arsbokslut-{year}]"),
        ("title: Sista dag att lämna årsbokslutet för 2023", f"title: Sista dag att lämna årsbokslutet för {year}"),
        ("value: 2024-02-29", f"value: {last_feb.isoformat()}"),
    ]
    for old, new in swaps:
        assert old in text, old
        text = text.replace(old, new)
    return text


def scenario_rulebooks(folder: Path) -> Path:
    """A rulebook folder with the real 2023 rulebook and test copies for 2024 and 2025."""
    region = folder / "jamtland"
    region.mkdir(parents=True, exist_ok=True)
    (region / "halsoval-2023.yaml").write_text(with_region_decisions(with_decided_infosak(
        rulebook_text(RULEBOOKS / "jamtland" / "halsoval-2023.yaml"))), encoding="utf-8")
    for year in (2024, 2025):
        (region / f"halsoval-{year}.yaml").write_text(derived_rulebook_text(year), encoding="utf-8")
    return folder


def submission_2023_without_plan(folder: Path) -> Path:
    """The shared example, except that it states no handlingsplan for distriktssköterskor: the
    beställarenhet then demands one by a due date."""
    data = with_changes(example_data(), {"bemanning.handlingsplaner": DELETE})
    return write_yaml(folder / "exempelbyn-2023.yaml", data)


def cli_json(*args: str, cwd: Path = ROOT) -> dict | list:
    proc = run_cli(*args, "--format", "json", cwd=cwd)
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout)


__all__ = ["EXAMPLE", "HSA", "SUB_2024", "SUB_2025", "cli_json", "scenario_rulebooks",
           "submission_2023_without_plan", "derived_rulebook_text"]


# Fixtures and a helper shared by the ledger tests (import them into the test module).
@pytest.fixture(scope="module")
def scenario_books(tmp_path_factory):
    """The 2023 rulebook and its 2024 and 2025 copies, loaded once per test module."""
    return load_library(scenario_rulebooks(tmp_path_factory.mktemp("rulebooks")))


@pytest.fixture
def ledger(tmp_path):
    with Ledger(tmp_path / "kravliggare.sqlite") as led:
        yield led


def register(ledger, books, path, decided):
    return demands.register(ledger, check(load_submission(str(path)), books), decided)
