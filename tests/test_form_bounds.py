"""The bounds of the hostile-input work live in the form data: a number question names its kind
(a key of BOUNDS) or its own max, and a form that gives neither is refused when it is read, so no
new form can bring back an unbounded count."""

from __future__ import annotations

import pytest

from engine.errors import InputError
from engine.model.form import get_form, load_forms
from engine.model.submission import BOUNDS

from .support import ROOT

FORM = (ROOT / "forms" / "jamtland" / "arsbokslut-2023.yaml").read_text(encoding="utf-8")


def _form_folder(tmp_path, text: str):
    (tmp_path / "j").mkdir()
    (tmp_path / "j" / "arsbokslut-2023.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_every_number_question_of_every_form_has_an_upper_bound():
    for loaded in load_forms().values():
        for q in loaded.form.questions:
            if q.type in ("number", "counts"):
                assert q.max is not None, (loaded.form.id, q.field)


def test_a_kind_gives_the_range_the_template_and_schema_show():
    q = get_form("arsbokslut-2023").form.question("forutsattningar.antal_listade")
    assert q.kind == "personer"
    assert (q.min, q.max, q.integer) == (0, BOUNDS["personer"].high, True)


def test_a_number_without_kind_or_max_is_refused_when_the_form_is_read(tmp_path):
    text = FORM.replace("  kind: cni\n", "", 1)
    with pytest.raises(InputError, match="kind eller max"):
        load_forms(_form_folder(tmp_path, text))


def test_an_unknown_kind_is_named_with_the_known_ones(tmp_path):
    text = FORM.replace("  kind: cni\n", "  kind: cnii\n", 1)
    with pytest.raises(InputError, match="okänt slag av tal 'cnii'.*personer"):
        load_forms(_form_folder(tmp_path, text))


def test_a_max_contradicting_the_kind_is_refused(tmp_path):
    text = FORM.replace("  kind: cni\n", "  kind: cni\n  max: 50\n", 1)
    with pytest.raises(InputError, match="strider mot slaget 'cni'"):
        load_forms(_form_folder(tmp_path, text))


def test_a_date_after_the_year_is_declared_in_the_form(tmp_path):
    """Without after_year_of the form would accept a submission dated before its year."""
    assert get_form("arsbokslut-2023").form.question("inlamnad").after_year_of == "period"
