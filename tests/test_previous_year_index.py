"""The year before is looked up beside the checked file (previous_year.find_previous): a folder
is read once for all its files, and a FIFO or hidden file beside them is never opened.

What a user checks: `kravkoll check FOLDER` (and `demands register FOLDER`) with a rulebook that
compares with the year before (Jämtland's JHV-MAL-07/08 since issue 11) takes about as long as
without it, and a FIFO in the folder does not hang it.
"""

import os
import threading

from engine.evaluate.evaluation import load_submission
from engine.evaluate.previous_year import _index, find_previous

from .support import variant

HSA = "SE2321000207-E00000000042"


def _folder(tmp_path, n):
    folder = tmp_path / "lan"
    folder.mkdir()
    files = [variant(folder, {"enhet.hsa_id": f"SE2321000207-E0000000010{i}"}, f"hc{i}.yaml")
             for i in range(n)]
    before = variant(folder, {"period": 2022, "inlamnad": "2023-02-20"}, "exempel-2022.yaml")
    return folder, files, before


def test_a_folder_is_read_once_for_all_its_files(tmp_path):
    folder, files, before = _folder(tmp_path, 6)
    current = variant(folder, {}, "exempel-2023.yaml")
    loads = []

    def load(path):
        loads.append(path)
        return load_submission(path)

    _index.clear()
    found = [find_previous(str(f), load_submission(str(f)).model, load) for f in files + [current]]
    assert found[-1] is not None and found[-1].period == 2022  # the example's year before
    assert all(f is None for f in found[:-1])  # the others have none
    # the index reads which unit and year each file is from its text: only the year found is
    # read whole (before: the whole folder again for every file)
    assert loads == [str(before)]


def test_a_fifo_beside_the_file_is_not_opened(tmp_path):
    folder, files, _ = _folder(tmp_path, 1)
    os.mkfifo(folder / "ror.yaml")
    _index.clear()
    result = []
    worker = threading.Thread(target=lambda: result.append(
        find_previous(str(files[0]), load_submission(str(files[0])).model, load_submission)),
        daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "find_previous opened the FIFO and blocks"
    assert result == [None]


def test_the_folders_beside_are_listed_once_for_all_files(tmp_path, monkeypatch):
    """Beside a large folder (a region's archive, a benchmark's 50 000 files) the listing of
    every folder beside the checked one, done again for each file, made a county check of
    10 000 units run for many minutes."""
    from engine.evaluate import previous_year

    folder, files, _ = _folder(tmp_path, 5)
    for i in range(3):  # unrelated folders beside the county's
        other = tmp_path / f"annat-{i}"
        other.mkdir()
        (other / "x.yaml").write_text("a: 1\n", encoding="utf-8")
    listed = []
    real_files = previous_year._yaml_files

    def counting(folder):
        listed.append(folder)
        return real_files(folder)

    monkeypatch.setattr(previous_year, "_yaml_files", counting)
    previous_year._index.clear()
    previous_year._listing.clear()
    for f in files:
        find_previous(str(f), load_submission(str(f)).model, load_submission)
    assert len(listed) == len(set(listed)) == 4  # the county's folder and the three beside


def test_a_year_before_edited_in_place_is_read_as_it_is_now(tmp_path):
    """A folder's mtime does not change when a file in it is rewritten in place: the index may
    be older than the file, and what is found must still be the unit's year before."""
    folder, files, before = _folder(tmp_path, 1)
    current = variant(folder, {}, "exempel-2023.yaml")
    _index.clear()
    assert find_previous(str(current), load_submission(str(current)).model, load_submission)
    text = before.read_text(encoding="utf-8").replace("period: 2022", "period: 2021")
    before.write_text(text, encoding="utf-8")
    assert find_previous(str(current), load_submission(str(current)).model, load_submission) is None


def test_a_year_before_written_in_flow_style_is_found(tmp_path):
    """The index reads unit and year from the text where they stand as the form writes them;
    a file written otherwise (enhet in flow style, period quoted twice) is read whole."""
    folder, files, before = _folder(tmp_path, 1)
    current = variant(folder, {}, "exempel-2023.yaml")
    text = before.read_text(encoding="utf-8")
    start = text.index("enhet:")
    end = text.index("\nperiod:")
    block = text[start:end]
    flow = "enhet: {namn: Hälsocentralen Exempelbyn, hsa_id: " + HSA + ", " + \
        "region: Region Jämtland Härjedalen, regi: extern, tillaggsuppdrag: [sabo]}\n"
    assert "hsa_id: " + HSA in block
    before.write_text(text[:start] + flow + text[end:], encoding="utf-8")
    load_submission(str(before))  # still a valid årsbokslut
    _index.clear()
    found = find_previous(str(current), load_submission(str(current)).model, load_submission)
    assert found is not None and found.period == 2022 and found.enhet.hsa_id == HSA


def test_the_year_before_is_found_in_a_folder_beside(tmp_path):
    """submissions/<region>/2022/ beside …/2023/: the unit's year before, by HSA-id in any
    letter case, is found in the folder beside the checked one."""
    folder, files, before = _folder(tmp_path, 2)
    other = tmp_path / "fjol"
    other.mkdir()
    moved = other / "exempel-2022.yaml"
    text = before.read_text(encoding="utf-8").replace(HSA, HSA[:-3] + HSA[-3:].lower())
    moved.write_text(text, encoding="utf-8")
    before.unlink()
    current = variant(folder, {}, "exempel-2023.yaml")
    _index.clear()
    found = find_previous(str(current), load_submission(str(current)).model, load_submission)
    assert found is not None and found.period == 2022


def test_unit_and_year_are_read_from_the_text_wherever_the_lines_stand(tmp_path):
    """The index reads `period:` and the indented `hsa_id:` from the text: on the first line,
    with Windows line ends, quoted and with a comment, as a unit writes them. A file where
    either stands twice is read whole instead (here: it is not valid, so it is passed over)."""
    from engine.evaluate.previous_year import _sighting

    def never(path):
        raise AssertionError(f"{path} read whole")

    cases = {
        b"period: 2022\nenhet:\n  hsa_id: se2321000207-e1\n": ("SE2321000207-E1", 2022),
        b"enhet:\r\n  hsa_id: 'SE1-A'   # kommentar\r\nperiod: \"2021\" # ar\r\n": ("SE1-A", 2021),
        b"# rad\nenhet:\n\thsa_id: SE9\nperiod:2020\n": ("SE9", 2020),
    }
    for i, (text, want) in enumerate(cases.items()):
        path = tmp_path / f"f{i}.yaml"
        path.write_bytes(text)
        assert _sighting(str(path), never) == want, text
    twice = tmp_path / "twice.yaml"
    twice.write_bytes(b"period: 2022\nperiod: 2023\nenhet:\n  hsa_id: SE1\n")
    assert _sighting(str(twice), load_submission) is None
