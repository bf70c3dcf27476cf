"""Which rulebook is in force, and that rulebooks are checked before they are used."""

import shutil

import pytest

from engine.errors import InputError
from engine.evaluate.evaluation import check, load_submission
from engine.model.library import load_library, load_rulebook

from .support import RULEBOOKS, rulebook_text, variant

BOOK_2023 = RULEBOOKS / "jamtland" / "halsoval-2023.yaml"


def test_period_2021_uses_the_2021_rulebook_without_informationssakerhet(books, tmp_path):
    sub = variant(tmp_path, {"period": 2021, "formular": "arsbokslut-2021", "inlamnad": "2022-02-20"})
    result = check(load_submission(str(sub)), books)
    assert result.rulebook.model.id == "jamtland-halsoval-2021"
    assert not any(f.rule_id.startswith("JHV-INF") for f in result.findings)
    assert next(f for f in result.findings if f.rule_id == "JHV-INL-01").outcome == "pass"


def test_a_form_the_rulebook_does_not_read_is_refused(books, tmp_path):
    sub = variant(tmp_path, {"period": 2021})  # formular arsbokslut-2023 for period 2021
    with pytest.raises(InputError, match="läses inte av regelboken"):
        check(load_submission(str(sub)), books)


def _copy_book(tmp_path, text_change=None, name="halsoval-2023.yaml"):
    folder = tmp_path / "rb" / "jamtland"
    folder.mkdir(parents=True, exist_ok=True)
    text = rulebook_text(BOOK_2023)
    if text_change:
        text = text_change(text)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_overlapping_rulebooks_of_one_region_are_refused(tmp_path):
    folder = _copy_book(tmp_path)
    _copy_book(tmp_path, lambda t: t.replace("id: jamtland-halsoval-2023", "id: jamtland-kopia"),
               name="kopia.yaml")
    with pytest.raises(InputError, match="överlappar"):
        load_library(folder.parent)


@pytest.mark.parametrize("change,message", [
    (lambda t: t.replace("{param: andel_distriktsskoterskor_min}", "{param: andel_dsk}"),
     "okänd parameter 'andel_dsk'"),
    (lambda t: t.replace("field: bemanning.basala_funktioner,", "field: bemanning.basal,"),
     "fältet 'bemanning.basal' finns inte"),
    (lambda t: t.replace("sanctions: [listningsvite]", "sanctions: [listvite]"),
     "okänd sanktion 'listvite'"),
    (lambda t: t.replace("  - id: JHV-INF-02", "  - id: JHV-INF-01"), "finns redan"),
    (lambda t: t.replace("kind: krav\n    area: Listning", "kind: kravet\n    area: Listning"),
     "förväntade ett av"),
    (lambda t: t.replace("    weeks: begun\n    source:\n      document: oversyn_2022\n      section: 4.7 Kravuppfyllnad\n      lines: \"l.863",
                         "    source:\n      document: oversyn_2022\n      section: 4.7 Kravuppfyllnad\n      lines: \"l.863"),
     "ange weeks"),
])
def test_broken_rulebooks_are_refused_at_their_line(tmp_path, change, message):
    folder = _copy_book(tmp_path, change)
    with pytest.raises(InputError) as info:
        load_rulebook(folder / "halsoval-2023.yaml")
    text = str(info.value)
    assert message in text
    assert "halsoval-2023.yaml:" in text  # file and line


def test_a_rulebook_cannot_run_code(tmp_path):
    folder = _copy_book(tmp_path, lambda t: t.replace("title: Årsbokslutet är lämnat i tid",
                                                      "title: !!python/object/apply:os.system ['touch pwned']"))
    with pytest.raises(InputError, match="taggen"):
        load_rulebook(folder / "halsoval-2023.yaml")
    assert not (tmp_path / "pwned").exists()


def test_the_project_rulebooks_load(books):
    assert {b.model.id for b in books} >= {"jamtland-halsoval-2021", "jamtland-halsoval-2023"}


def test_rulebook_folder_missing_is_bad_input(tmp_path):
    with pytest.raises(InputError, match="finns inte"):
        load_library(tmp_path / "nope")
    shutil.rmtree(tmp_path, ignore_errors=True)
