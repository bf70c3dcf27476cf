"""A county's rows (csv, xlsx, ledning) are made from the rules' decisions alone
(evaluation.decide), without the explanations a check writes: the row of a unit must be the one
its full check gives, whatever the outcome (met, not met, partly, missing, not applicable, an
observation of a proposed level) and whatever the form and year.

What a user checks: `kravkoll check MAPP --format csv` and `--format json` say the same about
every unit and rule."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.errors import InputError
from engine.evaluate import batch
from engine.evaluate.evaluation import check, decide, load_submission
from engine.model.library import load_library

from .support import ROOT, variant

FILES = sorted(str(p) for p in (ROOT / "submissions").rglob("*.yaml"))


@pytest.fixture(scope="module")
def books():
    return load_library(ROOT / "rulebooks")


def _same(sub_path: str, books, as_of=None) -> set[str]:
    try:
        full = check(load_submission(sub_path), books, as_of)
    except InputError as exc:  # no rulebook for its year (a year-before file): refused alike
        with pytest.raises(InputError) as refused:
            decide(load_submission(sub_path), books, as_of)
        assert str(refused.value) == str(exc)
        return set()
    rows = decide(load_submission(sub_path), books, as_of)
    assert batch.row_of(rows) == batch.row_of(full)
    assert rows.verdict == full.verdict
    for d, f in zip(rows.findings, full.findings, strict=True):
        assert (d.rule_id, d.kind, d.outcome, d.observed, d.observed_text, d.expected) == \
            (f.rule_id, f.kind, f.outcome, f.observed, f.observed_text, f.expected)
    return {f.outcome for f in full.findings}


def test_every_bundled_submission_decides_as_it_is_checked(books):
    seen = set()
    for path in FILES:
        seen |= _same(path, books)
        seen |= _same(path, books, dt.date(2025, 6, 30))
    # the bundled units reach every outcome a row can hold but a waiver (none is recorded)
    assert {"pass", "fail", "partial", "missing", "not_applicable", "observation"} <= seen


def test_a_unit_with_answers_left_out_decides_as_it_is_checked(tmp_path, books):
    path = variant(tmp_path, {"forutsattningar.andel_aktivt_val_procent": None,
                              "verksamhet.hembesok": None, "enhet.regi": "regiondriven",
                              "enhet.tillaggsuppdrag": []}, "luckor.yaml")
    assert "missing" in _same(str(path), books)
