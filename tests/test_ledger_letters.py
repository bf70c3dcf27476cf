"""The letter to a unit: Swedish, every brist with its source quote, what the handlingsplan
must answer, the due date and the sanction if late; Markdown and printable HTML; never
overwritten."""

import datetime as dt

import pytest

from engine.evaluate.evaluation import check, load_submission
from engine.followup import demands, letters
from engine.followup.ledger import Ledger
from engine.model.library import load_library

from .support import run_cli
from .test_ledger_helpers import HSA, SUB_2024, scenario_rulebooks, submission_2023_without_plan

D = dt.date


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    return load_library(scenario_rulebooks(tmp_path_factory.mktemp("rulebooks")))


@pytest.fixture
def ledger(tmp_path, books):
    with Ledger(tmp_path / "l.sqlite") as led:
        sub = submission_2023_without_plan(tmp_path)
        demands.register(led, check(load_submission(str(sub)), books), D(2024, 3, 15))
        yield led


def test_the_letter_names_each_brist_with_source_asks_due_date_and_sanction(ledger):
    text = letters.markdown(letters.compose(ledger, HSA, D(2024, 3, 15)))
    assert "# Uppföljning av årsbokslut 2023" in text
    assert "**Till:** Hälsocentralen Exempelbyn" in text
    assert "## 1. Mer än hälften av sjuksköterskorna är distriktssköterskor" in text
    # the source quote, what the plan must answer, the due date and the sanction if late
    assert "> Uppfylls kravet på mer än 50% distriktssköterskor" in text
    assert ("Skicka en handlingsplan till beställarenheten som beskriver hur enheten ska nå mer "
            "än 50 % distriktssköterskor av sjuksköterskorna, och planeringen framåt." in text)
    assert "**Senast:** 14 maj 2024" in text
    assert ("Kommer handlingsplanen in för sent utgår förseningsvite enligt förfrågningsunderlaget, "
            "avsnitt 4.7 Kravuppfyllnad: 5 000 kr per vecka och handling, högst 50 000 kr per "
            "tillfälle och handling (påbörjade veckor räknas)." in text)
    for title in ("Handlingsplan anges när distriktssköterskekravet inte uppfylls",
                  "Reservrutiner finns för kritiska IT-stöd",
                  "Samtliga medarbetare har gått e-utbildningen i informationssäkerhet"):
        assert f". {title}" in text
    assert "## Att ta upp vid dialoguppföljningen" in text
    assert "Blodtryck under 140/85 hos minst 65 % av patienterna med diabetes" in text
    assert "Beräknat per 2024-03-15" in text.split("## Underlag")[1]


def test_a_late_plan_shows_the_vite_with_its_arithmetic(ledger, tmp_path):
    text = letters.markdown(letters.compose(ledger, HSA, D(2024, 6, 1)))
    # 2024-06-01 − 2024-05-14 = 18 days; ⌈18/7⌉ = 3 weeks × 5 000 kr = 15 000 kr
    # the krav demanded in one decision share one handlingsplan: one handling (003 l.866–867)
    assert ("handlingsplanen har inte kommit in, 18 dagar efter sista dagen 14 maj 2024 (en "
            "handling för ”Mer än hälften av sjuksköterskorna är distriktssköterskor”, "
            "”Reservrutiner finns för kritiska IT-stöd”, ”Samtliga medarbetare har gått "
            "e-utbildningen i informationssäkerhet”): 3 veckor × 5 000 kr = 15 000 kr.") in text
    assert text.count("= 15 000 kr.") == 1
    assert "Handlingsplanen skulle ha kommit in senast den 14 maj 2024 och har inte kommit in." in text


def test_a_foreleggande_letter_gives_the_frist_and_what_follows(ledger, books):
    demands.register(ledger, check(load_submission(str(SUB_2024)), books), D(2025, 3, 14))
    text = letters.markdown(letters.compose(ledger, HSA, D(2025, 3, 14)))
    # before a decision: what the region may do (003 l.856–859 "kan"), never a decision
    assert ("Eftersom kravet inte heller uppfylls i det senare årsbokslutet kan beställarenheten "
            "förelägga enheten att vidta rättelse") in text
    demands.record_forelaggande(ledger, HSA, ["JHV-BEM-03"], D(2025, 3, 14), "RS/7/2025",
                                note="Enligt dialogen 2025-03-10")
    text = letters.markdown(letters.compose(ledger, HSA, D(2025, 3, 14)))
    assert "# Uppföljning av årsbokslut 2024" in text
    assert ("Beställarenheten har förelagt enheten att vidta rättelse: kravet ska vara uppfyllt "
            "senast den 13 april 2025.") in text
    assert "**Senast:** 13 april 2025" in text
    assert ("Föreläggande om rättelse den 14 mars 2025 (dnr RS/7/2025), med frist till den "
            "13 april 2025.") in text
    assert "**Diarienummer:** RS/7/2025" in text
    assert ("upp till högst 50 000 kr per brist (förfrågningsunderlaget, avsnitt 4.7 "
            "Kravuppfyllnad)") in text
    assert "**Anteckning 14 mars 2025:** Enligt dialogen 2025-03-10" in text
    assert "Årsbokslutet för 2024 anger 48,0 %; kravet är mer än 50,0 %." in text
    assert "## Åtgärdade brister" in text
    assert "Handlingsplan anges när distriktssköterskekravet inte uppfylls: uppfylls" in text


def test_html_is_printable_a4_and_escapes_text(ledger):
    page = letters.html(letters.compose(ledger, HSA, D(2024, 3, 15)))
    assert page.startswith("<!DOCTYPE html>") and '<html lang="sv">' in page
    assert "@page { size: A4;" in page
    assert "<blockquote>Uppfylls kravet på mer än 50% distriktssköterskor" in page
    assert "<script" not in page


def test_a_letter_is_never_overwritten(ledger, tmp_path):
    out = tmp_path / "brev"
    letter = letters.compose(ledger, HSA, D(2024, 3, 15))
    md1, html1 = letters.write(letter, out)
    md1.write_text("handläggarens ändringar", encoding="utf-8")
    md2, html2 = letters.write(letter, out)
    assert md1.name == f"{HSA}-2023-2024-03-15.md" and html1.name == f"{HSA}-2023-2024-03-15.html"
    assert md2.name == f"{HSA}-2023-2024-03-15-2.md"
    assert md1.read_text(encoding="utf-8") == "handläggarens ändringar"
    assert md2.read_text(encoding="utf-8") == letters.markdown(letter)


def test_the_file_name_comes_from_the_hsa_id_only(ledger, tmp_path):
    letter = letters.compose(ledger, HSA, D(2024, 3, 15))
    letter.hsa_id = "../../etc/passwd"
    with pytest.raises(letters.InputError, match="HSA-id"):
        letters.write(letter, tmp_path)


def test_the_letter_command_writes_both_files_under_the_folder(ledger, tmp_path):
    out = tmp_path / "reports" / "brev"
    proc = run_cli("demands", "letter", HSA, "--ledger", str(ledger.path), "--as-of", "2024-03-15",
                   "--out", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    assert "Brev per 2024-03-15" in proc.stdout.decode()
    assert sorted(p.name for p in out.iterdir()) == [f"{HSA}-2023-2024-03-15.html",
                                                     f"{HSA}-2023-2024-03-15.md"]
    again = run_cli("demands", "letter", HSA, "--ledger", str(ledger.path), "--as-of", "2024-03-15",
                    "--out", str(out))
    assert again.returncode == 0 and len(list(out.iterdir())) == 4


def test_what_the_contract_says_names_the_contract_not_the_text_that_restates_it(ledger):
    """The krav stands in the förfrågningsunderlag; the årsbokslut's compilation (004) and the
    steering group's report (003, "I förfrågningsunderlaget framkommer", l.850) only restate
    it: the letter names the contract and says where the quote is taken from."""
    text = letters.markdown(letters.compose(ledger, HSA, D(2024, 3, 15)))
    said = [line for line in text.splitlines() if line.startswith("- **Vad avtalet säger:**")]
    assert said, text
    for line in said:
        # the contract, or (where the test rulebook records it) the decided text itself
        assert ("Kravet står i förfrågningsunderlaget (" in line
                or "Kravet står i Förfrågningsunderlag" in line), line
        assert "Kravet står i Årsbokslut" not in line and "Kravet står i Rapport" not in line
    assert any("Årsbokslutets fråga 2.3.3 återger det" in line for line in said)


def test_the_appendix_names_the_submission_as_a_person_knows_it(ledger):
    """File name, period and the day it came in; no machine path, no hash."""
    appendix = letters.markdown(letters.compose(ledger, HSA, D(2024, 3, 15))).split("## Underlag")[1]
    assert "Årsbokslut för 2023: filen exempelbyn-2023.yaml, inlämnat " in appendix
    assert "granskat 15 mars 2024" in appendix
    assert "sha256" not in appendix and ".yaml" in appendix
    assert not [w for w in appendix.split() if "/" in w and ".yaml" in w]  # no path to the file
    assert "oversyn" not in appendix  # a document is named by its title, not the rulebook's key


def test_a_late_arsbokslut_is_not_put_right_and_draws_no_foreleggande(tmp_path, books):
    """003 l.863–868: for a handling delivered late, förseningsvite per handling, nothing more:
    a late delivery cannot be put right afterwards, and no föreläggande or 50 000 kr vite
    follows from it."""
    from .support import example_data, with_changes, write_yaml

    late = write_yaml(tmp_path / "exempelbyn-2023.yaml",
                      with_changes(example_data(), {"inlamnad": "2024-03-20"}))
    with Ledger(tmp_path / "sen.sqlite") as led:
        demands.register(led, check(load_submission(str(late)), books), D(2024, 3, 25))
        text = letters.markdown(letters.compose(led, HSA, D(2024, 3, 25)))
    item = text.split("Årsbokslutet är lämnat i tid")[1].split("\n## ")[0]
    assert "kom in den 20 mars 2024" in item
    assert "Inget att rätta i efterhand" in item and "förseningsvite" in item
    for threat in ("Rätta bristen", "förelägga", "50 000 kr", "Om det inte sker"):
        assert threat not in item, threat
