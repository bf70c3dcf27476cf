"""A batch reads the forms once: every unit of a county is checked against the forms as they
were when the check began, not looked up again in the forms folder for each file.

What a user would check: `kravkoll check FOLDER` gives each unit what checking it alone gives,
and a folder of many units does not walk the forms folder once per unit."""

from __future__ import annotations

from engine.evaluate import batch
from engine.model import form
from engine.model.library import load_library

from .support import ROOT, variant


def test_the_forms_folder_is_read_once_for_a_whole_batch(tmp_path, monkeypatch):
    files = [str(variant(tmp_path, {"enhet.hsa_id": f"SE2321000207-E0000000020{i}"}, f"hc{i}.yaml"))
             for i in range(6)]
    books = load_library(str(ROOT / "rulebooks"))
    looked = []
    real = form._identity
    monkeypatch.setattr(form, "_identity", lambda root: looked.append(root) or real(root))
    entries = list(batch.run(files, books, str(ROOT / "rulebooks"), workers=1))
    assert [e.error for e in entries] == [None] * len(files)
    assert len(looked) <= 1
    # after the batch, the folder is looked at again (an edited form is read anew)
    during = len(looked)
    form.load_forms()
    assert len(looked) == during + 1


def test_a_batch_without_a_forms_folder_names_it_for_each_file(tmp_path, monkeypatch):
    files = [str(variant(tmp_path, {}, f"hc{i}.yaml")) for i in range(2)]
    books = load_library(str(ROOT / "rulebooks"))
    monkeypatch.setenv("KRAVKOLL_FORMS", str(tmp_path / "saknas"))
    entries = list(batch.run(files, books, str(ROOT / "rulebooks"), workers=1))
    assert all(e.error is not None and "formulärmappen finns inte" in e.error.message
               for e in entries)
