"""The committed county corpus for 2021 and 2022 (submissions/jamtland/2021, …/2022) against
seed 004's comparisons of 2023 with 2022 ("jämfört med 2022").

Every figure is typed in from seed 004 (line numbers there), not read from the generator.
Region-level percentages are the unweighted mean of the unit values (as test_county_corpus.py).
A user checks: the same 28 units in each year, and each published change between 2022 and 2023
holds in the corpus.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

import pytest

from engine.evaluate.evaluation import load_submission

from .support import ROOT

CORPUS = ROOT / "submissions" / "jamtland"


def _load(year):
    return {u.enhet.hsa_id: u for u in (load_submission(str(p)).model
                                        for p in sorted((CORPUS / str(year)).glob("*.yaml")))}


@pytest.fixture(scope="module")
def years():
    return {y: _load(y) for y in (2021, 2022, 2023)}


def values(units: dict, path: str) -> list:
    out = []
    for hsa in sorted(units):
        obj = units[hsa]
        for part in path.split("."):
            obj = getattr(obj, part) if obj is not None else None
        out.append(obj)
    return out


def mean(units, path):
    return statistics.fmean(values(units, path))


def test_the_same_28_units_every_year_with_the_years_form(years):
    ids = set(years[2023])
    assert len(ids) == 28
    for year, units in years.items():
        assert set(units) == ids
        assert {u.period for u in units.values()} == {year}
        assert {u.formular for u in units.values()} == {f"arsbokslut-{year}"}
        assert {hsa: u.enhet.namn for hsa, u in units.items()} == {
            hsa: u.enhet.namn for hsa, u in years[2023].items()}


def test_listade_grew_by_997_and_the_extern_share_by_one_point(years):
    # "Antal listade … har ökat med 997 jmf med året innan" (l.90)
    assert sum(values(years[2023], "forutsattningar.antal_listade")) - sum(
        values(years[2022], "forutsattningar.antal_listade")) == 997
    # "ökat med 1 procentenhet jmf med 2022, till 17,5%" (l.9–11); 2021: "16,5%" (l.104)
    for year, share in ((2022, 16.5), (2021, 16.5), (2023, 17.5)):
        units = years[year].values()
        ext = sum(u.forutsattningar.antal_listade for u in units if u.enhet.regi == "extern")
        total = sum(u.forutsattningar.antal_listade for u in units)
        assert round(ext / total * 100, 1) == share, year


def test_listade_grew_every_year(years):
    # "En ökning för tionde året i rad" (l.90)
    sums = [sum(values(years[y], "forutsattningar.antal_listade")) for y in (2021, 2022, 2023)]
    assert sums == sorted(sums) and len(set(sums)) == 3


def test_production_rose_as_published(years):
    kontakter = {y: sum(values(years[y], "verksamhet.vardkontakter")) for y in (2022, 2023)}
    assert kontakter[2023] - kontakter[2022] == 38_572  # "38 572 (7%) fler kontakter" (l.211)
    assert round((kontakter[2023] / kontakter[2022] - 1) * 100) == 7
    patienter = {y: sum(values(years[y], "verksamhet.patienter")) for y in (2022, 2023)}
    assert patienter[2023] - patienter[2022] == 161  # "161 (0,1%) fler patienter" (l.211)
    hembesok = {y: sum(values(years[y], "verksamhet.hembesok")) for y in (2022, 2023)}
    assert hembesok[2023] - hembesok[2022] == 2_064  # "med 2064 besök (14%)" (l.266)
    assert round((hembesok[2023] / hembesok[2022] - 1) * 100) == 14


def test_telephone_all_day_12_units_in_2022(years):
    # "21 av 28 … hela dagen … En klar förbättring jmf med 2022 då motsvarande siffra var 12" (l.347–349)
    assert sum(h >= 7 for h in values(years[2022], "verksamhet.telefon.timmar_per_dag")) == 12
    assert sum(h >= 7 for h in values(years[2023], "verksamhet.telefon.timmar_per_dag")) == 21


@pytest.mark.parametrize("path,change,places,line", [
    # "en förbättring med tre procentenheter jämfört med 2022" (l.783; l.41 "ökat med 3 procentenheter")
    ("kvalitet.tillganglighet_0an_procent", 3, 0, "l.783"),
    # "I länet är det en minskning med 1,5 procentenhet jmf med 2022" (l.818)
    ("kvalitet.tillganglighet_3an_procent", -1.5, 1, "l.818"),
    # "En förbättring på 0,6 procentenheter jmf med 2022" (l.960): HbA1c > 70 fell
    ("kvalitet.hba1c_over_70_procent", -0.6, 1, "l.960"),
    # "35,1% jmf med 34% 2022" (l.988)
    ("kvalitet.dep04_procent", 35.1 - 34, 1, "l.988"),
    # "34,1% jmf med 32,1% 2022" (l.1014)
    ("kvalitet.an04_procent", 34.1 - 32.1, 1, "l.1014"),
    # "Totalt i länet är täckningsgraden oförändrad jmf med 2022" (l.457)
    ("bemanning.tackningsgrad_procent", 0, 0, "l.457"),
    # "Kontinuiteten för läkare … sjunkit med motsvarande 3 procentenheter jmf med 2022" (l.493)
    ("bemanning.ko05l", -0.03, 2, "l.493"),
    # "Kontinuiteten för sjuksköterska … sjunkit med motsvarande 5 procentenheter" (l.534)
    ("bemanning.ko05s", -0.05, 2, "l.534"),
])
def test_change_from_2022_to_2023(years, path, change, places, line):
    assert round(mean(years[2023], path) - mean(years[2022], path), places) == round(change, places), line


def test_di03l1_rose_by_nearly_4_points_from_the_published_2022_range(years):
    # "Det är en ökning med närmare 4 procentenheter från 2022 … då variationen var 45,3- 74%" (l.929–931)
    rise = mean(years[2023], "kvalitet.di03l1_procent") - mean(years[2022], "kvalitet.di03l1_procent")
    assert 3.5 <= rise < 4
    xs = values(years[2022], "kvalitet.di03l1_procent")
    assert min(xs) == 45.3 and max(xs) == 74.0


def test_cni_without_large_changes(years):
    # "inga större skillnader jmf med 2022" (l.11–13, l.136)
    assert abs(mean(years[2023], "forutsattningar.cni") - mean(years[2022], "forutsattningar.cni")) < 0.02


@pytest.mark.parametrize("field", ["bemanning.ko05l", "bemanning.ko05s"])
def test_each_year_is_the_value_the_next_year_gave_as_the_year_before(years, field):
    # 2.3.6/2.3.7: the unit's own value the year before (…_foregaende_ar) is its submitted value
    for year in (2021, 2022):
        assert values(years[year], field) == values(years[year + 1], field + "_foregaende_ar")


def test_the_committed_years_are_the_generators_output(tmp_path):
    for year in (2021, 2022):
        out = tmp_path / str(year)
        run = subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_corpus.py"),
                              "--year", str(year), "--out", str(out)], capture_output=True, cwd=ROOT)
        assert run.returncode == 0, run.stderr.decode()
        committed = CORPUS / str(year)
        assert sorted(p.name for p in out.glob("*.yaml")) == sorted(p.name for p in committed.glob("*.yaml"))
        for p in out.glob("*.yaml"):
            assert p.read_bytes() == (committed / p.name).read_bytes(), p.name
