"""The form as data: forms/<region>/<form>.yaml builds the submission model, the JSON Schema and
what a rulebook may read and scope by."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from engine.errors import InputError
from engine.model.form import get_form, load_forms, validate_submission
from engine.model.rulebook import Rulebook
from engine.model.rulebook_refs import check_references
from engine.read.validation import validate
from engine.read.yamlstrict import load_file, load_text

from .support import EXAMPLE, ROOT, SHARED, example_data, rulebook_text, run_cli, with_changes

FORMS = ROOT / "forms"
SEED_004 = SHARED / "seeds" / "004_550c89f4d5fcb244.txt"


def _sub(data: dict, folder=None):
    text = json.dumps(data, ensure_ascii=False, default=str)
    return validate_submission(load_text(text, "x.yaml"), folder)


def test_the_shared_example_is_accepted_unchanged_by_the_2023_form():
    sub = validate_submission(load_file(EXAMPLE))
    assert sub.bemanning.lakare_arsarbetare.specialister_allmanmedicin == 3.2
    assert sub.enhet.tillaggsuppdrag == ["sabo", "familjecentral", "st_lakare"]


def test_every_numbered_question_text_stands_verbatim_in_the_seed():
    """A user checks that the form's wording is the form's, not ours."""
    if not SEED_004.exists():
        pytest.skip("seeds/004 finns inte bredvid projektet")
    raw = SEED_004.read_text(encoding="utf-8")
    flat = re.sub(r"-\s*\n\s*(?=[a-zåäö])", "", raw)  # words hyphenated over a line break
    flat = re.sub(r"\s+", " ", flat)
    form = get_form("arsbokslut-2023").form
    numbered = [q for q in form.questions if q.number]
    assert len({q.number for q in numbered}) >= 40
    for q in numbered:
        assert f"{q.number} {q.text}" in flat, q.number
        assert raw.split("\n")[q.line - 1].strip().startswith(q.number)


def test_the_2021_form_extends_2023_and_a_removed_field_is_refused(tmp_path):
    for name in ("arsbokslut-2023.yaml", "arsbokslut-2021.yaml"):
        (tmp_path / "j").mkdir(exist_ok=True)
        shutil.copy(FORMS / "jamtland" / name, tmp_path / "j" / name)
    assert _sub(dict(example_data(), formular="arsbokslut-2021"), tmp_path).period == 2023
    path = tmp_path / "j" / "arsbokslut-2021.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "remove: [ekonomi.brutet_rakenskapsar]\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"okänd nyckel 'brutet_rakenskapsar'"):
        _sub(dict(example_data(), formular="arsbokslut-2021"), tmp_path)
    assert _sub(example_data(), tmp_path).ekonomi.brutet_rakenskapsar == "ja"  # 2023 unchanged


def test_a_new_option_in_the_form_data_is_accepted_without_code(tmp_path):
    """A region adds a tilläggsuppdrag: the form file changes, nothing else."""
    (tmp_path / "j").mkdir()
    text = (FORMS / "jamtland" / "arsbokslut-2023.yaml").read_text(encoding="utf-8")
    text = text.replace("stp_ptp_psykolog]", "stp_ptp_psykolog, asylhalsa]")
    (tmp_path / "j" / "arsbokslut-2023.yaml").write_text(text, encoding="utf-8")
    data = with_changes(example_data(), {"enhet.tillaggsuppdrag": ["asylhalsa"]})
    assert _sub(data, tmp_path).enhet.tillaggsuppdrag == ["asylhalsa"]
    with pytest.raises(InputError, match="'asylhalsa' är inte ett tillåtet värde"):
        _sub(data)  # the project's form does not have it


def test_an_unknown_formular_is_named_with_a_suggestion():
    with pytest.raises(InputError) as exc:
        _sub(dict(example_data(), formular="arsboksslut-2023"))
    assert "okänt formulär 'arsboksslut-2023' (menade du arsbokslut-2023?)" in str(exc.value)
    assert exc.value.problems[0].path == "formular"


def test_part_above_total_keeps_its_message_and_place():
    data = with_changes(example_data(), {"bemanning.lakare_arsarbetare.at_bt_st": 8})
    with pytest.raises(InputError) as exc:
        _sub(data)
    p = exc.value.problems[0]
    assert p.message == "at_bt_st (8.0) kan inte vara fler än totalt (7.0)"
    assert p.path == "bemanning.lakare_arsarbetare"


def _rulebook_problems(change):
    path = ROOT / "rulebooks" / "jamtland" / "halsoval-2023.yaml"
    doc = load_text(change(rulebook_text(path)), "rb.yaml")
    return [p.message for p in check_references(validate(doc, Rulebook), doc)]


def test_a_rulebook_field_missing_from_its_form_is_reported():
    problems = _rulebook_problems(lambda t: t.replace("field: kvalitet.medrave", "field: kvalitet.medrav", 1))
    assert "fältet 'kvalitet.medrav' finns inte i årsbokslutets format" in problems


def test_a_scope_value_the_form_does_not_offer_is_reported():
    assert _rulebook_problems(lambda t: t) == []
    problems = _rulebook_problems(lambda t: t.replace("tillaggsuppdrag: sabo", "tillaggsuppdrag: sab", 1))
    assert any(p.startswith("scope: 'sab' är inte ett värde av tillaggsuppdrag") for p in problems)


def test_schema_titles_are_question_numbers_and_texts_and_ranges_are_bounds():
    run = run_cli("schema", "arsbokslut-2023")
    assert run.returncode == 0, run.stderr
    schema = json.loads(run.stdout)
    cni = schema["$defs"]["Forutsattningar"]["properties"]["cni"]
    assert cni["title"].startswith("2.1.3 CNI index")
    number = next(a for a in cni["anyOf"] if a.get("type") != "null")
    assert (number["minimum"], number["maximum"]) == (0, 5)
    assert '"ge":' not in json.dumps(schema)  # no key an editor does not know
    run = run_cli("schema", "arsboksslut-2023")
    assert run.returncode == 2 and "menade du arsbokslut-2023" in run.stderr.decode()


def test_every_form_in_the_project_loads():
    forms = load_forms(FORMS)
    assert {"arsbokslut-2021", "arsbokslut-2023"} <= set(forms)
    for f in forms.values():
        assert f.model.model_fields["formular"].is_required()


def test_a_field_that_is_both_an_answer_and_a_group_is_refused_at_its_line(tmp_path):
    """A form whose `enhet` holds answers cannot also ask `enhet` itself, or `enhet.hsa_id` and
    `enhet.hsa_id.del`: each such question is named at its line; a field merely sharing the
    first letters of another (`enhet.namn` and `enhet.namnbyte`) is no group."""
    folder = tmp_path / "j"
    folder.mkdir()
    text = (FORMS / "jamtland" / "arsbokslut-2023.yaml").read_text(encoding="utf-8")
    extra = ["- {field: enhet, text: Enheten, type: text}",
             "- {field: enhet.hsa_id.del, text: Del, type: text}",
             "- {field: enhet.namnbyte, text: Nytt namn, type: text}"]
    assert "\nquestions:\n" in text
    text = text.replace("\nquestions:\n", "\nquestions:\n" + "\n".join(extra) + "\n", 1)
    (folder / "f.yaml").write_text(text, encoding="utf-8")
    lines = [s.strip() for s in text.splitlines()]
    with pytest.raises(InputError) as exc:
        load_forms(tmp_path)
    both = [p for p in exc.value.problems if "både ett svar och en grupp" in p.message]
    assert [(p.message, lines[p.line - 1]) for p in both] == [
        ("'enhet' är både ett svar och en grupp", extra[0]),
        ("'enhet.hsa_id' är både ett svar och en grupp", "- field: enhet.hsa_id")]
