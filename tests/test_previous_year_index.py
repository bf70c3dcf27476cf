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
    # every file of the folder read once for the index, and the year found read once more
    # (before: the whole folder again for every file)
    assert len(loads) == len(files) + 3


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
