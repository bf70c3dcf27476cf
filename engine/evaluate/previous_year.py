"""The unit's årsbokslut of the year before, for rules that compare with it (`previous:`).

Found as a sibling: a submission with the same HSA-id and period − 1 in the checked file's
folder or in a folder beside it (submissions/<region>/2023/ beside …/2024/), or named with
`kravkoll check --previous FILE`. Looked for only when the rulebook has such a rule; not found
means the finding `missing` for those rules, never a guess.
"""

from __future__ import annotations

import os
import re
from typing import Any

from engine.errors import InputError
from engine.model.rulebook import Rulebook
from engine.model.rulebook_refs import rule_exprs

from .memo import ByIdentity

_index: dict[tuple, dict[tuple[str, int], str]] = {}
_listing: dict[tuple, list[str]] = {}

# Where a submission says which unit and year it is: a top-level `period:` and an indented
# `hsa_id:` (under enhet). Read from the text for the index; a file where either is not found
# exactly once is read whole instead, and the file found is always read whole and compared.
# Searched in "\n" + text: a line's start written as the newline before it gives the regular
# expression a literal to look for (^ with re.M tried every byte: 10 × slower, the most of a
# 10 000-unit county's index).
_PERIOD = re.compile(rb"\nperiod:[ \t]*[\"']?(\d{4})[\"']?[ \t]*(?:#.*)?\r?$", re.M)
_HSA = re.compile(rb"\n[ \t]+hsa_id:[ \t]*[\"']?([A-Za-z0-9-]+)[\"']?[ \t]*(?:#.*)?\r?$", re.M)


_uses = ByIdentity()


def uses_previous(rulebook: Rulebook) -> bool:
    """Whether any rule reads the year before (asked for every unit: answered once per
    rulebook)."""
    return _uses.get((rulebook,), lambda: any(expr.previous for expr, _ in rule_exprs(rulebook)))


def check_previous(previous: Any, current: Any, file: str) -> None:
    """A named previous year must be the same unit's year before."""
    same = previous.enhet.hsa_id == current.enhet.hsa_id
    if not same or previous.period != current.period - 1:
        raise InputError.single(file, f"--previous: förväntade årsbokslutet för "
                                f"{current.enhet.hsa_id} {current.period - 1}, fick "
                                f"{previous.enhet.hsa_id} {previous.period}", "period")


def _subfolders(parent: str) -> list[os.DirEntry]:
    with os.scandir(parent) as it:
        return sorted((e for e in it if not e.name.startswith(".") and e.is_dir()),
                      key=lambda e: e.name)


def _yaml_files(folder: str) -> list[str]:
    """The regular, not hidden *.yaml files of a folder: a FIFO beside the file would block
    the reader (batch.collect skips them for the same reason)."""
    try:
        with os.scandir(folder) as it:
            return [e.path for e in it if e.name.endswith(".yaml")
                    and not e.name.startswith(".") and e.is_file()]
    except OSError:
        return []


def _candidates(folder: str) -> tuple[tuple, list[str]]:
    """The submissions that may be the year before: in `folder` and in the folders beside it,
    with a key that changes when any of those folders gains, loses or renames a file.

    Listed once per key, not once per checked file: beside a large folder (a benchmark's, or a
    region's archive) the listing was most of a county check's time."""
    parent = os.path.dirname(folder) or "."
    try:
        beside = _subfolders(parent)
        key = (folder, os.stat(folder).st_mtime_ns,
               *((e.path, e.stat().st_mtime_ns) for e in beside))
    except OSError:
        return (), []
    if key not in _listing:
        found = {*_yaml_files(folder)}
        for e in beside:
            if e.path != folder:
                found.update(_yaml_files(e.path))
        _listing.clear()
        _listing[key] = sorted(found)
    return key, _listing[key]


def _sighting(path: str, load) -> tuple[str, int] | None:
    """(HSA-id, period) of a submission: from its text when both stand there once, else from
    the file read whole; None for a file that is not an årsbokslut."""
    try:
        with open(path, "rb") as fh:
            text = fh.read()
    except OSError:
        return None
    text = b"\n" + text
    periods, ids = _PERIOD.findall(text), _HSA.findall(text)
    if len(periods) == 1 and len(ids) == 1:
        return ids[0].decode("ascii").upper(), int(periods[0])
    try:
        model = load(path).model
        return model.enhet.hsa_id, model.period
    except (InputError, AttributeError, OSError):
        return None  # not an årsbokslut, or one with errors of its own


def find_previous(path: str, current: Any, load) -> Any | None:
    """The previous year's submission model beside `path`, or None. `load(path)` reads one
    (engine.evaluate.evaluation.load_submission); a file that does not read is passed over."""
    if not os.path.isfile(path):
        return None
    folder = os.path.dirname(os.path.abspath(path))
    want = (current.enhet.hsa_id, current.period - 1)
    for fresh in (False, True):
        key, candidates = _candidates(folder)
        if fresh or key not in _index:
            # The file itself stays in the index: it is then the same for every file of a
            # folder (it cannot be its own year before: the period differs).
            index: dict[tuple[str, int], str] = {}
            for c in candidates:
                seen = _sighting(c, load)
                if seen is not None:
                    index.setdefault(seen, c)
            _index.clear()
            _index[key] = index
        found = _index[key].get(want)
        if found is None:
            return None
        model = _read(found, load)
        if model is not None and (model.enhet.hsa_id, model.period) == want:
            return model
        # the file was edited in place since the index was made (a folder's mtime does not
        # change then): read the folders again once
    return None


def _read(path: str, load) -> Any | None:
    try:
        return load(path).model
    except (InputError, AttributeError, OSError):
        return None
