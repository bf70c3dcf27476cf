"""Every rule of the 2023 rulebook, made to pass and made to fail (or fall short) by a change
to the shared example, as a handläggare would check it by hand."""

import pytest

from engine.evaluate.evaluation import check, load_submission

from .support import DELETE, variant

# (rule, changes to the example, expected outcome). The example itself is the base.
PREVIOUS = "previous year"  # changes to the example written as the same unit's year before
CASES = [
    ("JHV-INL-01", {"inlamnad": "2024-02-29"}, "pass"),  # on the last day
    ("JHV-INL-01", {"inlamnad": "2024-03-01"}, "fail"),
    ("JHV-INL-01", {"inlamnad": DELETE}, "missing"),
    ("JHV-VER-01", {"verksamhet.jour_och_beredskap": "ja"}, "pass"),
    ("JHV-VER-01", {"verksamhet.jour_och_beredskap": "nej"}, "fail"),
    ("JHV-VER-02", {"verksamhet.sabo_riktlinje": "helt"}, "pass"),
    ("JHV-VER-02", {"verksamhet.sabo_riktlinje": "nej"}, "fail"),
    ("JHV-VER-02", {"enhet.tillaggsuppdrag": ["familjecentral"]}, "not_applicable"),
    ("JHV-VER-03", {"verksamhet.sabo_riktlinje": "delvis"}, "pass"),
    ("JHV-VER-03", {"verksamhet.sabo_riktlinje_orsak_atgard": DELETE}, "fail"),
    ("JHV-VER-03", {"verksamhet.sabo_riktlinje": "helt",
                    "verksamhet.sabo_riktlinje_orsak_atgard": DELETE}, "not_applicable"),
    ("JHV-BEM-01", {}, "pass"),
    # 2.5 of (7.0 - 2.0) is exactly 50 %: "mer än 50 %" is strictly greater
    ("JHV-BEM-01", {"bemanning.lakare_arsarbetare.specialister_allmanmedicin": 2.5}, "fail"),
    ("JHV-BEM-01", {"bemanning.lakare_arsarbetare.specialister_allmanmedicin": 2.51}, "pass"),
    ("JHV-BEM-01", {"bemanning.lakare_arsarbetare.at_bt_st": DELETE}, "missing"),
    # all doctors in training: the denominator is 0, nothing can be computed
    ("JHV-BEM-01", {"bemanning.lakare_arsarbetare.at_bt_st": 7.0,
                    "bemanning.lakare_arsarbetare.specialister_allmanmedicin": 0}, "missing"),
    ("JHV-BEM-02", {"bemanning.lakare_arsarbetare.specialister_allmanmedicin": 2.0,
                    "bemanning.handlingsplaner.specialister_allmanmedicin": "Rekrytering pågår."}, "pass"),
    ("JHV-BEM-02", {"bemanning.lakare_arsarbetare.specialister_allmanmedicin": 2.0}, "fail"),
    ("JHV-BEM-02", {}, "not_applicable"),
    ("JHV-BEM-03", {"bemanning.sjukskoterskor_arsarbetare.distriktsskoterskor": 5.0}, "fail"),
    ("JHV-BEM-03", {"bemanning.sjukskoterskor_arsarbetare.distriktsskoterskor": 5.1}, "pass"),
    ("JHV-BEM-03", {"bemanning.sjukskoterskor_arsarbetare": DELETE}, "missing"),
    ("JHV-BEM-04", {}, "pass"),
    ("JHV-BEM-04", {"bemanning.handlingsplaner": DELETE}, "fail"),
    ("JHV-BEM-04", {"bemanning.handlingsplaner.distriktsskoterskor": "   "}, "fail"),
    ("JHV-BEM-04", {"bemanning.sjukskoterskor_arsarbetare.distriktsskoterskor": 6.0}, "not_applicable"),
    ("JHV-BEM-05", {"bemanning.basala_funktioner": "ja"}, "pass"),
    ("JHV-BEM-05", {"bemanning.basala_funktioner": "nej"}, "fail"),
    ("JHV-BEM-06", {"bemanning.basala_funktioner": "nej",
                    "bemanning.handlingsplaner.basala_funktioner": "Köper tjänst av grannenheten."}, "pass"),
    ("JHV-BEM-06", {"bemanning.basala_funktioner": "nej"}, "fail"),
    ("JHV-KVA-01", {}, "pass"),
    ("JHV-KVA-01", {"kvalitet.rehabkoordinator.finns": "nej"}, "fail"),
    ("JHV-KVA-02", {}, "pass"),
    ("JHV-KVA-02", {"kvalitet.psykosocial_verksamhet": "delvis"}, "partial"),
    ("JHV-KVA-02", {"kvalitet.psykosocial_verksamhet": "nej"}, "fail"),
    ("JHV-KVA-03", {}, "pass"),
    ("JHV-KVA-03", {"kvalitet.patientsakerhet.ivo_anmalan": "nej"}, "partial"),
    ("JHV-KVA-03", {"kvalitet.patientsakerhet": {"avvikelserapportering": "nej", "ivo_anmalan": "nej",
                                                 "ledningssystem": "nej", "klagomalshantering": "nej"}},
     "fail"),
    ("JHV-KVA-03", {"kvalitet.patientsakerhet.ledningssystem": DELETE}, "missing"),
    ("JHV-KVA-04", {}, "pass"),
    ("JHV-KVA-04", {"kvalitet.medrave": "nej"}, "fail"),
    ("JHV-MAL-01", {"kvalitet.di03l1_procent": 65}, "pass"),  # "≥ 65 procent"
    ("JHV-MAL-01", {"kvalitet.di03l1_procent": "64,9"}, "fail"),
    ("JHV-MAL-02", {"kvalitet.hba1c_over_70_procent": 9.9}, "pass"),
    ("JHV-MAL-02", {"kvalitet.hba1c_over_70_procent": 10}, "fail"),  # "<10%"
    ("JHV-MAL-03", {"kvalitet.tillganglighet_0an_procent": 100}, "pass"),
    ("JHV-MAL-03", {"kvalitet.tillganglighet_0an_procent": "99,5 %"}, "fail"),
    ("JHV-MAL-04", {"kvalitet.tillganglighet_3an_procent": 100}, "pass"),
    ("JHV-MAL-04", {}, "fail"),
    ("JHV-MAL-05", {"kvalitet.fast_lakarkontakt": "helt"}, "pass"),
    ("JHV-MAL-05", {"kvalitet.fast_lakarkontakt": "nej"}, "fail"),
    ("JHV-MAL-06", {}, "pass"),
    ("JHV-MAL-06", {"kvalitet.fast_vardkontakt": "delvis"}, "partial"),
    ("JHV-SAB-01", {"sabo.erbjudna_lakarundersokning_inom_6_veckor": 19}, "pass"),
    ("JHV-SAB-01", {}, "fail"),
    ("JHV-SAB-01", {"sabo": DELETE}, "missing"),  # has the uppdrag but reports nothing
    ("JHV-SAB-02", {"sabo.boende_med_arlig_lakemedelsgenomgang_procent": 100}, "pass"),
    ("JHV-SAB-02", {}, "fail"),
    ("JHV-SAB-02", {"enhet.tillaggsuppdrag": [], "sabo": DELETE}, "not_applicable"),
    ("JHV-INF-01", {}, "pass"),
    ("JHV-INF-01", {"informationssakerhet.redogorelse_skadlig_kod_och_phishing": "nej"}, "fail"),
    ("JHV-INF-01", {"enhet.regi": "regiondriven"}, "not_applicable"),
    ("JHV-INF-02", {}, "pass"),
    ("JHV-INF-02", {"informationssakerhet.lokal_registerkoordinator": "nej"}, "fail"),
    ("JHV-INF-03", {"informationssakerhet.reservrutiner_kritiska_it_stod": "ja"}, "pass"),
    ("JHV-INF-03", {}, "fail"),
    ("JHV-INF-04", {"informationssakerhet.e_utbildning_genomford_procent": 100}, "pass"),
    ("JHV-INF-04", {}, "partial"),
    ("JHV-INF-04", {"informationssakerhet.e_utbildning_genomford_procent": 0}, "fail"),
    ("JHV-INF-05", {}, "pass"),
    ("JHV-INF-05", {"informationssakerhet.kontaktperson_sakerhet": "nej"}, "fail"),
    ("JHV-INF-06", {}, "pass"),
    ("JHV-INF-06", {"informationssakerhet.redovisat_i_patientsakerhetsberattelsen": "nej"}, "fail"),
    ("JHV-INF-07", {}, "pass"),
    ("JHV-INF-07", {"informationssakerhet.behorighetsrutiner_dokumenterade": "nej"}, "fail"),
    ("JHV-INF-07", {"informationssakerhet": DELETE}, "missing"),
    # rules for the 2023 form's questions that had none (seed 004 l.469–536, 642–699, 1304–1314)
    # 2.3.6/2.3.7 compare with the unit's own årsbokslut the year before (PREVIOUS: its changes;
    # without one the value is missing): a value the unit states itself does not count
    ("JHV-MAL-07", {PREVIOUS: {"bemanning.ko05l": 0.3}, "bemanning.ko05l": 0.4}, "pass"),
    ("JHV-MAL-07", {PREVIOUS: {"bemanning.ko05l": 0.35}, "bemanning.ko05l": 0.32}, "fail"),
    ("JHV-MAL-07", {"bemanning.ko05l_foregaende_ar": 0.3, "bemanning.ko05l": 0.4}, "missing"),
    ("JHV-MAL-08", {PREVIOUS: {"bemanning.ko05s": 0.3}, "bemanning.ko05s": 0.4}, "pass"),
    ("JHV-MAL-08", {}, "missing"),
    ("JHV-KVA-05", {"kvalitet.patientenkat": "besvarad", "kvalitet.patientenkat_handlingsplan": "x"}, "pass"),
    ("JHV-KVA-05", {"kvalitet.patientenkat": "besvarad"}, "fail"),
    ("JHV-KVA-06", {"kvalitet.lakemedelsgenomgang.arlig_sakerstalld": "helt"}, "pass"),
    ("JHV-KVA-06", {"kvalitet.lakemedelsgenomgang.arlig_sakerstalld": "delvis"}, "partial"),
    ("JHV-KVA-07", {"kvalitet.lakemedelsgenomgang.verksamhetsansvar_foljs_upp": "ja"}, "pass"),
    ("JHV-KVA-07", {}, "missing"),
    ("JHV-EKO-01", {}, "pass"),
    ("JHV-EKO-01", {"ekonomi": DELETE}, "missing"),
    ("JHV-EKO-02", {"ekonomi.resultat": "balans"}, "pass"),
    ("JHV-EKO-02", {}, "partial"),
    ("JHV-LIS-01", {}, "pass"),
    ("JHV-LIS-01", {"listning.nekade_listningar_i_strid_med_reglerna": 2}, "fail"),
]


@pytest.mark.parametrize("rule_id,changes,expected", CASES,
                         ids=[f"{r}-{e}-{i}" for i, (r, _, e) in enumerate(CASES)])
def test_rule_outcome(books, tmp_path, rule_id, changes, expected):
    changes = dict(changes)
    folder = tmp_path / "enhet"  # the year before is looked for beside the file, and only there
    folder.mkdir()
    if PREVIOUS in changes:
        before = {"period": 2022, "inlamnad": "2023-02-20", **changes.pop(PREVIOUS)}
        variant(folder, before, name="foregaende-ar.yaml")
    result = check(load_submission(str(variant(folder, changes))), books)
    finding = next(f for f in result.findings if f.rule_id == rule_id)
    assert finding.outcome == expected, finding.explanation


def test_every_rule_has_a_passing_and_a_failing_case(books):
    rules = {r.id for b in books if b.model.id == "jamtland-halsoval-2023" for r in b.model.rules}
    passing = {r for r, _, e in CASES if e == "pass"}
    failing = {r for r, _, e in CASES if e in ("fail", "partial", "missing")}
    assert rules - passing == set()
    assert rules - failing == set()


@pytest.fixture(scope="module")
def decided_books(tmp_path_factory):
    """Jämtland's rulebooks after the region decided the last day for the årsbokslut (its
    Parameter.beslut); the shipped rulebooks only assume it."""
    from engine.model.library import load_library

    from .support import copy_region
    from .test_ledger_helpers import with_region_decisions

    folder = copy_region(tmp_path_factory.mktemp("beslut") / "jamtland")
    path = folder / "halsoval-2023.yaml"
    path.write_text(with_region_decisions(path.read_text(encoding="utf-8")), encoding="utf-8")
    return load_library(folder)


def test_late_submission_accrues_forseningsvite_by_begun_weeks(decided_books, tmp_path):
    # deadline 2024-02-29 (the region's decision); submitted 2024-03-16 = 16 days late = 3
    # begun weeks × 5 000 kr (003 l.863–868)
    result = check(load_submission(str(variant(tmp_path, {"inlamnad": "2024-03-16"}))),
                   decided_books)
    f = next(f for f in result.findings if f.rule_id == "JHV-INL-01")
    (a,) = f.consequence["accrued"]
    assert (a["sanction"], a["days_late"], a["weeks"], a["amount_kr"]) == (
        "forseningsvite", 16, 3, 15000)
    assert a["basis"] == "beslut"


def test_late_submission_without_a_decided_last_day_accrues_nothing(books, tmp_path):
    # the shipped rulebook only assumes 2024-02-29 (issue 20, item 1): a proposal, no kronor
    result = check(load_submission(str(variant(tmp_path, {"inlamnad": "2024-03-16"}))), books)
    f = next(f for f in result.findings if f.rule_id == "JHV-INL-01")
    assert f.outcome == "fail" and f.consequence["accrued"] == []
    assert "inget förseningsvite förrän regionen beslutat sista dag" in f.consequence["text"]


def test_forseningsvite_is_capped_at_50000(decided_books, tmp_path):
    # 200 days late would be 29 weeks × 5 000 = 145 000 kr without the cap
    result = check(load_submission(str(variant(tmp_path, {"inlamnad": "2024-09-16"}))),
                   decided_books)
    f = next(f for f in result.findings if f.rule_id == "JHV-INL-01")
    assert f.consequence["accrued"][0]["amount_kr"] == 50000


def test_missing_krav_data_is_a_shortfall_not_a_pass(books, tmp_path):
    result = check(load_submission(str(variant(tmp_path, {"bemanning": DELETE}))), books)
    missing = {f.rule_id for f in result.findings if f.outcome == "missing"}
    assert {"JHV-BEM-01", "JHV-BEM-03", "JHV-BEM-05"} <= missing
    assert result.verdict == "fail"


def test_riktlinje_and_malniva_carry_no_sanction(books):
    for book in books:
        for rule in book.model.rules:
            if rule.kind != "krav" and rule.consequence:
                assert rule.consequence.sanctions == []
