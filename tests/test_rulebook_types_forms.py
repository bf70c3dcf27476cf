"""The type checker (engine/model/rulebook_types.py) on what forms-as-data added to the format:
fields of any region's form, parts of any/all, `previous:` and attribute scopes. A user checks:
a Västerbotten rule that can never be evaluated as written (an impossible answer inside an
`any`, last year's ja/nej compared as a number, a date compared with a percentage) is refused
when the rulebook is read and by lint, naming the rule, just as a Jämtland rule is."""

from __future__ import annotations

import shutil

import pytest

from engine.errors import InputError
from engine.gate.lint import lint
from engine.model.library import load_rulebook

from .support import RULEBOOKS

VB = "vasterbotten/halsoval-2024.yaml"


def _vb_with(tmp_path, old: str, new: str, count: int = 1):
    """The rulebooks copied, the Västerbotten rulebook with `old` (found `count` times) → `new`."""
    root = tmp_path / "rb"
    shutil.copytree(RULEBOOKS, root)
    path = root / VB
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _refused(path) -> str:
    with pytest.raises(InputError) as exc:
        load_rulebook(path)
    return "\n".join(p.message for p in exc.value.problems)


def test_the_vasterbotten_rulebook_as_shipped_has_no_type_error():
    load_rulebook(RULEBOOKS / VB)  # the tests below change one thing each in it


def test_an_impossible_answer_inside_any_is_refused(tmp_path):
    path = _vb_with(tmp_path, "{field: personal.annan_reglering, pass: [ja]}",
                    "{field: personal.annan_reglering, pass: [jo]}")
    text = _refused(path)
    assert "regel VHV-PER-01:" in text and "'jo' är inget möjligt svar" in text


def test_an_impossible_answer_in_a_condition_of_all_is_refused(tmp_path):
    path = _vb_with(tmp_path, "- answer_in: {field: personal.annan_reglering, in: [ja]}",
                    "- answer_in: {field: personal.annan_reglering, in: [kanske]}")
    text = _refused(path)
    assert "regel VHV-PER-02:" in text and "'kanske' är inget möjligt svar" in text


def test_last_years_answer_field_cannot_be_compared_as_a_number(tmp_path):
    path = _vb_with(tmp_path, "right: {previous: kontinuitet.listade_med_fast_lakarkontakt_procent}",
                    "right: {previous: kontinuitet.fast_lakarkontakt_erbjuds}")
    text = _refused(path)
    assert "regel VHV-KON-01:" in text
    assert "'kontinuitet.fast_lakarkontakt_erbjuds' är inget tal eller datum" in text


def test_a_date_compared_with_a_percentage_inside_all_is_refused(tmp_path):
    path = _vb_with(tmp_path, "{left: {field: npe.respekt_och_bemotande_procent}, op: \">=\", "
                    "right: {param: npe_malniva}}",
                    "{left: {field: npe.respekt_och_bemotande_procent}, op: \">=\", "
                    "right: {field: uppfoljning.dialog_datum}}")
    text = _refused(path)
    assert "regel VHV-UPF-01:" in text and "jämför ett tal (left) med ett datum (right)" in text


def test_a_value_twice_in_an_attribute_scope_is_refused(tmp_path):
    path = _vb_with(tmp_path, "attributes: {enhet.enhetstyp: [filial]}",
                    "attributes: {enhet.enhetstyp: [filial, filial]}")
    text = _refused(path)
    assert "regel VHV-FIL-01:" in text and "'filial' står två gånger" in text


def test_lint_lists_the_same_errors_with_their_codes(tmp_path):
    path = _vb_with(tmp_path, "{field: personal.annan_reglering, pass: [ja]}",
                    "{field: personal.annan_reglering, pass: [jo]}")
    messages = lint([str(path.parent)]).errors
    line = next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if "pass: [jo]" in text)
    assert [(m.code, m.line) for m in messages] == [("svarsvarde", line)]  # at the rule's own line
    assert messages[0].path.endswith(".check.any[1].answer.pass[0]")
    assert messages[0].text.startswith("regel VHV-PER-01:")


# --- the fields a rulebook may read, from the form's questions (issue 22: a check without the
# library cache builds the submission model of no form but the one it validates) -------------


def fields_of(model) -> dict[str, tuple[str, tuple[str, ...]]]:
    """(kind, possible answers) of every field of a submission model, by dotted path: the
    model walked, what form_fields reads from the questions instead."""
    from pydantic import BaseModel

    from engine.model.form_fields import _kind, _unwrap

    out: dict[str, tuple[str, tuple[str, ...]]] = {}

    def walk(model, prefix: str) -> None:
        for name, info in model.model_fields.items():
            out[prefix + name] = _kind(info.annotation)
            for t in _unwrap(info.annotation):
                if isinstance(t, type) and issubclass(t, BaseModel):
                    walk(t, f"{prefix}{name}.")

    walk(model, "")
    return out


def field_exists(path: str, model) -> bool:
    """Whether a dotted path names a field of a submission model, the model walked."""
    from pydantic import BaseModel

    for part in path.split("."):
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return False
        annotation = fields[part].annotation
        inner = [a for a in getattr(annotation, "__args__", ()) or ()
                 if isinstance(a, type) and issubclass(a, BaseModel)]
        model = inner[0] if inner else annotation  # the model inside `X | None`
    return True


def _every_form():
    from engine.model.form import load_forms

    return sorted(load_forms().values(), key=lambda f: f.form.id)


def test_each_forms_fields_read_from_its_questions_are_those_of_its_model():
    """Every field's path, kind (tal, datum, svar, text, lista, grupp) and answers, in order,
    as the submission model built from the form has them (fields_of walks the model)."""
    from engine.model.form_fields import form_fields

    forms = _every_form()
    assert len(forms) >= 4
    kinds = set()
    for f in forms:
        from_questions = list(form_fields(f).items())
        assert from_questions == list(fields_of(f.model).items()), f.form.id
        kinds |= {kind for _path, (kind, _answers) in from_questions}
    assert kinds == {"tal", "datum", "svar", "text", "lista", "grupp"}


def test_a_path_is_a_field_of_a_form_exactly_when_its_model_has_it():
    """What check_references asks ("finns inte i formuläret"): group, answer, a part under an
    answer, an item's field, misspellings."""
    from engine.model.form_fields import form_fields, form_paths

    items = 0
    for f in _every_form():
        fields = form_paths(f)
        paths = set(fields) | set(form_fields(f)) | {p + ".x" for p in fields}
        paths |= {p[:-1] for p in fields} | {q.field + "." + i.field for q in f.form.questions
                                             for i in q.items or []}
        paths |= {"", ".", "enhet.", "enhet..namn", "filialer.namn", "enhet.filialer.namn"}
        for path in sorted(paths):
            assert (path in fields) == field_exists(path, f.model), (f.form.id, path)
        items += sum(1 for p in fields if p not in form_fields(f))
    assert items  # an item's field (enhet.filialer.namn) is one, as it is of the model


def test_reading_the_rulebooks_builds_no_submission_model(monkeypatch):
    """The rulebook checks read every form the rulebooks name, and build none of their
    submission models (a model is 20 classes; a check builds only its own form's)."""
    from engine.model import form
    from engine.model.library import load_library

    monkeypatch.setenv("KRAVKOLL_CACHE", "0")
    built = []
    real = form.build_model
    monkeypatch.setattr(form, "build_model", lambda f: built.append(f.id) or real(f))
    monkeypatch.setattr(form, "_cache", {})  # the forms read afresh, their models unbuilt
    books = load_library(RULEBOOKS)
    assert len({b.model.forms[0] for b in books}) >= 3 and built == []


@pytest.mark.parametrize("required", ["required", "empty_default", "optional"])
def test_items_and_groups_nested_in_items_are_fields_exactly_as_in_the_model(required):
    """An `items` answer whose item has a group and items of its own, required, empty by
    default or optional: the same paths, kinds and answers as the model built from it."""
    import hashlib
    import json

    from engine.model.form import Form, LoadedForm, get_form
    from engine.model.form_fields import form_fields, form_paths

    data = get_form("arsbokslut-2023").form.model_dump(mode="json", by_alias=True)
    flag = {} if required == "optional" else {required: True}
    data["questions"].append({
        "field": "lokaler.rum", "text": "Rum", "type": "items", **flag, "items": [
            {"field": "namn", "text": "Namn", "type": "text", "required": True},
            {"field": "yta.kvm", "text": "Yta", "type": "number", "max": 10000},
            {"field": "yta.typ", "text": "Typ", "type": "choice", "options": ["a", "b"]},
            {"field": "delar", "text": "Delar", "type": "items", "required": True, "items": [
                {"field": "namn", "text": "Namn", "type": "text"}]}]})
    form = Form.model_validate(data)
    loaded = LoadedForm(form, "x.yaml", hashlib.sha256(json.dumps(
        form.model_dump(mode="json"), sort_keys=True).encode()).hexdigest(), None)
    assert list(form_fields(loaded).items()) == list(fields_of(loaded.model).items())
    paths = form_paths(loaded)
    for path in ["lokaler.rum", "lokaler.rum.namn", "lokaler.rum.yta", "lokaler.rum.yta.kvm",
                 "lokaler.rum.yta.typ", "lokaler.rum.delar", "lokaler.rum.delar.namn",
                 "lokaler.rum.x", "lokaler"]:
        assert (path in paths) == field_exists(path, loaded.model), path
    assert ("lokaler.rum.yta.kvm" in paths) == (required != "optional")
