"""The unit's årsbokslut of the year before, for rules that compare with it (`previous:`).

Found as a sibling: a submission with the same HSA-id and period − 1 in the checked file's
folder or in a folder beside it (submissions/<region>/2023/ beside …/2024/), or named with
`kravkoll check --previous FILE`. Looked for only when the rulebook has such a rule; not found
means the finding `missing` for those rules, never a guess.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.errors import InputError
from engine.model.rulebook import Rulebook
from engine.model.rulebook_refs import rule_exprs

MAX_CANDIDATES = 5000  # a folder tree larger than a county's years is not searched

_index: dict[tuple, dict[tuple[str, int], str]] = {}
_listing: dict[tuple, list[Path]] = {}


def uses_previous(rulebook: Rulebook) -> bool:
    return any(expr.previous for expr, _ in rule_exprs(rulebook))


def check_previous(previous: Any, current: Any, file: str) -> None:
    """A named previous year must be the same unit's year before."""
    same = previous.enhet.hsa_id == current.enhet.hsa_id
    if not same or previous.period != current.period - 1:
        raise InputError.single(file, f"--previous: förväntade årsbokslutet för "
                                f"{current.enhet.hsa_id} {current.period - 1}, fick "
                                f"{previous.enhet.hsa_id} {previous.period}", "period")


def _candidates(folder: Path) -> tuple[tuple, list[Path]]:
    """The submissions that may be the year before: in `folder` and in the folders beside it,
    with a key that changes when any of those folders gains, loses or renames a file.

    Listed once per key, not once per checked file: beside a large folder (a benchmark's, or a
    region's archive) the listing was most of a county check's time."""
    parent = folder.parent
    try:
        beside = sorted(d for d in parent.iterdir()
                        if not d.name.startswith(".") and d.is_dir())
        key = tuple((str(d), d.stat().st_mtime_ns) for d in [folder, *beside])
    except OSError:
        return (), []
    if key not in _listing:
        found = sorted({*folder.glob("*.yaml"), *parent.glob("*/*.yaml")})
        # only regular files that are not hidden: a FIFO beside the file would block the
        # reader (batch.collect skips them for the same reason)
        _listing.clear()
        _listing[key] = [c for c in found
                         if c.is_file() and not c.name.startswith(".")][:MAX_CANDIDATES]
    return key, _listing[key]


def find_previous(path: str, current: Any, load) -> Any | None:
    """The previous year's submission model beside `path`, or None. `load(path)` reads one
    (engine.evaluate.evaluation.load_submission); a file that does not read is passed over."""
    here = Path(path)
    if not here.is_file():
        return None
    want = (current.enhet.hsa_id, current.period - 1)
    for fresh in (False, True):
        key, candidates = _candidates(here.parent)
        if fresh or key not in _index:
            # The file itself stays in the index: it is then the same for every file of a
            # folder and read once (it cannot be its own year before: the period differs).
            index: dict[tuple[str, int], str] = {}
            for c in candidates:
                try:
                    model = load(str(c)).model
                    index.setdefault((model.enhet.hsa_id, model.period), str(c))
                except (InputError, AttributeError, OSError):
                    continue  # not an årsbokslut, or one with errors of its own
            _index.clear()
            _index[key] = index
        found = _index[key].get(want)
        if found is None:
            return None
        model = _read(found, load)
        if model is not None and (model.enhet.hsa_id, model.period) == want:
            return model
        # the file was edited in place since the index was made (a folder's mtime does not
        # change then): read the folder again once
    return None


def _read(path: str, load) -> Any | None:
    try:
        return load(path).model
    except (InputError, AttributeError, OSError):
        return None
