"""Checking one file is cheap: what only other files need is not built, and the rulebook
library an earlier run loaded is taken from the library cache (engine/model/library_cache.py)
when, and only when, every file it was loaded from is byte for byte the same.

What a user would check: `kravkoll check FILE` gives the same report, the same messages and
the same exit code with the cache as without it; an edited rulebook, layer or form is read
again even when its size and time stamp are unchanged; a broken rulebook is refused in the
same words; a cache that is corrupt, cannot be written or may be written by others is never
an error and never trusted. (The rest of the suite runs without the cache: tests/conftest.py.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.model import library
from engine.model.library import load_library

from .support import EXAMPLE, ROOT, RULEBOOKS, copy_region, run_cli


def _cache_on(monkeypatch, tmp_path: Path) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("KRAVKOLL_CACHE", "1")
    monkeypatch.setenv("KRAVKOLL_CACHE_DIR", str(cache))
    return cache


def _loads(monkeypatch) -> list:
    """Every load that reads and checks the rulebooks (not taken from the cache)."""
    calls = []
    real = library._load_library
    monkeypatch.setattr(library, "_load_library", lambda folder: calls.append(folder) or real(folder))
    return calls


def _seen(books) -> list:
    """Everything a check, a report or `explain --rulebook` reads of the library."""
    return [(b.path, b.sha256, b.model, b.doc.file, b.doc.data, b.doc.positions,
             b.doc.key_positions, b.doc.text, b.doc.sha256, getattr(b.doc, "sources", None))
            for b in books]


def _uncached(folder, monkeypatch) -> list:
    with monkeypatch.context() as m:
        m.setenv("KRAVKOLL_CACHE", "0")
        return load_library(folder)


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("library-*.pickle"))


def _region(tmp_path: Path) -> Path:
    """A copy of Jämtland's rulebooks (with the national layers beside them)."""
    return copy_region(tmp_path / "rb" / "jamtland", whole=False).parent


def _edit_keeping_time(path: Path, old: str, new: str) -> None:
    """Change the text, keep the size and the modification time: only the content differs."""
    assert len(old.encode()) == len(new.encode())
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size


def test_a_second_load_is_the_same_library_without_reading_the_rulebooks(tmp_path, monkeypatch):
    cache = _cache_on(monkeypatch, tmp_path)
    loads = _loads(monkeypatch)
    first = load_library(RULEBOOKS)
    assert len(_entries(cache)) == 1 and len(loads) == 1
    second = load_library(RULEBOOKS)
    assert len(loads) == 1  # taken from the cache
    assert _seen(second) == _seen(first) == _seen(_uncached(RULEBOOKS, monkeypatch))


def test_an_edited_rulebook_is_read_again_though_its_size_and_time_are_the_same(tmp_path,
                                                                                  monkeypatch):
    _cache_on(monkeypatch, tmp_path)
    folder = _region(tmp_path)
    before = load_library(folder)
    _edit_keeping_time(folder / "jamtland" / "halsoval-2021.yaml",
                       "title: Lägsta andel distriktssköterskor (mer än)",
                       "title: Lägsta andel distriktssköterskor (över  )")
    after = load_library(folder)
    assert _seen(after) != _seen(before)
    assert _seen(after) == _seen(_uncached(folder, monkeypatch))


def test_an_edited_layer_or_form_makes_the_library_load_again(tmp_path, monkeypatch):
    _cache_on(monkeypatch, tmp_path)
    folder = _region(tmp_path)
    forms = tmp_path / "forms"
    shutil.copytree(ROOT / "forms", forms)
    monkeypatch.setenv("KRAVKOLL_FORMS", str(forms))
    loads = _loads(monkeypatch)
    load_library(folder)
    load_library(folder)
    assert len(loads) == 1
    _edit_keeping_time(folder / "nationellt" / "lagkrav.yaml", "title: Nationella lagkrav",
                       "title: Nationella lagkrav")  # same bytes: still the cached library
    load_library(folder)
    assert len(loads) == 1
    _edit_keeping_time(folder / "nationellt" / "lagkrav.yaml", "title: Nationella lagkrav",
                       "title: Nationella lagKrav")
    load_library(folder)
    assert len(loads) == 2
    form = next(forms.rglob("arsbokslut-2023.yaml"))
    _edit_keeping_time(form, "title:", "title:")
    load_library(folder)
    assert len(loads) == 2
    text = form.read_text(encoding="utf-8")
    form.write_text(text + "\n# en kommentar\n", encoding="utf-8")
    load_library(folder)
    assert len(loads) == 3
    (forms / "jamtland" / "kopia.yaml").write_text(text.replace("id: arsbokslut-2023",
                                                                "id: arsbokslut-kopia"),
                                                   encoding="utf-8")
    load_library(folder)
    assert len(loads) == 4


def test_a_broken_rulebook_is_refused_in_the_same_words_after_a_cached_load(tmp_path,
                                                                            monkeypatch):
    _cache_on(monkeypatch, tmp_path)
    folder = _region(tmp_path)
    load_library(folder)
    book = folder / "jamtland" / "halsoval-2021.yaml"
    book.write_text(book.read_text(encoding="utf-8").replace(
        "right: {param: andel_distriktsskoterskor_min}", "right: {param: andel_dsk}"),
        encoding="utf-8")
    with pytest.raises(InputError) as cached:
        load_library(folder)
    with pytest.raises(InputError) as plain:
        _uncached(folder, monkeypatch)
    assert "okänd parameter 'andel_dsk'" in str(cached.value)
    assert str(cached.value) == str(plain.value)


@pytest.mark.parametrize("damage", ["empty", "truncated", "flipped", "garbage"])
def test_a_corrupt_cache_entry_is_loaded_past(tmp_path, monkeypatch, damage):
    cache = _cache_on(monkeypatch, tmp_path)
    first = load_library(RULEBOOKS)
    [entry] = _entries(cache)
    data = entry.read_bytes()
    entry.write_bytes({"empty": b"", "truncated": data[: len(data) // 2],
                       "flipped": data[:-100] + bytes([data[-100] ^ 1]) + data[-99:],
                       "garbage": os.urandom(1000)}[damage])
    loads = _loads(monkeypatch)
    assert _seen(load_library(RULEBOOKS)) == _seen(first)
    assert len(loads) == 1
    assert _seen(load_library(RULEBOOKS)) == _seen(first)
    assert len(loads) == 1  # written again, whole: the next load takes it


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("KRAVKOLL_CACHE", "1")
    monkeypatch.setenv("KRAVKOLL_CACHE_DIR", str(blocker / "cache"))
    assert _seen(load_library(RULEBOOKS)) == _seen(_uncached(RULEBOOKS, monkeypatch))


def test_a_cache_others_may_write_is_not_trusted(tmp_path, monkeypatch):
    cache = _cache_on(monkeypatch, tmp_path)
    load_library(RULEBOOKS)
    loads = _loads(monkeypatch)
    cache.chmod(0o777)
    load_library(RULEBOOKS)
    assert len(loads) == 1
    cache.chmod(0o700)
    [entry] = _entries(cache)
    entry.chmod(0o666)
    load_library(RULEBOOKS)
    assert len(loads) == 2


@pytest.mark.parametrize("fmt", ["json", "rich"])
def test_check_gives_the_same_report_with_and_without_the_cache(tmp_path, fmt):
    on = {"KRAVKOLL_CACHE": "1", "KRAVKOLL_CACHE_DIR": str(tmp_path / "cache")}
    runs = [run_cli("check", str(EXAMPLE), "--format", fmt, env=env)
            for env in ({"KRAVKOLL_CACHE": "0"}, on, on)]
    assert list((tmp_path / "cache").glob("library-*.pickle"))
    assert runs[0].returncode == 1  # the example has shortfalls
    for run in runs[1:]:
        assert (run.returncode, run.stdout, run.stderr) == \
            (runs[0].returncode, runs[0].stdout, runs[0].stderr)


PROBE = """
import io, sys
from engine.cli.main import main
out, sys.stdout = sys.stdout, io.StringIO()
code = main(["check", sys.argv[1], "--format", "json"])
sys.stdout = out
from engine.model import form
built = sorted({f.form.id for forms in form._cache.values() for f in forms.values()
                if f._model is not None and f._model.__pydantic_complete__})
others = sorted(m for m in sys.modules if m.startswith("engine.cli.commands_")
                or m in ("engine.model.rulebook_types", "engine.model.rulebook_policy"))
print(code, ",".join(built), ",".join(others) or "-")
"""


@pytest.mark.parametrize("cache", ["0", "1"])
def test_one_check_builds_only_what_it_uses(tmp_path, cache):
    """The validator of the submission's own form, not of the other forms the rulebooks
    read; not the other commands (ledger, gate, forms, trend); with the cache, not the
    rulebook checks either."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), KRAVKOLL_CACHE=cache,
               KRAVKOLL_CACHE_DIR=str(tmp_path / "cache"))
    runs = []
    for _ in range(2):  # with the cache: written, then read
        proc = subprocess.run([sys.executable, "-c", PROBE, str(EXAMPLE)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        runs.append(proc.stdout.split())
        assert runs[-1][:2] == ["1", "arsbokslut-2023"], proc.stderr
    checks = "engine.model.rulebook_policy,engine.model.rulebook_types"
    assert [r[2] for r in runs] == ([checks, checks] if cache == "0" else [checks, "-"])


def test_a_rulebook_folder_linked_elsewhere_is_read_from_where_it_now_leads(tmp_path,
                                                                            monkeypatch):
    """`explain --rulebook` names the layers' real paths: a link to an identical copy
    elsewhere is another library, not the cached one."""
    _cache_on(monkeypatch, tmp_path)
    a, b = _region(tmp_path / "a"), _region(tmp_path / "b")
    link = tmp_path / "rb-link"
    link.symlink_to(a)
    before = load_library(link)
    link.unlink()
    link.symlink_to(b)
    after = load_library(link)
    sources = [getattr(book.doc, "sources", []) for book in after]
    assert any(str(b) in s for s in sum(sources, []))
    assert not any(str(a) in s for s in sum(sources, []))
    assert _seen(after) == _seen(_uncached(link, monkeypatch)) != _seen(before)
