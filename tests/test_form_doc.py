"""`kravkoll schema FORM --format markdown|html`: the form as a document a person reads, and the
committed documents under docs/forms/ that must equal what the command prints now.

What a user would check: the document of Jämtland 2023 shows question 2.1.1 with its text, unit
and range; 2.2.6's follow-up answer says it is required when 2.2.6 is answered delvis or nej;
the sections and questions come in the form's order; the committed docs are not stale.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.model.form import load_forms

from .support import ROOT

FORMS = sorted((ROOT / "forms").glob("*/*.yaml"))
DOCS = ROOT / "docs" / "forms"


def _doc_path(form_file: Path) -> Path:
    return DOCS / f"{form_file.parent.name}-{form_file.stem}.md"


def _form_id(form_file: Path) -> str:
    return next(f.form.id for f in load_forms(ROOT / "forms").values()
                if Path(f.path).resolve() == form_file.resolve())


def _schema(capsys, *args: str) -> str:
    code = main(["schema", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.mark.parametrize("form_file", FORMS, ids=[p.stem for p in FORMS])
def test_the_committed_doc_equals_what_the_command_prints_now(capsys, form_file):
    form_id = _form_id(form_file)
    doc = _doc_path(form_file)
    assert doc.is_file(), f"{doc} saknas: kör kravkoll schema {form_id} --format markdown > {doc}"
    assert doc.read_text(encoding="utf-8") == _schema(capsys, form_id, "--format", "markdown"), (
        f"{doc} är inaktuell: kör kravkoll schema {form_id} --format markdown > "
        f"{doc.relative_to(ROOT)}")


def test_every_committed_doc_belongs_to_a_form():
    assert sorted(p.name for p in DOCS.glob("*.md")) == sorted(_doc_path(f).name for f in FORMS)


@pytest.fixture
def doc_2023(capsys) -> str:
    return _schema(capsys, "arsbokslut-2023", "--format", "markdown")


def _entry(doc: str, heading: str) -> str:
    """The text under one question heading, up to the next heading."""
    start = doc.index(f"\n### {heading}\n")
    end = doc.find("\n#", start + 1)
    return doc[start:end if end != -1 else None]


def test_a_question_shows_its_number_text_unit_range_and_required(doc_2023):
    assert doc_2023.startswith("# Årsbokslut Hälsoval 2023 – Region Jämtland Härjedalen\n")
    entry = _entry(doc_2023, "2.1.1 Antal listade")
    assert "Rad 78 i källan." in entry
    assert "**Antal listade per december** · fält `forutsattningar.antal_listade`" in entry
    assert "  - Enhet: personer\n  - Tillåtet: 0–200 000 (heltal)\n  - Krävs: nej" in entry
    pct = _entry(doc_2023, "2.1.2 Andel aktivt val")
    assert "Tillåtet: 0–100" in pct and "Typ: andel i procent (0–100)" in pct


def test_a_conditional_question_names_its_condition(doc_2023):
    entry = _entry(doc_2023, '2.2.6 Följs riktlinjen "Läkarmedverkan på Särskilt boende (SÄBO) '
                             'primärvård"?')
    assert "Alternativ: `helt`, `delvis`, `nej`" in entry
    follow_up = entry[entry.index("fält `verksamhet.sabo_riktlinje_orsak_atgard`"):]
    assert ("Krävs: om 2.2.6 (Följs riktlinjen, `verksamhet.sabo_riktlinje`) är delvis eller nej"
            in follow_up)


def test_sections_and_questions_come_in_the_forms_order(doc_2023):
    form = load_forms(ROOT / "forms")["arsbokslut-2023"].form
    sections = re.findall(r"^## (\S+) ", doc_2023, re.M)
    numbered = [s for s in sections if re.match(r"^[0-9.]+$", s)]
    assert numbered[:3] == ["2.1", "2.2", "2.3"]
    headings = re.findall(r"^### ([0-9][0-9.]*) ", doc_2023, re.M)
    printed = [q.number for q in form.questions if q.number]
    assert headings == [n for i, n in enumerate(printed) if i == 0 or printed[i - 1] != n]
    # every answer of the form is documented exactly once
    for q in form.questions:
        assert doc_2023.count(f"fält `{q.field}`\n") == 1, q.field


def test_a_question_text_is_verbatim_in_markdown_and_escaped_in_html(capsys, doc_2023):
    text = "Di03L1: Andel av patienter med diabetes som har blodtryck <=140/85 mmHg"
    assert f"\n### 2.4.15 {text}\n" in doc_2023
    page = _schema(capsys, "arsbokslut-2023", "--format", "html")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="sv">' in page
    assert f"<h3>2.4.15 {text.replace('<', '&lt;')}</h3>" in page
    assert "fält <code>verksamhet.sabo_riktlinje_orsak_atgard</code>" in page


def test_json_schema_stays_the_default(capsys):
    data = json.loads(_schema(capsys, "arsbokslut-2023"))
    assert data["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_a_form_written_as_changes_says_what_it_builds_on(capsys):
    doc = _schema(capsys, "arsbokslut-2021", "--format", "markdown")
    assert "- Bygger på: `arsbokslut-2023`" in doc
    assert "- Anmärkning: Antagande – samma frågor som 2023 års formulär" in doc
