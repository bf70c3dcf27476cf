"""`kravkoll trend --ledger FIL`: the years read from the kravliggare's history, the årsbokslut
that stands per unit and year, and never a file that changed after it was registered."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from .support import ROOT, run_cli

CORPUS = ROOT / "submissions" / "jamtland"
UNITS = ("akermo.yaml", "alvasen.yaml", "bergbodarna.yaml")


def _years(tmp_path: Path) -> dict[int, Path]:
    """Three units' 2022 and 2023 files, each year in its own folder."""
    folders = {}
    for year in (2022, 2023):
        folder = tmp_path / f"ar-{year}"
        folder.mkdir()
        for name in UNITS:
            shutil.copy(CORPUS / str(year) / name, folder / name)
        folders[year] = folder
    return folders


def _register(ledger: Path, *paths: Path) -> None:
    """Each path registered on a day after every submission in it (2024-03-31)."""
    for path in paths:
        done = run_cli("demands", "register", str(path), "--ledger", str(ledger),
                       "--as-of", "2024-03-31")
        assert done.returncode in (0, 1), done.stderr.decode()


def _trend(*args: str) -> tuple[int, dict | str]:
    run = run_cli("trend", *args, "--format", "json")
    if run.returncode != 0:
        return run.returncode, run.stderr.decode()
    data = json.loads(run.stdout)
    data.pop("sources")  # names the inputs: the folders, or the ledger
    return 0, data


def test_the_ledger_gives_the_same_trend_as_the_folders_it_registered(tmp_path):
    years = _years(tmp_path)
    ledger = tmp_path / "krav.db"
    _register(ledger, years[2022], years[2023])
    code, from_ledger = _trend("--ledger", str(ledger))
    assert code == 0, from_ledger
    assert from_ledger == _trend(str(years[2022]), str(years[2023]))[1]
    assert from_ledger["years"] == [2022, 2023]


def test_a_corrected_resubmission_stands_over_the_original(tmp_path):
    years = _years(tmp_path)
    ledger = tmp_path / "krav.db"
    _register(ledger, years[2022], years[2023])
    original = years[2023] / "akermo.yaml"
    text = original.read_text(encoding="utf-8")
    assert "inlamnad: 2024-02-03" in text and "ko05l: 0.33" in text
    corrected = tmp_path / "rattelse" / "akermo-2023.yaml"
    corrected.parent.mkdir()
    corrected.write_text(text.replace("inlamnad: 2024-02-03", "inlamnad: 2024-02-20")
                         .replace("ko05l: 0.33", "ko05l: 0.45"), encoding="utf-8")
    _register(ledger, corrected)
    code, data = _trend("--ledger", str(ledger))
    assert code == 0, data
    hsa = yaml.safe_load(text)["enhet"]["hsa_id"]
    unit = next(u for u in data["units"] if u["hsa_id"] == hsa)
    steps = {s["year"]: s["value"] for s in unit["baseline"]["bemanning.ko05l"]["steps"]}
    assert steps[2023] == 0.45


def test_a_file_changed_since_it_was_registered_is_refused(tmp_path):
    years = _years(tmp_path)
    ledger = tmp_path / "krav.db"
    _register(ledger, years[2022], years[2023])
    changed = years[2023] / "alvasen.yaml"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n# ändrad efteråt\n", encoding="utf-8")
    code, err = _trend("--ledger", str(ledger))
    assert code == 2
    assert "alvasen.yaml" in err and "har ändrats" in err and "Traceback" not in err


def test_a_file_gone_since_it_was_registered_is_refused(tmp_path):
    years = _years(tmp_path)
    ledger = tmp_path / "krav.db"
    _register(ledger, years[2022])
    (years[2022] / "bergbodarna.yaml").unlink()
    code, err = _trend("--ledger", str(ledger))
    assert code == 2 and "bergbodarna.yaml" in err and "finns inte" in err


@pytest.mark.parametrize("args", [(), ("{dir}", "--ledger", "{db}")], ids=["ingen", "båda"])
def test_folders_or_the_ledger_not_both_nor_neither(tmp_path, args):
    ledger = tmp_path / "krav.db"
    _register(ledger, _years(tmp_path)[2022])
    filled = [a.format(dir=tmp_path / "ar-2022", db=ledger) for a in args]
    code, err = _trend(*filled)
    assert code == 2 and "--ledger" in err and "Traceback" not in err


def test_a_ledger_that_does_not_exist(tmp_path):
    code, err = _trend("--ledger", str(tmp_path / "saknas.db"))
    assert code == 2 and "kravliggaren finns inte" in err
