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
