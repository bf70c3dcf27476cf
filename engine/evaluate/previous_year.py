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


def uses_previous(rulebook: Rulebook) -> bool:
    return any(expr.previous for expr, _ in rule_exprs(rulebook))


def check_previous(previous: Any, current: Any, file: str) -> None:
    """A named previous year must be the same unit's year before."""
    same = previous.enhet.hsa_id == current.enhet.hsa_id
    if not same or previous.period != current.period - 1:
        raise InputError.single(file, f"--previous: förväntade årsbokslutet för "
                                f"{current.enhet.hsa_id} {current.period - 1}, fick "
                                f"{previous.enhet.hsa_id} {previous.period}", "period")


def find_previous(path: str, current: Any, load) -> Any | None:
    """The previous year's submission model beside `path`, or None. `load(path)` reads one
    (engine.evaluate.evaluation.load_submission); a file that does not read is passed over."""
    here = Path(path)
    if not here.is_file():
        return None
    candidates = sorted({*here.parent.glob("*.yaml"), *here.parent.parent.glob("*/*.yaml")})
    # only regular files that are not hidden: a FIFO beside the file would block the reader
    # (batch.collect skips them for the same reason). The file itself stays in the list: the
    # index is then the same for every file of a folder and read once (it cannot be its own
    # year before: the period differs).
    candidates = [c for c in candidates if c.is_file() and not c.name.startswith(".")][:MAX_CANDIDATES]
    key = tuple((str(c), c.stat().st_mtime_ns) for c in candidates)
    if key not in _index:
        index: dict[tuple[str, int], str] = {}
        for c in candidates:
            try:
                model = load(str(c)).model
                index.setdefault((model.enhet.hsa_id, model.period), str(c))
            except (InputError, AttributeError, OSError):
                continue  # not an årsbokslut, or one with errors of its own
        _index.clear()
        _index[key] = index
    found = _index[key].get((current.enhet.hsa_id, current.period - 1))
    return load(found).model if found else None
