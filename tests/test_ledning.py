"""`kravkoll check MAPP --format ledning`: the summary for leadership, read as its reader reads it.

Folders are built here with a known answer (which units fall short of which krav, what the ledger
holds, what changed since the year before), and the written summary must state exactly that, in
Swedish number words, with rule titles and none of the engine's ids, hashes, paths or lines.
The 28-unit corpus must print on at most four A4 pages, in Chromium and through xhtml2pdf.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from .support import DELETE, ROOT, rulebook_text, example_data, run_cli, with_changes, write_yaml
from .test_county_html import CHROMIUM, needs_chromium, visible_text
from .test_ledger_helpers import HSA, SUB_2024, scenario_rulebooks, submission_2023_without_plan

COUNTY = "submissions/jamtland/2023"
RULEBOOK = ROOT / "rulebooks" / "jamtland" / "halsoval-2023.yaml"
PASSING = {"bemanning.sjukskoterskor_arsarbetare.distriktsskoterskor": 6.0,  # 60 % > 50 %
           # the scenario's rulebooks make these krav (decided); the example falls short of them
           "informationssakerhet.reservrutiner_kritiska_it_stod": "ja",
           "informationssakerhet.e_utbildning_genomford_procent": 100}
FAILING = {"bemanning.sjukskoterskor_arsarbetare.distriktsskoterskor": 4.0}  # 40 % < 50 %


def rules() -> dict[str, str]:
    """Rule id -> title, read from the rulebook itself."""
    return {r["id"]: r["title"] for r in yaml.safe_load(rulebook_text(RULEBOOK))["rules"]}


def text_of(html: str) -> str:
    return visible_text(html).replace("\u00a0", " ")


def county(folder: Path, units: list[tuple[str, dict]], base: dict | None = None) -> Path:
    """One file per unit: the example with its own name, HSA-id and changes."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, (name, changes) in enumerate(units):
        data = with_changes(base or example_data(), {
            "enhet.namn": name, "enhet.hsa_id": f"SE2321000207-E000000001{i:02d}",
            **PASSING, **changes})
        write_yaml(folder / f"enhet-{i:02d}.yaml", data)
    return folder


def ledning(*args: str) -> tuple[int, str]:
    run = run_cli("check", *args, "--format", "ledning")
    assert run.returncode in (0, 1), run.stderr.decode()
    return run.returncode, run.stdout.decode()


@pytest.mark.parametrize("failing, words", [(1, "en hälsocentral"), (2, "två hälsocentraler")])
def test_the_summary_states_how_many_units_fall_short_of_a_krav(tmp_path, failing, words):
    names = ["Hälsocentralen Ås", "Hälsocentralen Bräcke", "Hälsocentralen Krokom",
             "Hälsocentralen Lit", "Hälsocentralen Myrviken"]
    units = [(n, FAILING if i < failing else {}) for i, n in enumerate(names)]
    code, html = ledning(str(county(tmp_path / "lan", units)))
    text = text_of(html)
    assert code == 1  # krav not met: as for every county report
    title = rules()["JHV-BEM-03"]
    short = " och ".join(names[:failing])
    assert (f"Kravet »{title}« uppfylls inte av {words} ({short}); "
            f"{'den' if failing == 1 else 'de'} ska enligt förfrågningsunderlaget lämna "
            "handlingsplan.") in text
    meeting = {1: "Fyra", 2: "Tre"}[failing]
    assert f"{meeting} av fem hälsocentraler uppfyller samtliga krav som gäller dem." in text
    # the krav table counts units per rule: met, not met, missing, not applicable
    assert f"{title} {5 - failing} {failing} 0 0" in text


def test_rule_titles_appear_and_ids_hashes_paths_and_lines_do_not(tmp_path):
    folder = county(tmp_path / "lan", [("Hälsocentralen Ås", FAILING), ("Hälsocentralen Lit", {})])
    _, html = ledning(str(folder))
    text = text_of(html)
    titles = rules()
    assert titles["JHV-BEM-03"] in text and titles["JHV-BEM-01"] in text
    for rule_id in titles:
        assert rule_id not in html, rule_id
    assert not re.search(r"\b[0-9a-f]{12,64}\b", html)  # no sha256, whole or cut
    assert ".yaml" not in html and "sha256" not in html
    assert not re.search(r"\bl\.\s?\d", text)  # no seed line numbers ("l.410–412")
    assert "bemanning." not in html and "kvalitet." not in html  # no field paths


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """The shared example's two years in a kravliggare: a demand for 2023, its plan late and
    approved, the shortfall again in 2024, a föreläggande and a decided vite of 20 000 kr."""
    folder = tmp_path_factory.mktemp("scenario")
    rulebooks = str(scenario_rulebooks(folder / "rulebooks"))
    sub_2023 = submission_2023_without_plan(folder)
    plan = folder / "plan.pdf"
    plan.write_bytes(b"%PDF-1.4 plan\n")
    year = folder / "2024"
    year.mkdir()
    (year / SUB_2024.name).write_bytes(SUB_2024.read_bytes())
    led = ["--ledger", str(folder / "kravliggare.sqlite")]
    steps = [
        ("demands", "register", str(sub_2023), "--rulebooks", rulebooks, "--as-of", "2024-03-15"),
        ("demands", "plan", HSA, "JHV-BEM-03", "--date", "2024-05-31", "--file", str(plan)),
        ("demands", "approve", HSA, "JHV-BEM-03", "--date", "2024-06-10", "--diarienummer", "RS/1/24"),
        ("demands", "register", str(year / SUB_2024.name), "--rulebooks", rulebooks,
         "--as-of", "2025-03-14"),
        ("demands", "forelaggande", HSA, "JHV-BEM-03", "--date", "2025-03-20",
         "--diarienummer", "RS/7/25", "--frist-dagar", "21"),
        ("demands", "vite", HSA, "JHV-BEM-03", "--date", "2025-04-11", "--belopp", "20000",
         "--per", "engang", "--diarienummer", "RS/9/25"),
    ]
    for step in steps:
        run = run_cli(*step, *led)
        assert run.returncode == 0, run.stderr.decode()
    return {"rulebooks": rulebooks, "year": str(year), "ledger": led[1], "folder": folder}


def test_with_a_ledger_open_demands_and_the_decided_vite_are_shown(scenario):
    _, html = ledning(scenario["year"], "--rulebooks", scenario["rulebooks"],
                      "--ledger", scenario["ledger"], "--as-of", "2025-05-01")
    text = text_of(html)
    title = rules()["JHV-BEM-03"]
    assert "Öppna krav och vite per 2025-05-01" in text
    # the demand of 2023, still open under a decided vite, in the table of open demands
    assert f"Hälsocentralen Exempelbyn {title} 2023 vite beslutat" in text
    assert "beslutat 20 000 kr" in text  # the vite decided once (--per engang): the belopp
    assert "Beslutat vite uppgår till 20 000 kr för en hälsocentral." in text
    # the unit was asked for a plan on this krav, and the summary says so
    assert f"Kravet »{title}« uppfylls inte av en hälsocentral (Hälsocentralen Exempelbyn), " \
           "som har ombetts skriva handlingsplan." in text
    assert HSA not in html and "JHV-" not in html and "RS/9/25" not in html


def test_with_the_previous_year_the_change_is_stated(tmp_path, scenario):
    """2023: two of three units fall short of the distriktssköterska krav and 0:an is 80 %;
    2024: one of three falls short and 0:an is 83 %, three points up."""
    base_2024 = with_changes(example_data(), {"formular": "arsbokslut-2024", "period": 2024,
                                              "inlamnad": "2025-02-20"})
    names = ["Hälsocentralen Ås", "Hälsocentralen Lit", "Hälsocentralen Myrviken"]
    before = county(tmp_path / "2023", [
        (names[0], {**FAILING, "kvalitet.tillganglighet_0an_procent": 80}),
        (names[1], {**FAILING, "kvalitet.tillganglighet_0an_procent": 80}),
        (names[2], {"kvalitet.tillganglighet_0an_procent": 80})])
    now = county(tmp_path / "2024", [
        (names[0], {**FAILING, "kvalitet.tillganglighet_0an_procent": 83}),
        (names[1], {"kvalitet.tillganglighet_0an_procent": 83}),
        (names[2], {"kvalitet.tillganglighet_0an_procent": 83})], base=base_2024)
    _, html = ledning(str(now), "--rulebooks", scenario["rulebooks"],
                      "--foregaende-ar", str(before))
    text = text_of(html)
    titles = rules()
    assert ("Jämfört med 2023: två av tre hälsocentraler uppfyller samtliga krav, mot en av tre "
            "året före.") in text
    assert f"Kravet »{titles['JHV-BEM-03']}« uppfylls av två av tre, mot en av tre året före." in text
    assert (f"Medianen för »{titles['JHV-MAL-03']}« har ökat med 3 procentenheter "
            "(från 80 % till 83 %).") in text
    assert "Median 2023" in text and "+3 p.e." in text  # the indicator table's columns


def test_the_previous_year_must_be_earlier(tmp_path):
    folder = county(tmp_path / "lan", [("Hälsocentralen Ås", {})])
    run = run_cli("check", str(folder), "--format", "ledning", "--foregaende-ar", str(folder))
    message = run.stderr.decode()
    assert run.returncode == 2 and "Traceback" not in message
    assert "--foregaende-ar" in message and "förväntade ett år före 2023" in message


@pytest.mark.parametrize("args, words", [
    (["--format", "html", "--ledger", "x.sqlite"], "--ledger gäller --format ledning"),
    (["--format", "json", "--foregaende-ar", "."], "--foregaende-ar gäller --format ledning"),
    (["--format", "ledning", "--med-enheter"], "--med-enheter gäller --format html"),
    (["--format", "ledning", "--ledger", "finns-inte.sqlite"], "kravliggaren finns inte"),
])
def test_options_outside_their_format_are_refused(args, words):
    run = run_cli("check", COUNTY, *args)
    assert run.returncode == 2 and words in run.stderr.decode(), run.stderr.decode()


# --- on paper: the 28 units on at most four A4 pages ------------------------------------------

@pytest.fixture(scope="module")
def corpus_html(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("ledning") / "ledning.html"
    run = run_cli("check", COUNTY, "--format", "ledning", "-o", str(target))
    assert run.returncode == 1, run.stderr.decode()
    return target


def _pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(pdf)).pages)


@needs_chromium
def test_chromium_prints_the_corpus_summary_on_at_most_four_a4_pages(corpus_html, tmp_path):
    pdf = tmp_path / "ledning.pdf"
    run = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND",
         f"--user-data-dir={tmp_path / 'profil'}", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", corpus_html.as_uri()], capture_output=True, timeout=120)
    assert run.returncode == 0 and pdf.exists(), run.stderr.decode()[-2000:]
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    assert 1 <= len(reader.pages) <= 4, len(reader.pages)
    for page in reader.pages:  # A4 is 595 × 842 points
        assert abs(float(page.mediabox.width) - 595) < 2 and abs(float(page.mediabox.height) - 842) < 2


def test_the_pdf_has_at_most_four_pages_and_carries_the_summary(tmp_path):
    target = tmp_path / "ledning.pdf"
    run = run_cli("check", COUNTY, "--format", "ledning", "-o", str(target))
    assert run.returncode == 1, run.stderr.decode()
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(target.read_bytes()))
    assert 1 <= len(reader.pages) <= 4, len(reader.pages)
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    text = text.replace("\u00a0", " ")
    # seed 004: "Motsvarande krav för andel distriktssköterskor är det två hälsocentraler som
    # inte uppfyller"; the corpus is generated to match it
    assert "Sammanfattning" in text
    assert "uppfylls inte av två hälsocentraler" in " ".join(text.split())
    assert "Hälsocentralen" in text and "å" in text and "ä" in text and "ö" in text


def test_another_regions_rulebook_gives_its_own_titles_and_no_ids(tmp_path):
    """Västerbotten's example, without the reglering that stands in for a kollektivavtal (a krav
    with handlingsplan, 002 l.963–965), so that the unit is named among those falling short:
    its rulebook's titles (not Jämtland's), none of its ids."""
    book = yaml.safe_load((ROOT / "rulebooks" / "vasterbotten" / "halsoval-2024.yaml")
                          .read_text(encoding="utf-8"))
    example = yaml.safe_load((ROOT / "submissions" / "examples" / "2024" / "skogsberg.yaml")
                             .read_text(encoding="utf-8"))
    short = write_yaml(tmp_path / "skogsberg.yaml", with_changes(example, {
        "personal.annan_reglering": "nej", "personal.annan_reglering_redogorelse": DELETE}))
    code, html = ledning(str(short))
    text = text_of(html)
    assert "Region Västerbotten" in text and "Skogsbergs hälsocentral" in text
    krav = [r for r in book.get("rules", []) if r.get("kind") == "krav"]
    assert krav and any(r["title"] in text for r in krav)
    for r in book.get("rules", []):
        assert r["id"] not in html, r["id"]


@pytest.mark.skipif(not (ROOT / "submissions" / "jamtland" / "2022").is_dir(),
                    reason="the 2022 corpus (scripts/generate_corpus.py) is not in this checkout")
def test_the_corpus_against_2022_states_the_published_change_and_fits_four_pages(tmp_path):
    target = tmp_path / "ledning.pdf"
    run = run_cli("check", COUNTY, "--format", "ledning", "--foregaende-ar",
                  "submissions/jamtland/2022", "-o", str(target))
    assert run.returncode == 1, run.stderr.decode()
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(target.read_bytes()))
    assert 1 <= len(reader.pages) <= 4, len(reader.pages)
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    text = " ".join(text.replace("\u00a0", " ").split())
    # seed 004: "Telefontillgängligheten (0:an) har ökat med 3 procentenheter sedan ifjol"
    assert f"»{rules()['JHV-MAL-03']}« har ökat med 3 procentenheter" in text
    assert "Jämfört med 2022" in text
