"""Rulebook layers that include each other many times (issue 19): each file is loaded and
resolved once however often it is included, and the number of includes is bounded with a
Swedish message, so `check` and `lint` end at once instead of running for minutes."""

from __future__ import annotations

from pathlib import Path

import pytest

from .support import EXAMPLE, copy_region, run_cli


def _bomb(tmp_path: Path, cyclic: bool, times: int = 12) -> Path:
    """Six small layers, each including the others (all, or only the later ones) `times` times,
    and Jämtland's 2021 rulebook including the first."""
    folder = copy_region(tmp_path / "jamtland", whole=False)
    bomb = tmp_path / "bomb"
    bomb.mkdir()
    for i in range(6):
        others = [j for j in range(6) if j != i and (cyclic or j > i)]
        includes = ", ".join(f"l{j}.yaml" for j in others for _ in range(times))
        (bomb / f"l{i}.yaml").write_text(f"layer: l{i}\n" + (f"include: [{includes}]\n"
                                                             if includes else ""),
                                         encoding="utf-8")
    book = folder / "halsoval-2021.yaml"
    text = book.read_text(encoding="utf-8")
    book.write_text(text.replace("include: [../nationellt/malnivaer.yaml]",
                                 "include: [../nationellt/malnivaer.yaml, ../bomb/l0.yaml]"),
                    encoding="utf-8")
    assert "../bomb/l0.yaml" in book.read_text(encoding="utf-8")
    return folder


@pytest.mark.parametrize("cyclic", [False, True])
def test_six_files_including_each_other_many_times_end_at_once(tmp_path, cyclic):
    folder = _bomb(tmp_path, cyclic)
    # the subprocess timeout guards against the old exponential resolution (minutes)
    # check: exit 2 (the rulebook cannot be read); lint: exit 1, the rulebook's error listed
    for args, codes in ((["check", str(EXAMPLE), "--rulebooks", str(folder)], (2,)),
                        (["lint", str(folder)], (1,))):
        run = run_cli(*args, timeout=90)
        err = run.stderr.decode() + run.stdout.decode()
        assert run.returncode in codes, err
        assert "Traceback" not in err
        if not cyclic:
            assert "fler än 64 filer" in err, err
        else:
            assert "bildar en cirkel" in err, err


def test_a_layer_included_by_two_rulebooks_is_still_read(tmp_path):
    folder = copy_region(tmp_path / "jamtland", whole=False)
    run = run_cli("check", str(EXAMPLE), "--rulebooks", str(folder), "--format", "json")
    assert run.returncode in (0, 1), run.stderr.decode()


def test_each_layer_file_is_loaded_once_however_often_it_is_included(tmp_path, monkeypatch):
    from engine.model import rulebook_layers
    from engine.read.yamlstrict import load_file

    folder = _bomb(tmp_path, cyclic=False, times=1)
    loads: list[str] = []

    def counting(path, *a, **k):
        loads.append(Path(path).name)
        return load_file(path, *a, **k)

    monkeypatch.setattr(rulebook_layers, "load_file", counting)
    doc = rulebook_layers.resolve(load_file(folder / "halsoval-2021.yaml"))
    assert doc.data["id"]
    # l5 is included by l0..l4 (and l4 by l0..l3 …): still read once each
    assert sorted(n for n in loads if n.startswith("l")) == [f"l{i}.yaml" for i in range(6)]
